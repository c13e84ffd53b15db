// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Behaviours declared in markup, so templates need no inline handlers (the CSP forbids them).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("click", function (event) {
    var el = event.target;
    if (el && el.closest && el.closest("[data-print]")) window.print();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("main-nav");
    if (!toggle || !nav) return;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.setAttribute("data-open", String(!open));
    });
  });
})();
