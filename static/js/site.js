// Keep what the person typed when a request fails for a reason that is not the fields.
// (A 403 or a 409, which say the action itself is refused, are swapped as htmx does.)
//
// htmx swaps a form's answer in place of the form. When the answer is about the request
// itself (an expired form, too many attempts, a server error, no network), swapping would
// throw away the letter someone spent ten minutes on. The form stays as it is instead, and
// the message appears just above it and takes the focus. An expired form also gets its
// fresh token, so sending it again works.
(function () {
  "use strict";

  var KEEP_THE_FORM = [400, 429];

  function submittedForm(detail) {
    var element = detail.requestConfig ? detail.requestConfig.elt : detail.elt;
    return element && element.tagName === "FORM" ? element : null;
  }

  function showNotice(form, html) {
    var notice = form.previousElementSibling;
    if (!notice || !notice.classList.contains("request-notice")) {
      notice = document.createElement("div");
      notice.className = "request-notice";
      notice.tabIndex = -1;
      form.parentNode.insertBefore(notice, form);
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
    if (KEEP_THE_FORM.indexOf(detail.xhr.status) === -1) return;
    // Nothing is swapped: neither a submitted form nor what a background
    // request (the récapitulatif, the élus) would have refreshed.
    detail.shouldSwap = false;
    renewTokens(detail.xhr.getResponseHeader("X-CSRF-Token"));
    var form = submittedForm(detail);
    if (form) showNotice(form, detail.serverResponse);
  });

  function serverUnreachable(event) {
    var form = submittedForm(event.detail);
    var message = document.getElementById("request-failed");
    if (form && message) showNotice(form, message.innerHTML);
  }

  document.addEventListener("htmx:responseError", serverUnreachable);
  document.addEventListener("htmx:sendError", serverUnreachable);
})();
