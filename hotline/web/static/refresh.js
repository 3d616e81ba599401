// The supervisor board's overdue queue refreshes itself: every data-seconds it fetches the
// server-rendered queue and swaps it in (the "refresh" link does the same at once). Without
// JavaScript the link reloads the page and a <noscript> meta refresh reloads it periodically.
(function () {
  "use strict";
  var section = document.querySelector("[data-refresh]");
  if (!section) { return; }
  var url = section.getAttribute("data-refresh");
  var seconds = parseInt(section.getAttribute("data-seconds"), 10) || 30;

  function swap() {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.redirected || !r.ok) { throw new Error("status " + r.status); }
        return r.text();
      })
      .then(function (html) {
        var old = document.getElementById("overdue-queue");
        if (old) { old.outerHTML = html; }
      })
      .catch(function () { /* keep the last queue; try again next time */ });
  }

  var now = document.getElementById("refresh-now");
  if (now) {
    now.addEventListener("click", function (event) { event.preventDefault(); swap(); });
  }
  setInterval(swap, seconds * 1000);
})();
