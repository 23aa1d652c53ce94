/* The session timer. Before the idle limit ends the session it opens a dialog with a countdown
   ("Stay signed in" asks the server to count it as activity, "Sign out" signs out, Escape is
   "stay"); when the time is up it sends the page to the sign-in page, which says why and
   brings the person back here afterwards.

   Values come from data-session-* attributes on <body> (accounts/templatetags/session_tags.py).
   The server is the judge: before warning and before leaving, the page asks it how much time is
   left (asking does not count as activity), so work in another tab or window keeps this one
   signed in too. Tabs of one browser also tell each other at once through localStorage. */
(function () {
  "use strict";

  var data = document.body.dataset;
  var dialog = document.getElementById("session-timeout");
  if (!data.sessionStatusUrl || !dialog || typeof dialog.showModal !== "function") return;

  var STORAGE_KEY = "caseflow.session-ends";
  var RETRY_MS = 15000;
  var LONGEST_WAIT_MS = 6 * 3600 * 1000; // setTimeout overflows past 24.8 days: look again sooner
  var warningMs = Number(data.sessionWarning) * 1000;
  var countdown = dialog.querySelector(".session-countdown");
  var idleText = document.getElementById("session-timeout-idle");
  var ageText = document.getElementById("session-timeout-age");
  var stayButton = dialog.querySelector("[data-session-stay]");
  var dismissButton = dialog.querySelector("[data-session-dismiss]");
  var idleEnd = 0;
  var ageEnd = 0;
  var timer = null;
  var ticker = null;
  var ageWarningDismissed = false;
  var leaving = false;

  function end() {
    return Math.min(idleEnd, ageEnd);
  }

  function endsByAge() {
    return ageEnd <= idleEnd;
  }

  function publish() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ idleEnd: idleEnd, ageEnd: ageEnd }));
    } catch (error) {
      /* storage refused (private mode): the server's answers still keep tabs in step */
    }
  }

  function adopt(times) {
    var now = Date.now();
    idleEnd = now + times.idle_left * 1000;
    ageEnd = now + times.age_left * 1000;
    publish();
    plan();
  }

  function leave() {
    if (leaving) return;
    leaving = true;
    var here = window.location.pathname + window.location.search;
    window.location.assign(data.sessionLoginUrl + "?next=" + encodeURIComponent(here));
  }

  function answer(response) {
    if (!response.ok) throw new Error("session check answered " + response.status);
    return response.json().then(function (times) {
      if (!times.signed_in) return leave();
      adopt(times);
    });
  }

  function after(milliseconds, then) {
    clearTimeout(timer);
    timer = setTimeout(then, Math.max(0, Math.min(milliseconds, LONGEST_WAIT_MS)));
  }

  function retryLater() {
    after(RETRY_MS, ask);
  }

  // How long is left, by the server's clock; not activity.
  function ask() {
    fetch(data.sessionStatusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    })
      .then(answer)
      .catch(retryLater);
  }

  // "Stay signed in": activity, recorded by the server now.
  function stay() {
    fetch(data.sessionKeepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": data.csrfToken },
      cache: "no-store",
    })
      .then(answer)
      .catch(retryLater);
  }

  function showTimeLeft() {
    var seconds = Math.max(0, Math.ceil((end() - Date.now()) / 1000));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    countdown.textContent = minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function open() {
    var byAge = endsByAge();
    idleText.hidden = byAge;
    ageText.hidden = !byAge;
    stayButton.hidden = byAge;
    dismissButton.hidden = !byAge;
    dialog.setAttribute("aria-describedby", byAge ? ageText.id : idleText.id);
    showTimeLeft();
    if (!ticker) ticker = setInterval(showTimeLeft, 1000);
    if (!dialog.open) {
      dialog.showModal();
      (byAge ? dismissButton : stayButton).focus();
    }
  }

  function close() {
    clearInterval(ticker);
    ticker = null;
    if (dialog.open) dialog.close();
  }

  // What to do next, and when: warn, or ask the server before warning or leaving.
  function plan() {
    var now = Date.now();
    var warnAt = end() - warningMs;
    if (now >= end()) {
      after(0, ask);
    } else if (warningMs > 0 && now >= warnAt - 1000) {
      if (!(endsByAge() && ageWarningDismissed)) open();
      after(end() - now + 500, ask);
    } else {
      close();
      after(warnAt - now, ask);
    }
  }

  stayButton.addEventListener("click", stay);
  dismissButton.addEventListener("click", function () {
    ageWarningDismissed = true;
    close();
  });
  dialog.addEventListener("cancel", function (event) {
    // Escape: the same as "Stay signed in" (or "Continue working" before the age limit).
    event.preventDefault();
    (endsByAge() ? dismissButton : stayButton).click();
  });

  window.addEventListener("storage", function (event) {
    if (event.key !== STORAGE_KEY || !event.newValue) return;
    var theirs;
    try {
      theirs = JSON.parse(event.newValue);
    } catch (error) {
      return;
    }
    if (dialog.open) {
      ask(); // another tab did something: the server knows whether it counts
    } else if (theirs.idleEnd > idleEnd) {
      idleEnd = theirs.idleEnd;
      ageEnd = theirs.ageEnd;
      plan();
    }
  });
  // Timers of a hidden tab are slowed down: look again when it is shown.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) plan();
  });

  adopt({
    idle_left: Number(data.sessionIdleLeft),
    age_left: Number(data.sessionAgeLeft),
  });
})();
