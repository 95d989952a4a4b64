// desk.js: the little the desk's pages do in the browser. Served as a
// file (the Content-Security-Policy allows no inline script); the pages
// work without it.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // The case filter: leave the empty fields out of the URL, so a link
  // to the list says only what was chosen.
  var filter = document.getElementById("case-filter");
  // On a phone the filter folds away unless one is chosen, so the cases
  // come first on the screen.
  var box = document.getElementById("filter-box");
  if (box && window.matchMedia("(max-width: 760px)").matches && location.search === "") {
    box.open = false;
  }
  if (filter) {
    filter.addEventListener("submit", function () {
      var fields = filter.querySelectorAll("input, select");
      for (var i = 0; i < fields.length; i++) {
        var f = fields[i];
        if (f.name && f.value === "" && f.type !== "checkbox") {
          f.disabled = true;
        }
      }
    });
    // Coming back to the page (the browser's back button) shows the
    // form as it was, fields enabled.
    window.addEventListener("pageshow", function () {
      filter.querySelectorAll("[disabled]").forEach(function (f) { f.disabled = false; });
    });
    // A choice from a list applies at once.
    filter.querySelectorAll("select").forEach(function (s) {
      s.addEventListener("change", function () {
        if (filter.requestSubmit) { filter.requestSubmit(); } else { filter.submit(); }
      });
    });
  }
});
