// The home page's "systems by status" chart: data from the canvas's data-* attributes (CSP: no inline script).
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("validation-status-chart");
    if (!canvas || typeof window.Chart === "undefined") { return; }
    var labels = (canvas.getAttribute("data-labels") || "").split("|");
    var values = (canvas.getAttribute("data-values") || "").split(",").map(Number);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [{
          label: "Systems",
          data: values,
          backgroundColor: ["#90a4ae", "#ffb74d", "#66bb6a", "#ffa726", "#e57373"]
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
