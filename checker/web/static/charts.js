// Charts drawn from the tables beside them (Apache ECharts, vendored): the table stays the source of the numbers,
// for screen readers and printing; the chart is an extra. Markup:
//   <div class="chart" data-chart-for="TABLE_ID" data-chart="bar|hbar|stack|line" aria-hidden="true"></div>
//   <table id="TABLE_ID"> the first cell of each body row names the category; each column whose header cell has
//   data-series is one series, its cells carry data-value (a number; the text may be formatted).
(function () {
  "use strict";

  // Dark, light and middle tones plus ECharts' decal patterns: the series stay apart in greyscale print.
  var PALETTE = ["#1b3a5c", "#e0a100", "#6b8e23", "#a94442", "#8c8c8c", "#5bc0de"];

  function text(cell) { return (cell.getAttribute("data-label") || cell.textContent || "").trim(); }

  function number(cell) {
    var raw = cell.getAttribute("data-value");
    var value = parseFloat(raw === null ? (cell.textContent || "").replace(/[,，\s]/g, "") : raw);
    return isNaN(value) ? 0 : value;
  }

  // The table's categories and series: {labels: [...], series: [{name, values: [...]}]}.
  function tableData(table) {
    var head = table.tHead.rows[table.tHead.rows.length - 1].cells;
    var series = [];
    for (var c = 0; c < head.length; c++) {
      if (head[c].hasAttribute("data-series")) { series.push({name: text(head[c]), column: c, values: []}); }
    }
    var labels = [];
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      if (row.hidden || row.cells.length <= 1) { return; }
      labels.push(text(row.cells[0]));
      series.forEach(function (s) { s.values.push(number(row.cells[s.column])); });
    });
    return {labels: labels, series: series};
  }

  function option(kind, data) {
    var horizontal = kind === "hbar" || kind === "stack";
    var category = {type: "category", data: data.labels, axisLabel: {width: 140, overflow: "truncate", interval: 0}};
    var value = {type: "value", minInterval: kind === "stack" || kind === "line" ? 1 : 0};
    if (horizontal) { category.inverse = true; }
    return {
      animation: false,
      color: PALETTE,
      aria: {enabled: true, label: {enabled: false}, decal: {show: true}},  // the table beside it is what readers hear
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {top: 0, type: "scroll"},
      grid: {left: 8, right: 24, top: 36, bottom: 8, containLabel: true},
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: data.series.map(function (s) {
        return {name: s.name, type: kind === "line" ? "line" : "bar", data: s.values,
                stack: kind === "stack" ? "total" : undefined, symbolSize: 8};
      })
    };
  }

  function draw(box) {
    var table = document.getElementById(box.getAttribute("data-chart-for"));
    if (!table || !window.echarts) { return; }
    var kind = box.getAttribute("data-chart") || "bar";
    var data = tableData(table);
    if (!data.labels.length || !data.series.length) { box.hidden = true; return; }
    if (kind === "stack" || kind === "hbar") { box.style.height = Math.max(180, 60 + 26 * data.labels.length) + "px"; }
    var chart = window.echarts.init(box, null, {renderer: "canvas"});
    chart.setOption(option(kind, data));
    box.setAttribute("data-chart-drawn", String(data.labels.length));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() { document.querySelectorAll(".chart[data-chart-for]").forEach(draw); }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
