// Escalade on every page: marks that JavaScript runs (app.css folds the phone menu and the queue's
// extra filters only then), and wires the buttons that show and hide a part of the page
// (data-toggle="id": aria-expanded on the button, class "open" on the part). The CSP forbids inline
// scripts, hence this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-toggle]");
    if (!button) { return; }
    var part = document.getElementById(button.getAttribute("data-toggle"));
    if (!part) { return; }
    var open = !part.classList.contains("open");
    part.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
