"""The open data's shape, the same in the API, the downloads and the monthly snapshots: one row
per cell with codes and names, the count (empty when suppressed) and the flags, the licence and
how to cite it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from portal.core.api import csv_cell
from portal.core.formatting import datetime_filter, zone_name
from portal.core.text import bracketed
from portal.stats.figures import Figure, Times, cells, customers
from portal.stats.models import StatsRun
from portal.stats.query import Query

LICENCE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
           "path": "https://creativecommons.org/licenses/by/4.0/"}


def columns(dims: tuple[str, ...]) -> list[str]:
    """The columns of a count table's rows."""
    names = ["period"]
    for dim in dims:
        names += [dim, f"{dim}_name"]
    names += ["count", "suppressed", "below_k", "withheld"]
    if "district" in dims:
        names.append("per_10000_customers")
    return names


def rate(figure: Figure) -> float | None:
    """The count per 10,000 of the district's customers (None when suppressed or unknown)."""
    number = customers().get(figure.values.get("district", ""), 0)
    if figure.count is None or not number:
        return None
    return round(figure.count * 10_000 / number, 2)


def row(figure: Figure, dims: tuple[str, ...]) -> dict[str, Any]:
    """One cell as a row of the open data."""
    found: dict[str, Any] = {"period": figure.period}
    for dim in dims:
        found[dim] = figure.values[dim]
        found[f"{dim}_name"] = figure.labels[dim]
    found.update(count=figure.count, suppressed=figure.suppressed,
                 below_k=figure.state == "small", withheld=figure.state == "withheld")
    if "district" in dims:
        found["per_10000_customers"] = rate(figure)
    return found


def count_rows(run: StatsRun, query: Query) -> list[dict[str, Any]]:
    """Every row a count request gives, period after period."""
    return [row(figure, query.table.dims) for period in query.periods
            for figure in cells(run, query.table, period, query.filters)]


TIME_COLUMNS = ["period", "group_by", "value", "value_name", "measure", "median_working_days",
                "p90_working_days"]


def time_row(times: Times) -> dict[str, Any]:
    """One line of the times: a value's median and 90th percentile, in working days."""
    return {"period": times.period, "group_by": times.dim or "", "value": times.value or "",
            "value_name": times.label or "", "measure": times.measure,
            "median_working_days": times.median, "p90_working_days": times.p90}


def citation(run: StatsRun, url: str | None = None) -> str:
    """How to cite the figures: the view's permanent address (``url``, the dashboard's by
    default) and the moment of extraction with its time zone."""
    return _("Demo Power Supply Co., Open Power Service, complaint statistics, extracted "
             "%(moment)s, %(url)s, licensed CC BY 4.0.",
             moment=datetime_filter(run.extracted_at) + bracketed(zone_name()),
             url=url or url_for("stats.dashboard", _external=True))


def envelope(run: StatsRun, rows: list[dict[str, Any]], **about: Any) -> dict[str, Any]:
    """The JSON answer around ``rows``."""
    return {**about, "k": run.min_cell, "extracted_at": iso(run.extracted_at),
            "time_zone": str(current_app.config["TIMEZONE"]), "licence": LICENCE,
            "citation": citation(run), "rows": rows}


def iso(moment: datetime) -> str:
    """An ISO 8601 UTC timestamp with seconds."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def csv_value(value: Any) -> Any:
    """A cell of the CSV: empty for None, true/false for flags, and text that a spreadsheet
    could take for a formula made harmless (``csv_cell``), in downloads and snapshots alike."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return csv_cell(value)
