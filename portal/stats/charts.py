"""Plotly figures of the published counts, drawn in the page by static/js/tariff-chart.js from
the spec in ``data-chart``. A suppressed cell has no bar; its label says "<k", "hidden" or
"withheld"."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from portal.stats.figures import Figure

FONT = "system-ui, -apple-system, 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif"
COLOUR = "#1f5f8b"


def shown(figure: Figure, k: int) -> str:
    """A count as the tables show it: the number, "<k", "hidden" or "withheld"."""
    if figure.count is not None:
        return str(figure.count)
    if figure.state == "withheld":
        return _("withheld")
    return f"<{k}" if figure.state == "small" else _("hidden")


def bars(labels: list[str], figures: list[Figure], k: int, axis: str,
         horizontal: bool = True) -> dict[str, Any]:
    """A bar chart: one bar per label (none where the count is suppressed)."""
    # A suppressed count has no bar but its mark ("<5", "hidden") where the bar would start,
    # so that it is not read as 0.
    values = [figure.count or 0 for figure in figures]
    texts = [shown(figure, k) for figure in figures]
    positions = ["auto" if figure.count is not None else "outside" for figure in figures]
    trace: dict[str, Any] = {"type": "bar", "marker": {"color": COLOUR}, "text": texts,
                             "textposition": positions, "hoverinfo": "text",
                             "cliponaxis": False}
    if horizontal:
        trace.update(orientation="h", x=values, y=labels)
        layout_axes = {"yaxis": {"autorange": "reversed", "automargin": True},
                       "xaxis": {"title": {"text": axis}, "rangemode": "tozero",
                                 "automargin": True}}
        height = 90 + 28 * len(labels)
    else:
        trace.update(x=labels, y=values)
        layout_axes = {"xaxis": {"automargin": True, "type": "category"},
                       "yaxis": {"title": {"text": axis}, "rangemode": "tozero",
                                 "automargin": True}}
        height = 320
    for axis_layout in layout_axes.values():
        axis_layout["fixedrange"] = True  # a finger scrolling the page must not zoom the chart
    return {"data": [trace], "layout": {
        **layout_axes, "height": height, "dragmode": False,
        "margin": {"l": 10, "r": 20, "t": 10, "b": 40},
        "font": {"family": FONT, "size": 13}, "showlegend": False,
        # a mark ("<5", "hidden", "withheld") stays readable where a bar is narrow
        "uniformtext": {"mode": "show", "minsize": 10},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}}
