"""Plotly figure data (plain JSON, no inline script) for a version's price against consumption."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from portal.fees.enums import BillingBasis, Period
from portal.fees.structure import PriceStructure

COLOURS = {Period.ALL: "#0b4f8a", Period.PEAK: "#b3261e", Period.FLAT: "#8a5a00",
           Period.VALLEY: "#1e6b34"}


def price_chart(structure: PriceStructure) -> dict[str, Any]:
    """A step chart of the price of the next kWh against consumption, one line per period."""
    limits = [limit for limit in structure.tiers if limit is not None]
    end = max(limits[-1] * Decimal("1.5") if limits else Decimal(500), Decimal(100))
    edges = [Decimal(0), *limits, end]
    traces = []
    for period in structure.periods:
        xs, ys = [], []
        for tier, (start, stop) in enumerate(itertools.pairwise(edges), start=1):
            price = float(structure.price(tier, period))
            xs += [float(start), float(stop)]
            ys += [price, price]
        name = period.title if period is not Period.ALL else _("Price")
        traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "name": name,
                       "line": {"shape": "hv", "color": COLOURS[period], "width": 3},
                       "hovertemplate": "%{x:,.0f} " + _("kWh") + ": %{y:.4f}<extra>" + name
                       + "</extra>"})
    if structure.billing_basis is BillingBasis.MONTHLY:
        axis = _("Consumption in a month (kWh)")
    elif structure.billing_basis is BillingBasis.ANNUAL:
        axis = _("Consumption in a year (kWh)")
    else:
        axis = _("Consumption (kWh)")
    layout = {
        "xaxis": {"title": {"text": axis}, "rangemode": "tozero", "fixedrange": True},
        "yaxis": {"title": {"text": _("Yuan per kWh")}, "rangemode": "tozero",
                  "fixedrange": True},
        "margin": {"l": 60, "r": 10, "t": 10, "b": 50},
        "legend": {"orientation": "h", "y": -0.25},
        "showlegend": len(traces) > 1,
        "height": 320,
        "font": {"family": "system-ui, sans-serif"},
    }
    return {"data": traces, "layout": layout}
