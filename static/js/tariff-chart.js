// Draws the price charts whose data the page carries in data-chart (no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Plotly === "undefined") { return; }
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var spec = JSON.parse(element.getAttribute("data-chart"));
    Plotly.newPlot(element, spec.data, spec.layout,
      { displayModeBar: false, responsive: true, locale: document.documentElement.lang });
  });
});
