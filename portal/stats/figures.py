"""The published figures as readers get them: the catalogue's cells after disclosure control,
with every dimension's values in order and their names in the reader's language, and the
times to first contact and to reply. Only what ``refresh`` stored is read; results are cached
per refresh (names and customer counts too: they are read again after each refresh)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import product
from typing import Any

import sqlalchemy as sa
from flask import g
from flask_babel import get_locale

from portal.complaints.enums import ComplaintStatus, ComplaintType
from portal.complaints.models import ComplaintCategory, District
from portal.core import cache
from portal.core.enums import TitledEnum
from portal.extensions import db
from portal.stats import catalogue
from portal.stats.catalogue import Table
from portal.stats.enums import (
    ChannelValue,
    ContactTarget,
    DeadlineOutcome,
    EscalatedValue,
    FindingValue,
    RatingValue,
    ReplyTarget,
    ResolvedValue,
)
from portal.stats.models import StatsFigure, StatsRun, StatsTime, StatsWithheld
from portal.stats.periods import Period
from portal.stats.refresh import KEY_SEPARATOR

ENUMS: dict[str, type[TitledEnum]] = {
    "type": ComplaintType, "status": ComplaintStatus, "deadline": DeadlineOutcome,
    "contact": ContactTarget, "reply": ReplyTarget, "channel": ChannelValue,
    "rating": RatingValue, "resolved": ResolvedValue, "escalated": EscalatedValue,
    "finding": FindingValue}
PERCENTILES = {"median": 0.5, "p90": 0.9}


def current_run() -> StatsRun | None:
    """The latest refresh, or None before the first."""
    return db.session.scalar(sa.select(StatsRun).order_by(StatsRun.id.desc()).limit(1))


def run_key(run: StatsRun | None) -> str:
    """The cache keys' prefix for a refresh: its number and moment, so that a database rebuilt
    from scratch (whose refreshes count from 1 again) never meets another's cached figures."""
    if run is None:
        return "stats:none"
    return f"stats:{run.id}:{run.extracted_at:%Y%m%d%H%M%S}"


def _current_key() -> str:
    """The latest refresh's cache prefix, looked up once per request."""
    if "stats_run_key" not in g:
        g.stats_run_key = run_key(current_run())
    return str(g.stats_run_key)


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "zh"


def vocabulary(dim: str) -> list[tuple[str, str]]:
    """A dimension's values in order, each with its name in the reader's language."""
    if dim in ENUMS:
        return ENUMS[dim].choices()
    language = _language()
    rows = cache.remember(f"{_current_key()}:vocabulary:{dim}", lambda: _named_rows(dim))
    return [(code, english if language == "en" and english else chinese)
            for code, chinese, english in rows]


def _named_rows(dim: str) -> list[tuple[str, str, str]]:
    model = ComplaintCategory if dim == "category" else District
    query = sa.select(model.code, model.name_zh, model.name_en).order_by(model.position,
                                                                         model.code)
    return [(code, chinese, english) for code, chinese, english in db.session.execute(query)]


def customers() -> dict[str, int]:
    """Each district's customer count (for rates per 10,000 customers)."""
    return cache.remember(f"{_current_key()}:customers", lambda: {
        code: number for code, number in db.session.execute(
            sa.select(District.code, District.customers))})


def is_published(run: StatsRun, period: Period) -> bool:
    """Whether a refresh published figures for this period (it has settled and holds cases)."""
    if run.first_month is None or run.last_month is None:
        return False
    after_last = date(run.last_month.year + (run.last_month.month == 12),
                      run.last_month.month % 12 + 1, 1)
    return period.end <= after_last and period.end > run.first_month


def _stored(run: StatsRun, table: Table, period: Period) -> dict[str, tuple[int, str]]:
    def compute() -> dict[str, tuple[int, str]]:
        rows = db.session.execute(sa.select(StatsFigure.key, StatsFigure.count, StatsFigure.state)
                                  .where(StatsFigure.period == str(period),
                                         StatsFigure.table_code == table.code))
        return {key: (count, state) for key, count, state in rows}
    return cache.remember(f"{run_key(run)}:{table.code}:{period}", compute)


def withheld(run: StatsRun, table: Table, period: Period) -> bool:
    """Whether the table is withheld for the period as a whole (``StatsWithheld``)."""
    found = cache.remember(f"{run_key(run)}:withheld", lambda: sorted(
        f"{code} {period}" for code, period in db.session.execute(
            sa.select(StatsWithheld.table_code, StatsWithheld.period))))
    return f"{table.code} {period}" in found


