// Draws the price charts whose data the page carries in data-chart (no inline script). The
// figure is hidden until then (templates/_charts.html): without scripts, or without Plotly, the
// page shows the table that holds the same data, not an empty box.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Plotly === "undefined") { return; }
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var spec = JSON.parse(element.getAttribute("data-chart"));
    var figure = element.closest("figure");
    if (figure) { figure.hidden = false; }
    Plotly.newPlot(element, spec.data, spec.layout,
      { displayModeBar: false, responsive: true, locale: document.documentElement.lang });
  });
});
