"""Monthly snapshots: once a month is published, every catalogue table of the periods that end
with it (the month; its quarter, its year when it closes them) and the times, as CSV files in a
zip with a Frictionless Data ``datapackage.json``. A snapshot is made once and never changes;
the transparency log records its SHA-256, so that anyone can prove a file is the one published.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.core import publication
from portal.extensions import db
from portal.stats import catalogue, figures, opendata
from portal.stats.models import StatsRun, StatsSnapshot
from portal.stats.periods import Granularity, Period
from portal.stats.query import Query
from portal.transparency.records import RecordKind, register_kind

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries' time: the same bytes for the same figures
FIELD_TYPES = {"count": "integer", "suppressed": "boolean", "below_k": "boolean",
               "withheld": "boolean",
               "per_10000_customers": "number", "median_working_days": "number",
               "p90_working_days": "number"}


def listed() -> list[StatsSnapshot]:
    """Every snapshot, newest first (without their bytes)."""
    return list(db.session.scalars(sa.select(StatsSnapshot).order_by(StatsSnapshot.month.desc())))


def find(month: str) -> StatsSnapshot | None:
    """A month's snapshot, or None."""
    return db.session.get(StatsSnapshot, month) if len(month) == 7 else None


def periods_ending(month: Period) -> list[Period]:
    """The month, and its quarter and year when it closes them."""
    found = [month]
    if month.number % 3 == 0:
        found.append(Period(month.year, Granularity.QUARTER, month.number // 3))
    if month.number == 12:
        found.append(Period(month.year, Granularity.YEAR))
    return found


def _csv(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([opendata.csv_value(row[name]) for name in header] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _schema(header: list[str]) -> dict[str, Any]:
    fields = []
    for name in header:
        field: dict[str, Any] = {"name": name, "type": FIELD_TYPES.get(name, "string")}
        if field["type"] == "boolean":
            field.update(trueValues=["true"], falseValues=["false"])
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def build_package(run: StatsRun, month: Period) -> bytes:
    """The zip of a month's snapshot (names in Chinese, the portal's default language)."""
    resources, files = [], {}
    with force_locale("zh_Hans_CN"):
        for period in periods_ending(month):
            for table in catalogue.TABLES.values():
                if not table.offers(period):
                    continue
                rows = opendata.count_rows(run, Query(table, table.dims, [period]))
                header = opendata.columns(table.dims)
                name = f"complaints-{table.code.replace(',', '-')}-{period}".lower()
                files[f"{name}.csv"] = _csv(header, rows)
                resources.append((name, header, table.code, str(period)))
            for dim in (None, *catalogue.TIME_DIMENSIONS):
                rows = [opendata.time_row(line) for line in figures.times(run, dim, period)]
                name = f"times-{dim or 'total'}-{period}".lower()
                files[f"{name}.csv"] = _csv(opendata.TIME_COLUMNS, rows)
                resources.append((name, opendata.TIME_COLUMNS, f"times {dim or 'total'}",
                                  str(period)))
    package = {
        "name": f"opower-complaint-statistics-{month}",
        "title": f"Open Power Service complaint statistics, {month}",
        "description": (f"Complaints registered in {month} (and the quarter or year it closes), "
                        f"by the catalogue's tables after disclosure control with k = "
                        f"{run.min_cell}. Fictitious demo data."),
        "created": opendata.iso(run.extracted_at),
        "licenses": [opendata.LICENCE],
        "resources": [{"name": name, "path": f"{name}.csv", "format": "csv",
                       "mediatype": "text/csv", "encoding": "utf-8-sig",
                       "description": f"{table} {period}", "schema": _schema(header)}
                      for name, header, table, period in resources],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = {"datapackage.json": json.dumps(package, ensure_ascii=False, indent=2)
                   .encode("utf-8"), **files}
        for path, data in entries.items():
            archive.writestr(zipfile.ZipInfo(path, FIXED_TIME), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def take_due(run: StatsRun, now: datetime) -> list[StatsSnapshot]:
    """Make the snapshot of every published month that has none yet (never remade)."""
    if run.first_month is None or run.last_month is None:
        return []
    made = set(db.session.scalars(sa.select(StatsSnapshot.month)))
    month = Period(run.first_month.year, Granularity.MONTH, run.first_month.month)
    last = Period(run.last_month.year, Granularity.MONTH, run.last_month.month)
    taken = []
    while month <= last:
        if str(month) not in made:
            data = build_package(run, month)
            snapshot = StatsSnapshot(month=str(month), created_at=now,
                                     extracted_at=run.extracted_at,
                                     sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                     data=data)
            db.session.add(snapshot)
            db.session.flush()
            publication.announce(snapshot, by=None, now=now)
            taken.append(snapshot)
        month = month.next()
    return taken


def snapshot_key(snapshot: StatsSnapshot) -> str:
    """``stats-snapshot:2026-10``."""
    return f"stats-snapshot:{snapshot.month}"


def snapshot_content(snapshot: StatsSnapshot) -> dict[str, Any]:
    """What the log records of a snapshot: its month, bytes' hash and size, extraction time."""
    return {"month": snapshot.month, "sha256": snapshot.sha256, "size": snapshot.size,
            "extracted_at": snapshot.extracted_at,
            "path": f"/api/v1/stats/snapshots/{snapshot.month}.zip"}


def _published() -> list[tuple[Any, datetime]]:
    return [(s, s.created_at) for s in db.session.scalars(
        sa.select(StatsSnapshot).order_by(StatsSnapshot.created_at, StatsSnapshot.month))]


def _page(key: str) -> str | None:
    month = key.removeprefix("stats-snapshot:")
    return url_for("stats_api.snapshot", month=month)


def register(app: Flask) -> None:
    """Make the transparency log record each snapshot."""
    register_kind(app, RecordKind("stats_snapshot", _l("Statistics snapshot"), StatsSnapshot,
                                  snapshot_key, snapshot_content, _published, page=_page))
