// map.js: 一张图. Draws the grids' boundaries, the open cases of the
// filter as clustered markers coloured by category (overdue ones ringed in
// red) and a day's patrols as tracks, from the desk's JSONs named in the
// #map element's data- attributes; fetches the cases again every
// data-refresh seconds and on a change of the filter, without a reload.
// Everything a person reads is made with textContent (a description is
// never markup).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("map");
  if (!el || !window.L) {
    return;
  }
  var form = document.getElementById("map-filter");
  var dateInput = document.getElementById("patrol-date");
  var statusLine = document.getElementById("map-status");
  var errorBox = document.getElementById("map-error");
  var patrolSummary = document.getElementById("patrol-summary");
  var casesURL = el.dataset.cases;
  var refresh = Math.max(1, parseInt(el.dataset.refresh, 10) || 30);

  // maxZoom: without a tile layer the map has none, and the cluster
  // group needs one.
  // zoomSnap: a quarter step, so the street fills a phone's map too.
  var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles, maxZoom: 18, zoomSnap: 0.25 });
  map.setView([35, 105], 4); // China, until the grids say where the street is
  if (el.dataset.tiles) {
    // Web Mercator tiles whose datum matches the stored WGS-84 points
    // (天地图: CGCS2000); see the README on GCJ-02 tiles.
    L.tileLayer(el.dataset.tiles, {
      subdomains: el.dataset.tileSubdomains || "abc",
      maxZoom: 18,
      attribution: "底图 " + new URL(el.dataset.tiles.replace("{s}", "0")).hostname
    }).addTo(map);
    el.classList.add("tiled");
  }

  // The grids' names lie under the markers (overlays 400, markers 600).
  map.createPane("gridLabels").classList.add("grid-labels");
  var gridLayer = L.featureGroup().addTo(map);
  var trackLayer = L.featureGroup().addTo(map);
  // A cluster holding an overdue case is ringed in red as the case is, so
  // the overdue show when zoomed out too.
  var cluster = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 45, spiderfyOnMaxZoom: true,
    iconCreateFunction: function (group) {
      var n = group.getChildCount();
      var late = group.getAllChildMarkers().some(function (m) { return m.options.overdue; });
      var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
      return L.divIcon({
        html: "<div><span>" + n + "</span></div>",
        className: "marker-cluster marker-cluster-" + size + (late ? " has-overdue" : ""),
        iconSize: L.point(40, 40)
      });
    }
  });
  cluster.addTo(map);
  var markers = {}; // case id → {key, marker}
  var fitted = false;

  function showError(msg, login) {
    errorBox.textContent = "";
    if (!msg) {
      errorBox.hidden = true;
      return;
    }
    var p = document.createElement("p");
    p.textContent = msg;
    if (login) {
      var a = document.createElement("a");
      a.href = login;
      a.textContent = "重新登录";
      p.appendChild(document.createTextNode(" "));
      p.appendChild(a);
    }
    errorBox.appendChild(p);
    errorBox.hidden = false;
  }

  // getJSON fetches a desk JSON; an error answer carries a Chinese message.
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (res) {
      return res.json().catch(function () { return { error: "服务器返回了无法识别的内容" }; }).then(function (body) {
        if (!res.ok || body.error) {
          var e = new Error(body.error || ("HTTP " + res.status));
          e.login = body.login;
          e.fields = body.fields;
          throw e;
        }
        return body;
      });
    });
  }

  function fail(err) {
    var msg = err.message;
    if (err.fields && err.fields.length) {
      msg += "：" + err.fields.join("；");
    }
    showError(msg, err.login);
    statusLine.textContent = "加载失败";
  }

  function text(tag, cls, s) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    n.textContent = s;
    return n;
  }

  // card is a case's card, shown when its marker is clicked.
  function card(c) {
    var div = document.createElement("div");
    div.className = "case-card";
    if (c.thumbnail) {
      var img = document.createElement("img");
      img.src = c.thumbnail;
      img.alt = "现场照片";
      img.loading = "lazy";
      img.addEventListener("error", function () { img.remove(); });
      div.appendChild(img);
    }
    var head = document.createElement("p");
    head.className = "card-head";
    head.appendChild(text("span", "chip " + c["class"], c.category));
    head.appendChild(text("span", "card-status", c.status));
    div.appendChild(head);
    var dl = text("p", "card-deadline", "期限 " + c.deadline);
    if (c.overdue) {
      dl.appendChild(text("span", "badge late", "逾期" + c.overdueDays + "天"));
    }
    div.appendChild(dl);
    div.appendChild(text("p", "card-grid", "网格 " + c.grid));
    div.appendChild(text("p", "card-desc", c.description));
    var a = text("a", "card-link", "查看案件详情");
    a.href = c.href;
    div.appendChild(a);
    return div;
  }

  function newMarker(c) {
    var m = L.marker([c.lat, c.lng], {
      icon: L.divIcon({
        className: "case-marker " + c["class"] + (c.overdue ? " overdue" : ""),
        iconSize: [18, 18],
        html: c.overdue ? "<span class=\"late-dot\">!</span>" : ""
      }),
      title: c.category + "：" + c.description,
      alt: c.category,
      keyboard: true,
      overdue: c.overdue
    });
    m.bindPopup(function () { return card(c); }, { maxWidth: 260, minWidth: 200 });
    m.on("add", function () {
      var e = m.getElement();
      if (e) { e.dataset.id = c.id; }
    });
    return m;
  }

  // drawCases puts the answer's cases on the map: a case already there and
  // unchanged keeps its marker (and an open card stays open).
  function drawCases(body) {
    var seen = {};
    var add = [];
    var overdue = 0;
    body.cases.forEach(function (c) {
      var key = JSON.stringify(c);
      seen[c.id] = true;
      if (c.overdue) { overdue++; }
      var old = markers[c.id];
      if (old && old.key === key) {
        return;
      }
      if (old) { cluster.removeLayer(old.marker); }
      var m = newMarker(c);
      markers[c.id] = { key: key, marker: m };
      add.push(m);
    });
    Object.keys(markers).forEach(function (id) {
      if (!seen[id]) {
        cluster.removeLayer(markers[id].marker);
        delete markers[id];
      }
    });
    cluster.addLayers(add);
    var n = cluster.getLayers().length;
    el.dataset.count = String(n);
    el.dataset.overdue = String(overdue);
    el.dataset.loads = String((parseInt(el.dataset.loads, 10) || 0) + 1);
    var now = new Date().toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
    var s = "在办案件 " + n + " 件，其中逾期 " + overdue + " 件";
    if (body.unplaced) { s += "（另有 " + body.unplaced + " 件无位置）"; }
    if (body.cut) { s += "（案件过多，仅显示一部分，请缩小筛选范围）"; }
    statusLine.textContent = s + " · " + now + " 更新"; // China time, as every time of the desk
    if (!fitted && n > 0 && gridLayer.getLayers().length === 0) {
      map.fitBounds(cluster.getBounds(), { padding: [20, 20] });
      fitted = true;
    }
  }

  var loading = null;
  function loadCases() {
    if (loading) { return loading; }
    loading = getJSON(casesURL).then(function (body) {
      showError("");
      drawCases(body);
    }).catch(fail).then(function () { loading = null; });
    return loading;
  }

  function loadGrids() {
    return getJSON(el.dataset.grids).then(function (grids) {
      grids.forEach(function (g) {
        if (!g.rings.length) { return; }
        var poly = L.polygon(g.rings, { className: "grid-boundary", weight: 2, fillOpacity: 0.06 });
        poly.bindTooltip(g.name, { permanent: true, direction: "center", className: "grid-label", pane: "gridLabels" });
        gridLayer.addLayer(poly);
      });
      if (gridLayer.getLayers().length > 0) {
        map.fitBounds(gridLayer.getBounds(), { padding: [10, 10] });
        fitted = true;
      }
    }).catch(fail);
  }

  function selectedGrids() {
    return Array.prototype.map.call(form.querySelectorAll("select[name=grid] option:checked"), function (o) { return o.value; })
      .filter(function (v) { return v !== ""; });
  }

  function loadPatrols() {
    var q = new URLSearchParams();
    if (dateInput.value) { q.set("date", dateInput.value); }
    selectedGrids().forEach(function (g) { q.append("grid", g); });
    return getJSON(el.dataset.patrols + "?" + q.toString()).then(function (body) {
      trackLayer.clearLayers();
      if (body.date && !dateInput.value) { dateInput.value = body.date; }
      body.patrols.forEach(function (p) {
        if (p.points.length < 2) { return; }
        var line = L.polyline(p.points, { className: "track", weight: 3 });
        line.bindTooltip(p.worker + " · " + p.kind + " " + p.time, { permanent: true, direction: "right", className: "track-label" });
        trackLayer.addLayer(line);
      });
      patrolSummary.textContent = body.date ? body.date + " 巡查 " + body.patrols.length + " 次" : "尚无巡查记录";
      el.dataset.tracks = String(trackLayer.getLayers().length);
    }).catch(fail);
  }

  // The filter applies without a reload: the address bar keeps it, so a
  // copied link shows the same map.
  function filterQuery() {
    var q = new URLSearchParams();
    new FormData(form).forEach(function (v, k) {
      if (v !== "" && k !== "date") { q.append(k, v); }
    });
    return q;
  }
  function applyFilter() {
    var q = filterQuery();
    casesURL = el.dataset.cases.split("?")[0] + "?" + q.toString();
    el.dataset.casesNow = casesURL;
    var page = new URLSearchParams(q);
    if (dateInput.value) { page.set("date", dateInput.value); }
    var keep = new URLSearchParams(location.search).get("refresh");
    if (keep) { page.set("refresh", keep); }
    history.replaceState(null, "", "/map" + (page.toString() ? "?" + page.toString() : ""));
    if (loading) {
      loading.then(loadCases);
    } else {
      loadCases();
    }
    loadPatrols();
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    applyFilter();
  });
  form.querySelectorAll("select, input[type=checkbox], input[name=from], input[name=to]").forEach(function (f) {
    f.addEventListener("change", applyFilter);
  });
  dateInput.addEventListener("change", function () {
    applyFilter();
  });

  // For the page's own tests and a curious person's console: the map and
  // its cluster group.
  window.deskMap = {
    map: map,
    cluster: cluster,
    reveal: function (id, done) {
      var m = markers[id];
      if (!m) { return false; }
      cluster.zoomToShowLayer(m.marker, done || function () {});
      return true;
    }
  };

  loadGrids().then(loadCases);
  loadPatrols();
  setInterval(loadCases, refresh * 1000);
});
