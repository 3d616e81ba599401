// Live dispatch preview on the log-a-call form: posts the form as it stands (with its CSRF
// token) to the preview endpoint and shows the server-rendered answer. Stores nothing.
(function () {
  "use strict";
  var form = document.getElementById("call-form");
  var target = document.getElementById("preview-body");
  if (!form || !target) { return; }
  var url = form.getAttribute("data-preview");
  var box = document.getElementById("dispatch-preview");
  var timer = null;
  var seq = 0;

  function refresh() {
    var mine = ++seq;
    box.setAttribute("aria-busy", "true");
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin",
                 headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.text(); })
      .then(function (html) { if (mine === seq) { target.innerHTML = html; } })
      .catch(function () { /* the preview is a help, never a blocker */ })
      .then(function () { if (mine === seq) { box.removeAttribute("aria-busy"); } });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("change", later);
  form.addEventListener("input", later);
  refresh();
})();
