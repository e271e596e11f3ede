// The vote page: fills the household code field from the printed slip's link.
//
// A slip's QR link carries the code in the URL fragment (/projects/<id>/vote#code=…), which a
// browser never sends to the server, so no log or proxy sees it. This script puts the code
// into the form and clears the fragment. An older slip's link (?code=…) reaches the server,
// which puts the code into the form; the address is then replaced by the same page without
// the code. Without JavaScript the resident types the code from the letter (the page says so).
//
// A code from the fragment is then checked at once (the form is sent with intent=check, which
// stores nothing): the page comes back naming the flat and, if the household has voted, when,
// with its earlier choices filled in.
(function () {
  "use strict";
  var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var code = fragment.get("code");
  var field = document.getElementById("code");
  if (code) {
    var check = document.getElementById("check-code");
    if (field && !field.value) {
      field.value = code;
      if (check && field.form && field.form.requestSubmit) {
        field.form.requestSubmit(check);
      }
    }
    // Several votes open: the chooser's links carry the code on, in their fragment too.
    var links = document.querySelectorAll("a[data-carry-code]");
    for (var i = 0; i < links.length; i++) {
      links[i].hash = "code=" + encodeURIComponent(code);
    }
  }
  var query = new URLSearchParams(window.location.search);
  var hadCode = query.has("code");
  query.delete("code");
  if (code || hadCode) {
    var rest = query.toString();
    window.history.replaceState(
      null,
      "",
      window.location.pathname + (rest ? "?" + rest : "")
    );
  }
})();
