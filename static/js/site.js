// Keep what the person typed when a request fails for a reason that is not the fields.
//
// htmx swaps a form's answer in place of the form. When the answer is about the request
// itself (an expired form, too many attempts, a server error, no network), swapping would
// throw away the letter someone spent ten minutes on. The form stays as it is instead, and
// the message appears just above it and takes the focus. An expired form also gets its
// fresh token, so sending it again works; a 503 says the site is paused or read-only for a
// while, and the form waits for it. (A 403 or a 409, which say the action itself is
// refused, and a 422, which is the form with its errors, are swapped as htmx does.)
(function () {
  "use strict";

  var KEEP_IN_PLACE = [400, 429, 503];
  var USER_ACTIONS = ["FORM", "A", "BUTTON"];

  function triggeringElement(detail) {
    return detail.requestConfig ? detail.requestConfig.elt : detail.elt;
  }

  // What the person did (sent a form, clicked), as opposed to a background refresh.
  function userAction(detail) {
    var element = triggeringElement(detail);
    return element && USER_ACTIONS.indexOf(element.tagName) !== -1 ? element : null;
  }

  function noticeBefore(element) {
    var previous = element && element.previousElementSibling;
    return previous && previous.classList.contains("request-notice") ? previous : null;
  }

  function showNotice(element, html) {
    var notice = noticeBefore(element);
    if (!notice) {
      notice = document.createElement("div");
      notice.className = "request-notice";
      notice.tabIndex = -1;
      element.parentNode.insertBefore(notice, element);
    }
    notice.innerHTML = html;
    notice.focus();
  }

  function renewTokens(token) {
    if (!token) return;
    document.querySelectorAll('input[name$="csrf_token"]').forEach(function (input) {
      input.value = token;
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var element = userAction(detail);
    if (KEEP_IN_PLACE.indexOf(detail.xhr.status) === -1) {
      // An answer that replaces the element also retires the notice about it.
      var stale = noticeBefore(element);
      if (stale && detail.shouldSwap) stale.remove();
      return;
    }
    // Nothing is swapped: neither what the person sent nor what a background
    // request (the récapitulatif, the élus) would have refreshed.
    detail.shouldSwap = false;
    renewTokens(detail.xhr.getResponseHeader("X-CSRF-Token"));
    if (element) showNotice(element, detail.serverResponse);
  });

  function requestFailed(event) {
    var element = userAction(event.detail);
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    // No answer, or the server's own failure: trying again later can work.
    var kind = status === 0 || status >= 500 ? "request-unanswered" : "request-refused";
    var message = document.getElementById(kind);
    if (element && message) showNotice(element, message.innerHTML);
  }

  document.addEventListener("htmx:responseError", requestFailed);
  document.addEventListener("htmx:sendError", requestFailed);
})();

// Feedback while a request runs: the person sees that their click was taken, and cannot
// send the same form twice.
//
// From the moment htmx sends what the person did (a form, a link, a button) until its
// answer, or its failure, arrives: the form is marked aria-busy, its submit buttons are
// disabled (a second click, or Enter, sends nothing), and the pressed button carries a
// spinner drawn by the CSS after a short delay, so a fast answer does not flicker. Screen
// readers hear the page's polite status line (#request-progress in base.html) say so.
// Without JavaScript none of this runs and the forms post as usual.
(function () {
  "use strict";

  var ANNOUNCE_AFTER_MS = 150;
  var SUBMIT_BUTTONS = 'button:not([type]), button[type="submit"], input[type="submit"]';
  var USER_ACTIONS = ["FORM", "A", "BUTTON"];
  var pending = 0;
  var announceTimer = null;

  // The form, link or button the person used; background refreshes have none.
  function control(detail) {
    var element = detail.requestConfig ? detail.requestConfig.elt : detail.elt;
    if (!element || USER_ACTIONS.indexOf(element.tagName) === -1) return null;
    return element.tagName === "BUTTON" && element.form ? element.form : element;
  }

  function submitButtons(element) {
    if (element.tagName !== "FORM") return element.tagName === "BUTTON" ? [element] : [];
    return Array.prototype.slice.call(element.querySelectorAll(SUBMIT_BUTTONS));
  }

  // The button that shows the spinner: the one pressed, unless Enter pressed the signing
  // form's invisible default button, whose visible twin then shows it.
  function pressedButton(element, detail) {
    var event = detail.requestConfig && detail.requestConfig.triggeringEvent;
    var submitter = event && event.submitter;
    if (submitter && submitter.getAttribute("aria-hidden") !== "true") return submitter;
    var visible = submitButtons(element).filter(function (button) {
      return button.getAttribute("aria-hidden") !== "true";
    });
    return element.querySelector(".button-primary") || visible[0] || element;
  }

  function statusLine() {
    return document.getElementById("request-progress");
  }

  function announce() {
    var line = statusLine();
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () {
      if (line && pending > 0) line.textContent = line.getAttribute("data-busy");
    }, ANNOUNCE_AFTER_MS);
  }

  function stopAnnouncing() {
    var line = statusLine();
    clearTimeout(announceTimer);
    if (line) line.textContent = "";
  }

  function markBusy(element, detail) {
    element.setAttribute("aria-busy", "true");
    pressedButton(element, detail).classList.add("is-busy");
    submitButtons(element).forEach(function (button) {
      if (button.disabled) return;  // disabled by the page itself: it stays so after
      button.disabled = true;
      button.setAttribute("data-busy-disabled", "");
    });
    if (element.tagName === "A") element.setAttribute("aria-disabled", "true");
  }

  function release(element) {
    element.removeAttribute("aria-busy");
    if (element.tagName === "A") element.removeAttribute("aria-disabled");
    element.querySelectorAll(".is-busy").forEach(function (busy) {
      busy.classList.remove("is-busy");
    });
    element.classList.remove("is-busy");
    submitButtons(element).forEach(function (button) {
      if (!button.hasAttribute("data-busy-disabled")) return;
      button.disabled = false;
      button.removeAttribute("data-busy-disabled");
    });
  }

  // Checked before htmx queues anything: what is already on its way is not sent again.
  document.addEventListener("htmx:confirm", function (event) {
    var element = control(event.detail);
    if (element && element.getAttribute("aria-busy") === "true") event.preventDefault();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = control(event.detail);
    if (!element) return;
    markBusy(element, event.detail);
    pending += 1;
    announce();
  });

  // Fired after every answer, failure, abort or timeout (again on an ancestor still in
  // the page when the element itself was swapped away: releasing twice is harmless).
  document.addEventListener("htmx:afterRequest", function (event) {
    var element = control(event.detail);
    if (!element || element.getAttribute("aria-busy") !== "true") return;
    release(element);
    pending = Math.max(0, pending - 1);
    if (pending === 0) stopAnnouncing();
  });
})();
