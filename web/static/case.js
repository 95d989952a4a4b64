// case.js: the case page's small map (案件详情): the grid's boundary on a
// plain background and the case's location, from the map element's
// data-* attributes. No tiles: an office intranet has no internet.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("case-map");
  if (!el || !window.L) {
    return;
  }
  var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.lng);
  if (!isFinite(lat) || !isFinite(lng)) {
    return;
  }
  var map = L.map(el, { attributionControl: false, scrollWheelZoom: false });
  var bounds = L.latLngBounds([[lat, lng]]);
  var rings = [];
  try {
    rings = JSON.parse(el.dataset.boundary || "[]");
  } catch (e) {
    rings = [];
  }
  rings.forEach(function (ring) {
    if (ring.length > 2) {
      var p = L.polygon(ring, { color: "#1d4f91", weight: 2, fillColor: "#1d4f91", fillOpacity: 0.06 }).addTo(map);
      bounds.extend(p.getBounds());
    }
  });
  L.circleMarker([lat, lng], { radius: 8, color: "#fff", weight: 2, fillColor: "#b42318", fillOpacity: 1 }).addTo(map);
  map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 });
  el.classList.add("ready");
});
