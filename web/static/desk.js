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

// A live part of a page (data-refresh="seconds", with an id) fetches its
// page again every so often and takes the fresh copy of itself, so a new
// report shows without reloading; the filter form, what is typed in it
// and the scroll stay. Polling pauses while the tab is hidden.
document.addEventListener("DOMContentLoaded", function () {
  var live = document.querySelector("[data-refresh]");
  var every = live ? parseFloat(live.getAttribute("data-refresh")) * 1000 : 0;
  if (!live || !live.id || !(every > 0) || !window.fetch || !window.DOMParser) { return; }
  var timer = null, busy = false, stopped = false;
  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!stopped && document.visibilityState === "visible") { timer = setTimeout(refresh, every); }
  }
  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch(location.href, { headers: { "X-Desk-Refresh": "1" }, credentials: "same-origin", cache: "no-store" })
      .then(function (resp) {
        if (resp.status === 401) { stopped = true; } // logged out: the next click goes to the login
        return resp.ok ? resp.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(live.id);
        if (fresh && fresh.innerHTML !== live.innerHTML) {
          var x = window.scrollX, y = window.scrollY;
          live.innerHTML = fresh.innerHTML;
          window.scrollTo(x, y);
        }
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { busy = false; schedule(); });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); } else { clearTimeout(timer); timer = null; }
  });
  schedule();
});
