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
    if (narrow) { wrapLabels(spec); }
    // a chart of a given height takes that height, not the box reserved for the others
    if (spec.layout && spec.layout.height) { element.style.minHeight = "0"; }
    Plotly.newPlot(element, spec.data, spec.layout,
      { displayModeBar: false, responsive: true, locale: document.documentElement.lang });
    // On a phone the chart comes first and its table (the same figures) is folded away
    // behind its summary; without scripts the table stays open, as it is in the markup.
    var table = document.getElementById(element.getAttribute("aria-describedby"));
    var fold = table && table.closest("details.figures-table");
    if (narrow && fold) { fold.open = false; }
  });
});

var narrow = window.matchMedia("(max-width: 40rem)").matches;

// Long category names of a horizontal bar chart would push the bars off a phone's screen:
// break them into lines of about 14 characters (at spaces where there are any).
function wrapLabels(spec) {
  spec.data.forEach(function (trace) {
    if (trace.orientation !== "h" || !trace.y) { return; }
    trace.y = trace.y.map(function (label) { return wrap(String(label), 14); });
    // each bar as tall as its label's lines, so that labels never run into each other
    var lines = trace.y.reduce(function (sum, label) {
      return sum + label.split("<br>").length;
    }, 0);
    spec.layout.height = Math.max(spec.layout.height, 100 + 24 * lines + 6 * trace.y.length);
  });
}

function wrap(text, width) {
  var lines = [];
  var line = "";
  text.split(/(\s+)/).forEach(function (word) {
    while (word.length > width) {
      if (line.trim()) { lines.push(line.trim()); line = ""; }
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if ((line + word).trim().length > width && line.trim()) {
      lines.push(line.trim());
      line = "";
    }
    line += word;
  });
  if (line.trim()) { lines.push(line.trim()); }
  return lines.join("<br>");
}
