// The liaison's new-work badge: how many tickets wait to be signed for, asked every minute
// (and at once when the tab comes back into view), so new work shows without an SMS.
(function () {
  "use strict";
  var badge = document.getElementById("new-work");
  if (!badge) { return; }
  var url = badge.getAttribute("data-poll");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
      .then(function (r) { if (r.redirected || !r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        var n = data.pending || 0;
        badge.textContent = n > 99 ? "99+" : String(n);
        badge.hidden = n === 0;
      })
      .catch(function () { /* keep the last count */ });
  }

  poll();
  setInterval(poll, 60000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
})();
