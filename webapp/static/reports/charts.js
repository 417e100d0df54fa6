// Charts of the reports page (Chart.js, vendored). Data comes from the JSON block #report-data; the same
// numbers are in the tables beside each chart, so the page works without JavaScript.
(function () {
  "use strict";
  var node = document.getElementById("report-data");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var L = data.labels || {};
  var common = { responsive: true, maintainAspectRatio: false, animation: false };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    config.options = Object.assign({}, common, config.options || {});
    canvas.chart = new Chart(canvas, config);
    canvas.setAttribute("data-drawn", "1");
  }

  draw("chart-months", {
    type: "bar",
    data: {
      labels: data.months.map(function (m) { return m.from.slice(0, 7); }),
      datasets: [
        { label: L.registered, data: data.months.map(function (m) { return m.registered; }), backgroundColor: "#93c5fd" },
        { label: L.valid, data: data.months.map(function (m) { return m.valid; }), backgroundColor: "#60a5fa" },
        { label: L.closed, data: data.months.map(function (m) { return m.closed; }), backgroundColor: "#16a34a" }
      ]
    }
  });

  var clocks = data.deadlines.filter(function (d) { return d.started > 0; });
  draw("chart-deadlines", {
    type: "bar",
    data: {
      labels: clocks.map(function (d) { return d.name; }),
      datasets: [
        { label: L.met, data: clocks.map(function (d) { return d.met; }), backgroundColor: "#16a34a" },
        { label: L.missed, data: clocks.map(function (d) { return d.missed; }), backgroundColor: "#dc2626" }
      ]
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
  });

  var dist = data.satisfaction.distribution || {};
  draw("chart-satisfaction", {
    type: "bar",
    data: {
      labels: ["1", "2", "3", "4", "5"],
      datasets: [{ label: L.surveys, data: ["1", "2", "3", "4", "5"].map(function (s) { return dist[s] || 0; }),
                   backgroundColor: ["#dc2626", "#f97316", "#eab308", "#84cc16", "#16a34a"] }]
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
  });
})();
