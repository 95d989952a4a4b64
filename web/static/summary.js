// summary.js: the summary page's charts (ECharts, drawn from the JSON in
// each chart's data-chart) and the prose's 复制 button. Tooltips are
// richText: HTML tooltips set style attributes, which the page's
// Content-Security-Policy refuses.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var charts = [];
  var narrow = window.matchMedia("(max-width: 760px)").matches;
  document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
    if (!window.echarts) { return; }
    var d = JSON.parse(el.dataset.chart);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(d, narrow));
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });

  var button = document.getElementById("copy-prose");
  if (button) {
    button.addEventListener("click", function () { copy(document.getElementById(button.dataset.target)); });
  }
});

// option is a chart of cases reported and closed per label (bars) with
// the closure rate (line, right axis).
function option(d, narrow) {
  var font = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif';
  var many = d.labels.length > 6;
  var rotate = (narrow || many) ? 40 : 0;
  // A rotated first label reaches left of the chart, which containLabel
  // does not count: room for it (a grid named with its street is long).
  var left = rotate && d.labels.length ? Math.max(8, Math.round(d.labels[0].length * 12 * 0.77) - 24) : 8;
  return {
    textStyle: { fontFamily: font },
    color: ["#5b8bd0", "#3aa676", "#d9822b"],
    tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v === null || v === undefined ? "-" : v; } },
    legend: { top: 0, textStyle: { fontSize: 12 } },
    grid: { left: left, right: 8, top: 36, bottom: 4, containLabel: true },
    xAxis: {
      type: "category", data: d.labels,
      axisLabel: { interval: 0, rotate: rotate, fontSize: 12 }
    },
    yAxis: [
      { type: "value", name: narrow ? "" : "件", minInterval: 1, nameTextStyle: { fontSize: 12 } },
      { type: "value", name: narrow ? "" : "结案率%", min: 0, max: 100, splitLine: { show: false }, nameTextStyle: { fontSize: 12 } }
    ],
    series: [
      { name: "受理", type: "bar", data: d.reported, barMaxWidth: 28 },
      { name: "办结", type: "bar", data: d.closed, barMaxWidth: 28 },
      { name: "结案率(%)", type: "line", yAxisIndex: 1, data: d.rate, connectNulls: false, symbolSize: 6 }
    ]
  };
}

// copy puts el's text on the clipboard; where the browser will not, it
// selects the text so that Ctrl+C copies it.
function copy(el) {
  var status = document.getElementById("copy-status");
  var text = el.innerText;
  function select() {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    status.textContent = "已选中文字，请按 Ctrl+C 复制";
  }
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(function () {
      status.textContent = "已复制";
    }, select);
  } else {
    select();
  }
}
