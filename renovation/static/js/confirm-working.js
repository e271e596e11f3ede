// A confirmation whose answer takes a while (the household code slips, a PDF made on the
// spot): once the form is sent, show the page's "making it…" line and disable the button, so
// a second press does not issue the codes again. The words come from the page (its language).
(function () {
  "use strict";
  var notice = document.getElementById("confirm-working");
  var form = notice && notice.closest("form");
  if (!form) {
    return;
  }
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    notice.hidden = false;
    if (button) {
      button.disabled = true; // the form is sent all the same; a second press is not
    }
  });
})();
