/* Small behaviours of every page, kept out of the HTML so that the Content-Security-Policy
   allows no inline script. Each works from markup the templates already render. */
(function () {
  "use strict";

  // The language switcher in the top bar changes language as soon as one is chosen (its
  // "Change" button is for browsers without script).
  function languageSwitcher() {
    var select = document.getElementById("language-select");
    if (!select) return;
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }

  // A form's error summary takes the focus; a link in it moves the focus to its field (not
  // only the scroll position) and shows the field's label.
  function errorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      field.focus();
      var label = field.labels && field.labels[0];
      if (label) label.scrollIntoView();
    });
  }

  // <details data-open-from-width="701">: open on screens at least that wide (the dashboard's
  // filters: folded on a phone, where the first screen shows figures, open on a desktop).
  function openOnWideScreens() {
    document.querySelectorAll("details[data-open-from-width]").forEach(function (details) {
      var width = details.getAttribute("data-open-from-width");
      if (window.matchMedia("(min-width: " + width + "px)").matches) details.open = true;
    });
  }

  // <a data-history-back href="/">: back to the previous page when there is one.
  function historyBack() {
    document.querySelectorAll("a[data-history-back]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (window.history.length < 2) return;
        event.preventDefault();
        window.history.back();
      });
    });
  }

  languageSwitcher();
  errorSummary();
  openOnWideScreens();
  historyBack();
})();
