// Forms that never lose work, on every page (loaded by base.html; plain JS, no library).
//
// * Drafts: a form marked data-draft keeps what is typed in this tab's sessionStorage. The
//   draft is dropped only when the server says the form went through (a page carrying
//   data-draft-done, or a success notice right after the submit). Anything else (a validation
//   error, an expired session or CSRF token that sends the person to sign in again, a crash,
//   closing the page by mistake) brings the typed values back into the empty form.
// * Errors: a field with an error inside a collapsed <details> opens it; the first error takes
//   the focus, so a refused form never looks as if nothing happened.
// * Confirmation: form[data-confirm] asks before sending; with data-confirm-if="ID" only when
//   that checkbox is ticked (final feedback).
// * Counters: textarea[data-counter] shows "typed / maximum" as the person types.
// * File sizes: input[type=file][data-max-bytes] refuses a larger file before it is sent, with
//   the input's data-too-large text (a phone upload of a large photo would end in a bare 413).
(function () {
  "use strict";
  var PENDING = "hotline-draft-pending";
  var store = null;
  try { store = window.sessionStorage; store.getItem(PENDING); } catch (e) { store = null; }

  function keyOf(form) {
    // The form's target, not the page: a refused step re-renders at its POST address.
    return "hotline-draft:" + (form.getAttribute("action") || location.pathname) + "#" + (form.getAttribute("data-draft") || form.id || "form");
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrf_token" || el.name === "version") { return false; }
      var type = (el.type || "").toLowerCase();
      return ["password", "hidden", "submit", "button", "file", "reset"].indexOf(type) < 0;
    });
  }

  function read(form) {
    var data = {};
    fields(form).forEach(function (el) {
      var type = (el.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        data[el.name] = data[el.name] || [];
        if (el.checked) { data[el.name].push(el.value); }
      } else if (el.multiple) {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function typedSomething(data) {
    return Object.keys(data).some(function (name) {
      var value = data[name];
      return Array.isArray(value) ? value.length > 0 : String(value || "").trim() !== "";
    });
  }

  function write(form, data) {
    fields(form).forEach(function (el) {
      if (!(el.name in data)) { return; }
      var value = data[el.name];
      var type = (el.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        el.checked = value.indexOf(el.value) >= 0;
      } else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) >= 0; });
      } else {
        el.value = value;
      }
    });
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function hasServerErrors(form) {
    return !!form.querySelector(".invalid, [aria-invalid='true']");
  }

  function setUpDrafts() {
    if (!store) { return; }
    var pending = store.getItem(PENDING);
    var done = document.querySelector("[data-draft-done]") ||
      (pending && document.querySelector(".flash.success"));
    if (done && pending) {
      store.removeItem(pending);
      store.removeItem(PENDING);
      pending = null;
    }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), function (form) {
      var key = keyOf(form);
      var saved = store.getItem(key);
      if (saved && !hasServerErrors(form)) {
        try {
          var data = JSON.parse(saved);
          if (typedSomething(data)) {
            write(form, data);
            var details = form.closest("details");
            if (details) { details.open = true; }
            var note = document.createElement("p");
            note.className = "flash info draft-restored";
            note.setAttribute("role", "status");
            note.textContent = document.body.getAttribute("data-draft-restored") || "";
            if (note.textContent) { form.insertBefore(note, form.firstChild); }
          }
        } catch (e) { store.removeItem(key); }
      }
      function save() {
        var data = read(form);
        if (typedSomething(data)) { store.setItem(key, JSON.stringify(data)); } else { store.removeItem(key); }
      }
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      form.addEventListener("submit", function () { save(); store.setItem(PENDING, key); });
    });
  }

  function showErrors() {
    var first = document.querySelector("[aria-invalid='true'], .invalid input, .invalid select, .invalid textarea");
    var problems = document.querySelector(".problems");
    Array.prototype.forEach.call(document.querySelectorAll(".invalid, .problems"), function (el) {
      var details = el.closest("details");
      while (details) {
        details.open = true;
        details = details.parentElement ? details.parentElement.closest("details") : null;
      }
    });
    var target = first || problems;
    if (target) {
      if (!first) { target.setAttribute("tabindex", "-1"); }
      target.focus();
      if (target.scrollIntoView) { target.scrollIntoView({ block: "center" }); }
    }
  }

  function setUpConfirm() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
      form.addEventListener("submit", function (event) {
        var only = form.getAttribute("data-confirm-if");
        if (only) {
          var box = document.getElementById(only);
          if (!box || !box.checked) { return; }
        }
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
      });
    });
  }

  function setUpCounters() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-counter]"), function (area) {
      var out = document.getElementById(area.getAttribute("data-counter"));
      var max = parseInt(area.getAttribute("maxlength"), 10) || 0;
      if (!out) { return; }
      function update() {
        var n = area.value.length;
        out.textContent = n + " / " + max;
        out.classList.toggle("soon", max > 0 && n >= max * 0.9);
      }
      area.addEventListener("input", update);
      update();
    });
  }

  function setUpFileLimits() {
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-max-bytes]"), function (input) {
      var max = parseInt(input.getAttribute("data-max-bytes"), 10) || 0;
      input.addEventListener("change", function () {
        var big = Array.prototype.some.call(input.files || [], function (file) { return max > 0 && file.size > max; });
        input.setCustomValidity(big ? (input.getAttribute("data-too-large") || "") : "");
        if (big) { input.reportValidity(); }
      });
    });
  }

  setUpConfirm();  // first: a cancelled confirmation must not mark the draft as sent
  setUpDrafts();
  setUpCounters();
  setUpFileLimits();
  showErrors();
})();
