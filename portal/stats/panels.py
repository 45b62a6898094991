"""The dashboard's panels: each shows one dimension of the published counts for the chosen
period and filters, taken from the catalogue table that crosses them (or says that none is
published at that detail), with its chart, its figures and the links to the same figures as
CSV and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.stats import catalogue, charts, figures
from portal.stats.figures import Figure
from portal.stats.forms import FILTERS, period_name
from portal.stats.models import StatsRun
from portal.stats.periods import Granularity, Period
from portal.stats.query import granularity_names


@dataclass(frozen=True)
class PanelKind:
    """A panel: its address code, the dimension it shows, its title and, where it has one, the
    share it sums up (values counted / values out of)."""

    code: str
    dim: str
    title: Any
    share_title: Any = None
    counted: tuple[str, ...] = ()
    out_of: tuple[str, ...] = ()
    base: Any = None  # what the share is out of: "of %(count)s rated cases"


KINDS = {kind.code: kind for kind in (
    PanelKind("categories", "category", _l("Cases by category")),
    PanelKind("districts", "district", _l("Cases by district")),
    PanelKind("types", "type", _l("By type")),
    PanelKind("statuses", "status", _l("Where the cases stand")),
    PanelKind("deadline", "deadline", _l("Replies and the deadline"),
              _l("Answered within the deadline"), ("met",), ("met", "late", "overdue"),
              _l("of %(count)s cases answered or past their deadline")),
    PanelKind("satisfaction", "rating", _l("Satisfaction with the answer"),
              _l("Satisfied or very satisfied (4 or 5)"), ("4", "5"), ("1", "2", "3", "4", "5"),
              _l("of %(count)s rated answers")),
    PanelKind("resolved", "resolved", _l("Problem resolved, in the complainant's words"),
              _l("Resolved"), ("yes",), ("yes", "no"), _l("of %(count)s rated answers")),
    PanelKind("escalation", "escalated", _l("Taken to the users' committee"),
              _l("Escalation rate"), ("yes",), ("yes", "no"), _l("of %(count)s cases")),
    PanelKind("findings", "finding", _l("The committee's findings")),
)}


@dataclass
class Panel:
    """A panel as the page shows it."""

    kind: PanelKind
    period: Period
    figures: list[Figure] = field(default_factory=list)
    unavailable: str | None = None
    chart: dict[str, Any] | None = None
    share: tuple[float, int] | None = None  # the share and its base (how many cases)
    args: dict[str, str] = field(default_factory=dict)

    @property
    def rates(self) -> bool:
        """Whether rates per 10,000 customers are shown (counts by district)."""
        return self.kind.dim == "district"


def share(found: list[Figure], dim: str, counted: tuple[str, ...], out_of: tuple[str, ...],
          k: int) -> tuple[float, int] | None:
    """counted / out_of from published counts only, with the base (out of how many cases);
    None if any is suppressed or the base is smaller than k (a share must not give a hidden
    count away)."""
    by_value = {figure.values[dim]: figure.count for figure in found}
    parts = [by_value.get(value) for value in out_of]
    if any(part is None for part in parts):
        return None
    base = sum(part or 0 for part in parts)
    if base < k:
        return None
    return sum(by_value[value] or 0 for value in counted) / base, base


def panel(run: StatsRun, kind: PanelKind, period: Period, filters: dict[str, str]) -> Panel:
    """The panel of ``kind`` for a period, narrowed to ``filters`` (its own dimension's filter
    is left out: a panel by category shows every category)."""
    narrowed = {name: code for name, code in filters.items() if name != kind.dim}
    result = Panel(kind, period, args={"group_by": kind.dim, "period": str(period),
                                       **narrowed})
    table = catalogue.table_for({kind.dim, *narrowed})
    if table is None or not table.offers(period):
        result.unavailable = unavailable_text(table)
        return result
    if figures.withheld(run, table, period):
        result.unavailable = _("Not published for this period: these figures would let a "
                               "small count of the months published before be worked out.")
        return result
    result.figures = figures.cells(run, table, period, narrowed)
    labels = [figure.labels[kind.dim] for figure in result.figures]
    result.chart = charts.bars(labels, result.figures, run.min_cell, _("Cases"))
    if kind.counted:
        result.share = share(result.figures, kind.dim, kind.counted, kind.out_of, run.min_cell)
    return result


def unavailable_text(table: catalogue.Table | None) -> str:
    """Why a panel is empty: no table at that detail, or not for periods this short."""
    if table is None:
        return _("Not published at this level of detail: choose fewer filters.")
    return _("At this level of detail, published only for periods of a %(lengths)s.",
             lengths=granularity_names(table, alternatives=True))



@dataclass
class Trend:
    """Monthly counts over the chosen period (or the twelve months up to a chosen month)."""

    months: list[Period]
    figures: list[Figure]
    chart: dict[str, Any] | None
    unavailable: str | None
    args: dict[str, str]


def trend(run: StatsRun, period: Period, filters: dict[str, str]) -> Trend:
    """The months of the period, or the year up to a month, narrowed to ``filters``."""
    if period.granularity is Granularity.MONTH:
        months = [period]
        while len(months) < 12 and figures.is_published(run, months[0].previous()):
            months.insert(0, months[0].previous())
    else:
        months = [Period(period.year, Granularity.MONTH, m) for m in period.months]
        months = [month for month in months if figures.is_published(run, month)]
    table = catalogue.table_for(set(filters))
    args = {"period": f"{months[0]}..{months[-1]}" if months else str(period), **filters}
    if table is None or table.finest < Granularity.MONTH or not months:
        return Trend(months, [], None,
                     _("Not published month by month at this level of detail: choose fewer "
                       "filters."), args)
    found = [figures.cells(run, table, month, filters)[0] for month in months]
    chart = charts.bars([period_name(month) for month in months], found, run.min_cell,
                        _("Cases"), horizontal=False)
    return Trend(months, found, chart, None, args)


def same_scale(trends: list[Trend]) -> None:
    """Give small multiples one count axis, so that a small district's bars look small."""
    top = max((figure.count or 0 for trend in trends for figure in trend.figures), default=0)
    for trend in trends:
        if trend.chart is not None and top:
            trend.chart["layout"]["yaxis"]["range"] = [0, top * 1.1]


