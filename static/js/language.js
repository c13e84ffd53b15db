// Submits the language form when the choice changes. A file, not an inline handler, so the
// Content-Security-Policy can forbid inline script (script-src 'self').
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("lang-select");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
});
