// The dispatch rules editor (plain JS, no library; everything also works without it):
// * the preview beside the rule (or the rules list) follows the pickers as they change,
//   asking the server, which tries the sample ticket on the rules (nothing is saved);
// * a section of extra assisting departments names the ticked ones in its summary;
// * on the rules list a rule can be dragged by its number; the numbers follow, and
//   "Save the order" saves them (the up and down buttons and the numbers work without this).
(function () {
  "use strict";

  function live(form, target, send) {
    if (!form || !target) { return; }
    var timer = null;
    var seq = 0;
    function refresh() {
      var mine = ++seq;
      target.setAttribute("aria-busy", "true");
      send()
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
        .then(function (html) { if (mine === seq) { target.innerHTML = html; } })
        .catch(function () { /* the preview is a help: the button beside it still works */ })
        .then(function () { if (mine === seq) { target.removeAttribute("aria-busy"); } });
    }
    function later() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(refresh, 250);
    }
    form.addEventListener("change", later);
    form.addEventListener("input", function (event) {
      if (event.target && event.target.type === "text") { later(); }
    });
  }

  var headers = { "X-Requested-With": "fetch" };
  var ruleForm = document.getElementById("rule-form");
  if (ruleForm) {
    live(ruleForm, document.getElementById("rule-preview"), function () {
      var body = new FormData(ruleForm);
      body.set("action", "preview");
      return fetch(ruleForm.getAttribute("data-preview"), {
        method: "POST", body: body, credentials: "same-origin", headers: headers
      });
    });
    ruleForm.addEventListener("change", function (event) {
      var section = event.target.closest && event.target.closest("details.sub");
      var out = section && section.querySelector(".chosen");
      if (!out) { return; }
      var names = Array.prototype.filter.call(section.querySelectorAll("input[type=checkbox]"), function (box) {
        return box.checked;
      }).map(function (box) { return box.parentNode.textContent.trim(); });
      out.textContent = names.length ? names.join("、") : (out.getAttribute("data-none") || "");
    });
    Array.prototype.forEach.call(ruleForm.querySelectorAll("details.sub .chosen"), function (out) {
      if (!out.getAttribute("data-none") && !out.closest("details").querySelector("input:checked")) {
        out.setAttribute("data-none", out.textContent);
      }
    });
  }

  var sampleForm = document.getElementById("sample-form");
  if (sampleForm) {
    live(sampleForm, document.getElementById("rule-preview"), function () {
      var query = new URLSearchParams(new FormData(sampleForm)).toString();
      return fetch(sampleForm.getAttribute("data-preview") + "?" + query, {
        credentials: "same-origin", headers: headers
      });
    });
  }

  var list = document.getElementById("rule-list");
  if (!list || !("draggable" in list)) { return; }
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
  var dragged = null;

  function renumber() {
    var moved = false;
    Array.prototype.forEach.call(list.querySelectorAll("li.rule-card"), function (item, k) {
      item.querySelector(".order-input").value = k + 1;
      item.querySelector(".rule-no").textContent = k + 1;
      if (String(k) !== item.getAttribute("data-index")) { moved = true; }
    });
    var note = document.getElementById("order-changed");
    if (note) { note.hidden = !moved; }
  }

  Array.prototype.forEach.call(list.querySelectorAll(".rule-no"), function (handle) { handle.draggable = true; });
  list.addEventListener("dragstart", function (event) {
    var handle = event.target.closest && event.target.closest(".rule-no");
    dragged = handle && handle.closest("li.rule-card");
    if (!dragged) { return; }
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.id);
    if (event.dataTransfer.setDragImage) { event.dataTransfer.setDragImage(dragged, 20, 20); }
  });
  list.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    event.preventDefault();
    var over = event.target.closest && event.target.closest("li.rule-card");
    if (!over || over === dragged) { return; }
    var box = over.getBoundingClientRect();
    list.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? over.nextSibling : over);
  });
  list.addEventListener("drop", function (event) { if (dragged) { event.preventDefault(); } });
  list.addEventListener("dragend", function () {
    if (!dragged) { return; }
    dragged.classList.remove("dragging");
    dragged = null;
    renumber();
  });
  list.addEventListener("input", function (event) {
    if (event.target.classList.contains("order-input")) {
      var note = document.getElementById("order-changed");
      if (note) { note.hidden = false; }
    }
  });
})();