@dataclass(frozen=True)
class TimesRow:
    """A line of the times table: a label and the four figures (None: not published)."""

    label: str
    values: tuple[float | None, ...]


def times_rows(total: list[figures.Times], by_value: list[figures.Times]) -> list[TimesRow]:
    """All cases first, then each value: first contact and reply, median and 90th percentile."""
    def line(label: str, found: list[figures.Times]) -> TimesRow:
        measures = {t.measure: t for t in found}
        return TimesRow(label, tuple(value for measure in ("first_contact", "reply")
                                     for value in (measures[measure].median,
                                                   measures[measure].p90)))
    rows = [line(_("All cases"), total)]
    values = dict.fromkeys(t.value for t in by_value)
    for value in values:
        found = [t for t in by_value if t.value == value]
        rows.append(line(found[0].label or "", found))
    return rows


def scope(args: dict[str, str]) -> str:
    """The filters a panel's figures are narrowed to, by name (``East District · Suggestion``),
    so that a caption, an embedded chart or a citation never passes one district's figures off
    as everyone's; empty when they cover every case."""
    names: list[str] = []
    for dim in FILTERS:
        code = args.get(dim)
        if code:
            names.extend(label for value, label in figures.vocabulary(dim) if value == code)
    return " · ".join(names)


def embed_args(args: dict[str, str]) -> dict[str, str]:
    """A panel's download arguments as an embed address's (the panel names its dimension)."""
    return {name: value for name, value in args.items() if name != "group_by"}
