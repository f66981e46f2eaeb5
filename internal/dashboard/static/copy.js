// Copy buttons: a <button data-copy="#field"> copies the value (or the
// text) of the element its selector names. The buttons are hidden in the
// HTML and shown here, so a page without JavaScript has no dead control:
// its field is read-only and can be selected and copied by hand.
(function () {
  "use strict";
  function feedback(button, text) {
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = text;
    button.classList.add("copied");
    clearTimeout(button._copyTimer);
    button._copyTimer = setTimeout(function () {
      button.textContent = label;
      button.classList.remove("copied");
    }, 2000);
  }
  function copy(button) {
    var target = document.querySelector(button.dataset.copy);
    if (!target) return;
    var text = "value" in target ? target.value : target.textContent;
    var fallback = function () {
      // No clipboard API (an insecure context, a refused permission):
      // select the field so that the keyboard's copy takes it.
      if (target.select) target.select();
      feedback(button, "Press Ctrl+C to copy");
    };
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      fallback();
      return;
    }
    navigator.clipboard.writeText(text).then(function () { feedback(button, "Copied"); }, fallback);
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    // The button's text changes to say it worked; a live region tells a
    // screen reader too.
    button.setAttribute("aria-live", "polite");
    button.addEventListener("click", function () { copy(button); });
  });
})();
