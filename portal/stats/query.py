"""What a reader asks for (dimensions to group by, filters, periods), read from a query string
and checked against the catalogue: the API answers a mistake with a JSON error naming the
parameter, the dashboard with a translated message. Nothing outside the catalogue is computed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from portal.core.templating import list_comma
from portal.stats import catalogue, figures
from portal.stats.catalogue import Table
from portal.stats.models import StatsRun
from portal.stats.periods import Granularity, Period, RangeError, latest_complete, parse_range


class QueryError(Exception):
    """A request the statistics cannot answer: ``parameter`` names the culprit."""

    def __init__(self, parameter: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.parameter, self.message, self.status = parameter, message, status


@dataclass(frozen=True)
class Query:
    """A checked request: a catalogue table, the values it is narrowed to, its periods."""

    table: Table
    group_by: tuple[str, ...]
    periods: list[Period]
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def period_text(self) -> str:
        """The periods as the request wrote them: ``2026-Q3`` or ``2025-01..2025-12``."""
        if len(self.periods) == 1:
            return str(self.periods[0])
        return f"{self.periods[0]}..{self.periods[-1]}"


def default_period(run: StatsRun | None, today: date) -> Period:
    """The last quarter published, else the last month (a portal younger than a quarter).

    Counted from the refresh's last month, not from today: a month is published some days
    after it ends (``PORTAL_STATS_SETTLE_DAYS``)."""
    if run is not None and run.last_month is not None:
        last = run.last_month
        today = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    quarter = latest_complete(Granularity.QUARTER, today)
    if run is None or figures.is_published(run, quarter):
        return quarter
    return latest_complete(Granularity.MONTH, today)


def _group_by(text: str) -> tuple[str, ...]:
    names = [name.strip() for name in text.split(",")] if text.strip() else []
    if "" in names:
        raise QueryError("group_by", _("A dimension's name is missing between the commas."))
    for name in names:
        if name not in catalogue.DIMENSIONS:
            raise QueryError("group_by", _("Unknown dimension “%(name)s”; the dimensions are: "
                                           "%(known)s.", name=name[:40],
                                           known=", ".join(catalogue.DIMENSIONS)))
    if len(set(names)) != len(names):
        raise QueryError("group_by", _("Each dimension may be named only once."))
    if len(names) > catalogue.MAX_DIMENSIONS:
        raise QueryError("group_by", _("Group by at most %(most)s dimensions.",
                                       most=catalogue.MAX_DIMENSIONS))
    return tuple(names)


def dimension_name(code: str) -> str:
    """A dimension as a message names it: its title in the reader's language and the code
    that the API and the addresses use, ``Category (category)``."""
    return _("%(title)s (%(code)s)", title=catalogue.DIMENSIONS[code].title, code=code)


def filters(args: Mapping[str, str]) -> dict[str, str]:
    """The values the request narrows the figures to, each checked against the vocabulary."""
    chosen = {}
    for name in catalogue.DIMENSIONS:
        code = args.get(name, "").strip()
        if not code:
            continue
        if code not in {value for value, _ in figures.vocabulary(name)}:
            raise QueryError(name, _("Unknown value “%(code)s” for %(name)s; the data "
                                     "dictionary lists the codes.", code=code[:40],
                                     name=dimension_name(name)))
        chosen[name] = code
    return chosen


def periods(text: str, run: StatsRun | None, today: date) -> list[Period]:
    """The periods a ``period`` parameter names (a default when empty), each published."""
    if not text.strip():
        found = [default_period(run, today)]
    else:
        try:
            found = parse_range(text)
        except RangeError as error:
            raise QueryError("period", {
                "malformed": _("Write the period as 2026, 2026-Q3 or 2026-07, or a range such "
                               "as 2025-01..2025-12."),
                "mixed": _("Both ends of a range must be periods of the same length."),
                "reversed": _("The range starts after it ends."),
                "too_long": _("A range may hold at most %(most)s periods.", most=120),
            }[error.reason]) from None
    for period in found:
        if run is None or not figures.is_published(run, period):
            raise QueryError("period", _("No figures are published for %(period)s: figures start "
                                         "with the first case's month, and a month is "
                                         "published some days after it ends.",
                                         period=str(period)), status=404)
    return found


def parse(args: Mapping[str, str], run: StatsRun | None, today: date) -> Query:
    """A count request: ``group_by``, filters by dimension, ``period``."""
    group_by = _group_by(args.get("group_by", ""))
    chosen = filters(args)
    dims = set(group_by) | set(chosen)
    if len(dims) > catalogue.MAX_DIMENSIONS:
        raise QueryError("group_by", _("Dimensions grouped by and filtered on together may be "
                                       "at most %(most)s.", most=catalogue.MAX_DIMENSIONS))
    table = catalogue.table_for(dims)
    if table is None:
        raise QueryError("group_by", _("No published table crosses %(dims)s; the data "
                                       "dictionary lists the tables.",
                                       dims=" × ".join(map(dimension_name,
                                                           catalogue.canonical(dims)))))
    found = periods(args.get("period", ""), run, today)
    if not table.offers(found[0]):
        raise QueryError("period", _("This table is published by %(lengths)s only.",
                                     lengths=granularity_names(table)))
    return Query(table, catalogue.canonical(group_by), found, chosen)


def granularity_names(table: Table, alternatives: bool = False) -> str:
    """``year, quarter`` in the reader's language (``year or quarter`` as alternatives)."""
    names = [{Granularity.YEAR: _("year"), Granularity.QUARTER: _("quarter"),
              Granularity.MONTH: _("month")}[g] for g in table.granularities]
    return _(" or ").join(names) if alternatives else list_comma().join(names)


def parse_times(args: Mapping[str, str], run: StatsRun | None, today: date
                ) -> tuple[str | None, list[Period]]:
    """A times request: ``group_by`` (none or one of type, category, district) and ``period``."""
    group_by = _group_by(args.get("group_by", ""))
    if len(group_by) > 1 or (group_by and group_by[0] not in catalogue.TIME_DIMENSIONS):
        raise QueryError("group_by", _("Times are published in total or by one of: %(known)s.",
                                       known=", ".join(catalogue.TIME_DIMENSIONS)))
    return (group_by[0] if group_by else None), periods(args.get("period", ""), run, today)