@dataclass(frozen=True)
class Figure:
    """One published cell: its period, each dimension's value and name, and its count as
    published (None when hidden; ``state`` says whether it is small, "<k", hidden, or withheld
    with its whole table)."""

    period: str
    values: dict[str, str]
    labels: dict[str, str]
    count: int | None
    state: str  # published (0 included), small, hidden, withheld

    @property
    def suppressed(self) -> bool:
        """Hidden by disclosure control (small, complementary or withheld)."""
        return self.count is None


def cells(run: StatsRun, table: Table, period: Period,
          filters: dict[str, str] | None = None) -> list[Figure]:
    """Every cell of a table for a period (zeros included), narrowed to ``filters``."""
    filters = filters or {}
    held = withheld(run, table, period)
    stored = {} if held else _stored(run, table, period)
    default = (0, "withheld") if held else (0, "published")
    choices = [[(code, label) for code, label in vocabulary(dim)
                if dim not in filters or filters[dim] == code] for dim in table.dims]
    figures = []
    for combination in product(*choices):
        values = {dim: code for dim, (code, _) in zip(table.dims, combination, strict=True)}
        labels = {dim: label for dim, (_, label) in zip(table.dims, combination, strict=True)}
        count, state = stored.get(KEY_SEPARATOR.join(values.values()), default)
        figures.append(Figure(str(period), values, labels,
                              count if state == "published" else None, state))
    return figures


# --- times to first contact and to reply -------------------------------------------------------

@dataclass(frozen=True)
class Times:
    """Median and 90th percentile of working days for one value, to one decimal (None when
    resting on fewer than k cases)."""

    period: str
    dim: str | None
    value: str | None
    label: str | None
    measure: str
    median: float | None
    p90: float | None


def percentile(histogram: list[tuple[int, int]], fraction: float) -> float:
    """``percentile_disc`` of the values a histogram ``[(value, count), ...]`` counts: the
    smallest value that at least ``fraction`` of the cases do not exceed, as PostgreSQL
    computes it. A whole number of days: an interpolated one would tell, by its fraction, how
    many cases there are, which the counts may hide."""
    ordered = sorted(histogram)
    total = sum(count for _, count in ordered)
    seen = 0
    for value, count in ordered:
        seen += count
        if seen >= fraction * total:
            return float(value)
    return float(ordered[-1][0])


def times(run: StatsRun, dim: str | None, period: Period,
          measures: tuple[str, ...] = ("first_contact", "reply")) -> list[Times]:
    """Median and 90th percentile of the working days to a first contact and to the reply
    (or to the first answer, ``first_reply``: the reply commitment's), in total or by one
    dimension (``catalogue.TIME_DIMENSIONS``), for cases registered in ``period``."""
    column = getattr(StatsTime, catalogue.DIMENSIONS[dim].column) if dim else sa.literal("")

    within = sa.and_(StatsTime.month >= period.first_day, StatsTime.month < period.end)

    def compute() -> dict[tuple[str, str], tuple[int, float, float]]:
        if db.session.get_bind().dialect.name == "postgresql":
            return _percentiles_in_postgresql(column, within)
        query = (sa.select(StatsTime.measure, column, StatsTime.days,
                           sa.func.sum(StatsTime.count))
                 .where(within).group_by(StatsTime.measure, column, StatsTime.days))
        grouped: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for measure, value, days, count in db.session.execute(query):
            grouped[(measure, str(value))].append((int(days), int(count)))
        return {key: (sum(c for _, c in histogram), percentile(histogram, 0.5),
                      percentile(histogram, 0.9)) for key, histogram in grouped.items()}

    computed = cache.remember(f"{run_key(run)}:times:{dim}:{period}", compute)
    values = vocabulary(dim) if dim else [("", "")]
    found = []
    for measure in measures:
        for code, label in values:
            cases, median, p90 = computed.get((measure, code), (0, 0.0, 0.0))
            enough = cases >= run.min_cell  # a median tells nothing of how many
            found.append(Times(str(period), dim, code or None, label or None, measure,
                               round(median, 1) if enough else None,
                               round(p90, 1) if enough else None))
    return found


def _percentiles_in_postgresql(column: Any, within: sa.ColumnElement[bool]
                               ) -> dict[tuple[str, str], tuple[int, float, float]]:
    """PostgreSQL's own ``percentile_disc`` over the histogram's cases (each bucket repeated
    ``count`` times by ``generate_series``)."""
    repeat = sa.func.generate_series(1, StatsTime.count).table_valued("n").alias("repeat")
    ordered = StatsTime.days
    query = (sa.select(StatsTime.measure, column, sa.func.count(),
                       sa.func.percentile_disc(0.5).within_group(ordered),
                       sa.func.percentile_disc(0.9).within_group(ordered))
             .select_from(StatsTime).join(repeat, sa.true())
             .where(within).group_by(StatsTime.measure, column))
    return {(measure, str(value)): (int(cases), float(median), float(p90))
            for measure, value, cases, median, p90 in db.session.execute(query)}
