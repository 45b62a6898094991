"""The trend chart of a commitment: the share of cases within the target, month by month,
beside the share required (the target line). Drawn by static/js/tariff-chart.js."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from portal.commitments.performance import Figure
from portal.stats.charts import COLOUR, FONT

TARGET_COLOUR = "#a4262c"


DASHES = ("dash", "dot", "dashdot")


def trend(figures: list[Figure], required: list[tuple[str, Decimal]]) -> dict[str, Any]:
    """One point per month where the figures are published (a gap where they are not), and a
    dashed line per share required (one per area type where they differ)."""
    months = [figure.period for figure in figures]
    shares = [float(figure.share) if figure.share is not None else None for figure in figures]
    data: list[dict[str, Any]] = [{
        "type": "scatter", "mode": "lines+markers", "name": _("Share within the target"),
        "x": months, "y": shares, "line": {"color": COLOUR, "width": 3},
        "marker": {"size": 8, "symbol": "circle"}, "connectgaps": False,
        "hovertemplate": "%{x}: %{y:.1f}%<extra></extra>"}]
    for number, (label, value) in enumerate(required):
        data.append({
            "type": "scatter", "mode": "lines", "name": label,
            "x": months, "y": [float(value)] * len(months),
            "line": {"color": TARGET_COLOUR, "width": 2, "dash": DASHES[number % len(DASHES)]},
            "hovertemplate": f"{label}: {format(value.normalize(), 'f')}%<extra></extra>"})
    low = min([s for s in shares if s is not None] + [float(v) for _, v in required] + [100.0])
    return {"data": data, "layout": {
        "height": 320, "dragmode": False, "margin": {"l": 10, "r": 20, "t": 40, "b": 40},
        "font": {"family": FONT, "size": 13},
        # above the plot: on a phone the month labels below would run into it
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "xaxis": {"type": "category", "automargin": True, "fixedrange": True},
        "yaxis": {"title": {"text": _("% within the target")}, "automargin": True,
                  "range": [max(0.0, low - 5), 100.5], "fixedrange": True},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}}
