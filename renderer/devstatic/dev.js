// ozgform dev: the preview bar of `ozgform dev`. It reloads the page when the server reports
// that a form file was saved (server-sent events), keeps the answers typed on the page across
// the reload where the fields still fit them, and fills the current step with sample data.
// `ozgform serve` never sends this script.
(function () {
  "use strict";

  var bar = document.querySelector(".dev-leiste");
  if (!bar) {
    return;
  }
  var generation = bar.getAttribute("data-generation");
  var key = "ozgform-dev:" + location.pathname;

  function controls() {
    return Array.prototype.filter.call(document.querySelectorAll("main input[name], main select[name], main textarea[name]"), function (el) {
      return el.name.charAt(0) === "/" && el.type !== "file" && el.type !== "hidden";
    });
  }

  // set gives a field a value if the value fits it: an option that exists, a checkbox or
  // radio button with that value. It reports whether the field changed.
  function set(el, value) {
    if (value === undefined || value === null) {
      return false;
    }
    if (el.type === "radio" || el.type === "checkbox") {
      var on;
      if (Array.isArray(value)) {
        on = value.map(String).indexOf(el.value) >= 0;
      } else if (typeof value === "boolean") {
        on = el.value === "true" || el.value === "on" ? value : el.value === String(value);
      } else {
        on = el.value === String(value);
      }
      if (el.checked === on) {
        return false;
      }
      el.checked = on;
      return true;
    }
    if (typeof value === "object") {
      return false;
    }
    var text = String(value);
    if (el.tagName === "SELECT") {
      var fits = Array.prototype.some.call(el.options, function (o) { return o.value === text; });
      if (!fits) {
        return false;
      }
    }
    if (el.value === text) {
      return false;
    }
    el.value = text;
    return true;
  }

  function changed(els) {
    els.forEach(function (el) {
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  // Answers typed on the page survive the reload (the draft keeps what was saved).
  function save() {
    var values = {};
    controls().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) {
          (values[el.name] = values[el.name] || []).push(el.value);
        } else if (!(el.name in values)) {
          values[el.name] = [];
        }
        return;
      }
      values[el.name] = el.value;
    });
    try {
      sessionStorage.setItem(key, JSON.stringify(values));
    } catch (e) {
      // without storage the draft's answers still come back
    }
  }

  function restore() {
    var raw = null;
    try {
      raw = sessionStorage.getItem(key);
      sessionStorage.removeItem(key);
    } catch (e) {
      return;
    }
    if (!raw) {
      return;
    }
    var values = JSON.parse(raw);
    changed(controls().filter(function (el) {
      return el.name in values && set(el, values[el.name]);
    }));
  }

  function reload() {
    save();
    location.reload();
  }

  restore();

  if (window.EventSource) {
    var events = new EventSource(bar.getAttribute("data-ereignisse"));
    var onEvent = function (e) {
      var data = JSON.parse(e.data);
      if (String(data.generation) !== generation) {
        events.close();
        reload();
      }
    };
    events.addEventListener("reload", onEvent);
    events.addEventListener("hello", onEvent);
  }

  // "Mit Beispieldaten füllen": the form's valid sample, or one generated from its fields.
  function lookup(data, pointer) {
    var cur = data;
    var parts = pointer.split("/").slice(1);
    for (var i = 0; i < parts.length; i++) {
      if (cur === null || typeof cur !== "object") {
        return undefined;
      }
      cur = cur[parts[i].replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    return cur;
  }

  var button = bar.querySelector("[data-beispiel]");
  if (button && window.fetch) {
    button.addEventListener("click", function () {
      fetch(button.getAttribute("data-beispiel"), { credentials: "same-origin" }).then(function (res) {
        return res.ok ? res.json() : null;
      }).then(function (sample) {
        if (!sample) {
          return;
        }
        var filled = controls().filter(function (el) {
          return set(el, lookup(sample, el.name));
        });
        changed(filled);
        bar.querySelector(".dev-status").textContent = "Vorschau: " + filled.length + " Felder mit Beispieldaten gefüllt.";
      });
    });
  }
})();
