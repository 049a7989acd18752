// Supplier qualification panel: a doughnut of what is due, from the canvas's data attributes (CSP: no inline JS).
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("suppliers-chart");
    if (!canvas || !window.Chart) { return; }
    var labels = canvas.getAttribute("data-labels").split("|");
    var values = canvas.getAttribute("data-values").split("|").map(Number);
    var total = values.reduce(function (a, b) { return a + b; }, 0);
    if (!total) { canvas.parentNode.hidden = true; return; }
    new window.Chart(canvas, {
      type: "doughnut",
      data: {
        labels: labels,
        datasets: [{ data: values, backgroundColor: ["#c62828", "#ef6c00", "#f9a825", "#1565c0", "#6a1b9a", "#2e7d32"] }]
      },
      options: { maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: "bottom", labels: { boxWidth: 12, font: { size: 11 } } } } }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
