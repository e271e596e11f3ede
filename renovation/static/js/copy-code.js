// The opinion's answer page: a button that copies the tracking code.
//
// Progressive enhancement: the button is hidden in the page and shown here only where the
// browser offers the clipboard (a secure context); the page's words for "copied" and "could
// not copy" come from its data attributes, in the page's language.
(function () {
  "use strict";
  var button = document.getElementById("copy-code");
  var status = document.getElementById("copy-status");
  if (!button || !navigator.clipboard || !window.isSecureContext) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.getAttribute("data-code")).then(
      function () {
        status.textContent = button.getAttribute("data-copied");
      },
      function () {
        status.textContent = button.getAttribute("data-failed");
      }
    );
  });
})();
