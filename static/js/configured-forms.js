/* Conditions of configured forms (issue #19) in the browser. A field or group rendered with
   data-show-if='{"name": <input name>, "values": [..]}' (or "filled": true) shows only while
   the named input has one of the values (is filled); hidden, its inputs are disabled, so they
   are not posted. Without script every field shows and the server drops the answers of hidden
   ones (case_flows/formdefs/runtime.py). The markup: templates/case_flows/_configured_form.html. */
(function () {
  "use strict";

  // The values the form would post for `name` (none when its inputs are disabled: a hidden
  // field has no answer, so a field depending on it hides too, as on the server).
  function postedValues(form, name) {
    var values = [];
    var controls = form.querySelectorAll("[name]");
    for (var i = 0; i < controls.length; i++) {
      var control = controls[i];
      if (control.name !== name || control.disabled) continue;
      if (control.type === "checkbox" || control.type === "radio") {
        if (control.checked) values.push(control.value);
      } else if (control.tagName === "SELECT" && control.multiple) {
        for (var j = 0; j < control.options.length; j++) {
          if (control.options[j].selected) values.push(control.options[j].value);
        }
      } else if (control.value.trim() !== "") {
        values.push(control.value.trim());
      }
    }
    return values;
  }

  function holds(condition, values) {
    if (condition.filled) return values.length > 0;
    return values.some(function (value) {
      return condition.values.indexOf(value) !== -1;
    });
  }

  function show(element, visible) {
    element.hidden = !visible;
    element.querySelectorAll("input, select, textarea").forEach(function (control) {
      // A control inside a nested condition keeps the state its own condition gives it.
      var owner = control.closest("[data-show-if]");
      if (owner === element || visible === false) control.disabled = !visible;
      else if (owner) control.disabled = owner.hidden;
    });
  }

  // Apply every condition of the form, in document order (a condition may name a field that
  // another condition hides: it is settled first, as the server settles them in form order).
  function update(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (element) {
      var condition;
      try {
        condition = JSON.parse(element.getAttribute("data-show-if"));
      } catch (error) {
        return; // a malformed condition: leave the field shown
      }
      show(element, holds(condition, postedValues(form, condition.name)));
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-if]")) return;
    form.addEventListener("change", function () {
      update(form);
    });
    form.addEventListener("input", function () {
      update(form);
    });
    update(form);
  });
})();
