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
