// Partager: the visitor's Mastodon server, remembered in this browser only, and the
// copy buttons. Without JavaScript the Mastodon form goes through the site, and the
// link and the code stay selectable in their fields.
(function () {
  "use strict";

  var MASTODON_KEY = "interpelle.mastodon-instance";

  function remembered() {
    try { return window.localStorage.getItem(MASTODON_KEY) || ""; } catch (error) { return ""; }
  }

  function remember(host) {
    try { window.localStorage.setItem(MASTODON_KEY, host); } catch (error) { /* private mode */ }
  }

  // "mastodon.social", "https://mastodon.social/", "@moi@mastodon.social" → the host name.
  function instanceHost(typed) {
    var text = typed.trim().replace(/^https?:\/\//i, "").replace(/\/+$/, "");
    text = text.slice(text.lastIndexOf("@") + 1);
    if (!text || /[\/?#:\\\s]/.test(text)) return null;
    var host;
    try { host = new URL("https://" + text).hostname; } catch (error) { return null; }
    var labels = host.split(".");
    if (labels.length < 2 || /^\d+$/.test(labels[labels.length - 1])) return null;
    var label = /^(?!-)[a-z0-9-]{1,63}$/;
    return labels.every(function (part) { return label.test(part) && !/-$/.test(part); }) ? host : null;
  }

  function setUpMastodon(form) {
    var input = form.querySelector("input[name=instance]");
    if (!input.value) input.value = remembered();
    form.addEventListener("submit", function (event) {
      var host = instanceHost(input.value);
      if (!host) return;  // the site answers in words what is wrong with it
      event.preventDefault();
      remember(host);
      var url = "https://" + host + "/share?text=" + encodeURIComponent(form.dataset.shareText);
      window.open(url, "_blank", "noopener,noreferrer");
    });
  }

  function say(button, text) {
    var status = button.closest(".copy-box").querySelector(".copy-status");
    if (status) status.textContent = text;
  }

  function setUpCopy(button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    button.hidden = false;
    field.addEventListener("focus", function () { field.select(); });
    button.addEventListener("click", function () {
      var copied = function () { say(button, button.dataset.copied); };
      var byHand = function () {
        field.focus();
        field.select();
        say(button, "Sélectionné : copiez-le avec Ctrl+C (ou ⌘+C).");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, byHand);
      } else {
        byHand();
      }
    });
  }

  // The récapitulatif of the letter follows every keystroke on the page: what is typed in
  // the recommendation form is no part of the letter.
  function keepToItself(form) {
    if (form.dataset.keptToItself) return;
    form.dataset.keptToItself = "1";
    ["input", "change"].forEach(function (type) {
      form.addEventListener(type, function (event) { event.stopPropagation(); });
    });
  }

  function recommendForms(root) {
    if (!root.querySelectorAll) return [];
    var found = Array.prototype.slice.call(root.querySelectorAll("form.recommend-form"));
    if (root.matches && root.matches("form.recommend-form")) found.push(root);
    return found;
  }

  document.querySelectorAll("form.mastodon-share").forEach(setUpMastodon);
  document.querySelectorAll("button[data-copy]").forEach(setUpCopy);
  recommendForms(document).forEach(keepToItself);
  document.addEventListener("htmx:load", function (event) {
    recommendForms(event.detail.elt).forEach(keepToItself);
  });
})();
