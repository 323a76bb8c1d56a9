// ozgform: optional enhancements for the web forms. Everything works without this script;
// it only moves focus to the error summary (and from its links to the fields) and, when a field that a rule depends on changes,
// asks the server which parts of the page to show. The server is the only place where rules
// are evaluated.
(function () {
  "use strict";

  var summary = document.getElementById("fehler");
  if (summary) {
    summary.focus();
    // A link of the error summary scrolls its field's box into view, so that the label (or
    // legend) and the error message above the input stay visible, and then focuses the input
    // (the browser's own jump would put the input at the top edge, its label above it).
    summary.addEventListener("click", function (e) {
      var a = e.target.closest ? e.target.closest("a[href^='#']") : null;
      if (!a) {
        return;
      }
      var el = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
      if (!el) {
        return;
      }
      var box = el.closest(".feld") || (el.tagName === "FIELDSET" ? el : el.closest("fieldset")) || el;
      var input = /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(el.tagName) ? el : box.querySelector("input, select, textarea");
      e.preventDefault();
      box.scrollIntoView({ block: "start" });
      if (input) {
        input.focus({ preventScroll: true });
      }
      if (window.history && history.replaceState) {
        history.replaceState(null, "", a.getAttribute("href"));
      }
    });
  }

  var form = document.querySelector("form[data-sichtbarkeit]");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) {
    return;
  }
  var url = form.getAttribute("data-sichtbarkeit");
  var js = form.querySelector("input[name=_js]");
  if (js) {
    js.value = "1"; // the server knows the citizen saw the fields as they appeared
  }
  // With the script, the "Aktualisieren" buttons are not needed.
  Array.prototype.forEach.call(form.querySelectorAll(".aktualisieren"), function (el) {
    el.hidden = true;
  });

  var pending = null;
  var seq = 0;

  function apply(states) {
    states.forEach(function (s) {
      var el = document.getElementById(s.id);
      if (!el) {
        return;
      }
      el.hidden = !!s.hidden;
      if (el.tagName === "FIELDSET") {
        el.disabled = !!s.disabled;
      } else {
        Array.prototype.forEach.call(el.querySelectorAll("input, select, textarea, button"), function (c) {
          c.disabled = !!s.disabled;
        });
      }
    });
  }

  function update() {
    var mine = ++seq;
    var body = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string") {
        body.append(key, value);
      }
    });
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: body.toString()
    }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (data) {
      if (data && mine === seq && data.states) {
        apply(data.states);
      }
    }).catch(function () {
      // Without an answer the page stays as it is; "Weiter" shows new fields anyway.
    });
  }

  form.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.closest && t.closest("[data-regelquelle]")) {
      clearTimeout(pending);
      pending = setTimeout(update, 50);
    }
  });
})();
