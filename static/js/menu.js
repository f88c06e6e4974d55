// The site's menus (templates/_partials/_nav.html). Without this script every group is a
// plain list; with it each heading becomes a button that opens its list (a dropdown on a
// wide screen) and, on a phone, one "Menu" button opens the panel of the four groups.
(function () {
  "use strict";

  function enhance() {
    var nav = document.getElementById("site-nav");
    if (!nav || nav.classList.contains("is-enhanced")) { return; }
    nav.querySelectorAll(".menu-toggle, .menu-button").forEach(function (button) {
      button.hidden = false;
    });
    nav.classList.add("is-enhanced");
  }

  function controlled(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var target = controlled(button);
    if (target) { target.classList.toggle("is-open", open); }
  }

  function openButtons(selector) {
    return Array.prototype.slice.call(
      document.querySelectorAll(selector + '[aria-expanded="true"]'));
  }

  function closeAll(selector) {
    openButtons(selector).forEach(function (button) { setOpen(button, false); });
  }

  function toggle(button, selector) {
    var opening = button.getAttribute("aria-expanded") !== "true";
    closeAll(selector);
    setOpen(button, opening);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".menu-button, .menu-toggle");
    if (button) {
      toggle(button, button.classList.contains("menu-toggle") ? ".menu-toggle" : ".menu-button");
      return;
    }
    if (!event.target.closest("#site-nav")) {
      closeAll(".menu-button");
      closeAll(".menu-toggle");
    }
  });

  // Escape closes the innermost open menu and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = openButtons(".menu-button").concat(openButtons(".menu-toggle"))
      .filter(function (button) { return button.offsetParent !== null; });
    if (!open.length) { return; }
    setOpen(open[0], false);
    open[0].focus();
  });

  // A dropdown closes when the keyboard leaves it, so none hides the page behind it.
  document.addEventListener("focusout", function (event) {
    var nav = document.getElementById("site-nav");
    var group = event.target.closest && event.target.closest(".menu-group");
    if (!nav || !group || !nav.classList.contains("is-enhanced")) { return; }
    if (event.relatedTarget && group.contains(event.relatedTarget)) { return; }
    var button = group.querySelector(".menu-button");
    if (button && button.offsetParent !== null) { setOpen(button, false); }
  });

  document.addEventListener("DOMContentLoaded", enhance);
  // The nav is redrawn out of band after signing in from a campaign page.
  document.addEventListener("htmx:afterSettle", enhance);
}());
