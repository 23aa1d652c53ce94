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

  // A task page's upload (form.attachment-upload[data-in-place]) and its deletions
  // (form.attachment-delete-form[data-in-place]) are sent in the background and only what they
  // change is replaced: the attachments section, the referrals' choices of files to share
  // (div.attachment-choices, ticks kept) and the message, which is said in the section's own
  // live region (where the user is, also on a phone). What is typed in the task's form stays.
  // A refused upload shows the upload form again with its reason. Without script (or on a
  // network error) the form is posted and the page comes back.
  function attachmentsInPlace() {
    if (!window.fetch || !window.FormData || !window.DOMParser) return;
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches) return;
      var upload = form.matches("form.attachment-upload[data-in-place]");
      if (!upload && !form.matches("form.attachment-delete-form[data-in-place]")) return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (response) {
          return response.text().then(function (html) {
            return { ok: response.ok, doc: new DOMParser().parseFromString(html, "text/html") };
          });
        })
        .then(function (result) {
          if (result.ok) replaced(result.doc);
          else if (!upload || !refused(form, result.doc)) form.submit();
          if (button) button.disabled = false;
        })
        .catch(function () {
          form.submit();
        });
    });
  }

  function replaced(doc) {
    var section = document.getElementById("attachments");
    var fresh = doc.getElementById("attachments");
    if (section && fresh) {
      fresh = document.importNode(fresh, true);
      // The live region stays the same element: a screen reader announces what changes in it.
      var region = section.querySelector("[data-attachments-status]");
      var slot = fresh.querySelector("[data-attachments-status]");
      if (region && slot) slot.replaceWith(region);
      section.replaceWith(fresh);
    }
    document.querySelectorAll("div.attachment-choices[id]").forEach(function (choices) {
      var update = doc.getElementById(choices.id);
      if (!update) return;
      var ticked = {};
      choices.querySelectorAll("input:checked").forEach(function (input) {
        ticked[input.value] = true;
      });
      update = document.importNode(update, true);
      update.querySelectorAll("input").forEach(function (input) {
        input.checked = !!ticked[input.value];
      });
      choices.replaceWith(update);
    });
    var message = doc.querySelector("main .messages .msg");
    if (message) say(message.textContent.trim(), message.className);
  }

  function refused(form, doc) {
    var again = doc.querySelector("form.attachment-upload");
    if (!again) return false;
    var next = form.querySelector("input[name=next]");
    var back = next ? next.value : "";
    form.innerHTML = again.innerHTML;
    next = form.querySelector("input[name=next]");
    if (next) next.value = back;
    var error = form.querySelector("[role=alert], .error");
    var field = error && error.closest("p") && error.closest("p").querySelector("input, select");
    (field || form.querySelector("input, select")).focus();
    return true;
  }

  // The server's message in the attachments section's live region (rendered empty with the
  // section, then filled: a screen reader announces the change), which takes the focus (the
  // button or form that was used is gone with the old section) and is scrolled into view;
  // without such a region, one of its own at the top of the page.
  function say(text, className) {
    var main = document.getElementById("main");
    if (!text || !main) return;
    var region = document.querySelector("[data-attachments-status]");
    if (!region) {
      region = main.querySelector("[data-upload-status]");
      if (!region) {
        region = document.createElement("div");
        region.setAttribute("role", "status");
        region.setAttribute("data-upload-status", "");
        main.insertBefore(region, main.firstChild);
      }
    }
    region.textContent = "";
    if (region.hasAttribute("data-attachments-status")) {
      region.focus({ preventScroll: true });
      region.scrollIntoView({ block: "nearest" });
    }
    window.setTimeout(function () {
      var line = document.createElement("p");
      line.className = className || "msg msg-success";
      line.textContent = text;
      region.appendChild(line);
    }, 50);
  }

  languageSwitcher();
  errorSummary();
  openOnWideScreens();
  historyBack();
  attachmentsInPlace();
})();
