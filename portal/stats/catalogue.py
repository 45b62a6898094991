"""The declared catalogue of published tables: nothing else is ever computed or shown.

A table is a set of at most three dimensions and the finest period it is published for (a
table published by month is also published by quarter and by year). Every margin of a table
(the same table without one of its dimensions) is itself in the catalogue, at least as finely:
that is what lets disclosure control (``disclosure.py``) see every total that could give a
hidden cell away.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.stats.periods import Granularity, Period

MAX_DIMENSIONS = 3


@dataclass(frozen=True)
class Dimension:
    """Something cases are counted by: its API name, its column in ``stats_cells``, its title."""

    code: str
    column: str
    title: Any
    description: Any


DIMENSIONS: dict[str, Dimension] = {d.code: d for d in (
    Dimension("type", "type", _l("Type"),
              _l("What was sent: a complaint, a report of misconduct or a suggestion.")),
    Dimension("category", "category_code", _l("Category"),
              _l("The complaint category's code, as listed on the data dictionary.")),
    Dimension("district", "district_code", _l("District"),
              _l("The district's code where the problem occurred.")),
    Dimension("status", "status", _l("Status"),
              _l("Where the case stands at the time of extraction.")),
    Dimension("deadline", "deadline", _l("Reply deadline"),
              _l("Whether the first answer came within the reply deadline the case was given "
                 "when filed (working days).")),
    Dimension("contact", "contact", _l("First contact"),
              _l("Whether the first contact came within the case's deadline for it (in "
                 "hours), as the first-contact commitment counts it: over the same cases as "
                 "the reply.")),
    Dimension("reply", "reply", _l("First answer"),
              _l("Whether the first answer came within the reply deadline the case was given "
                 "when filed, as the reply commitment counts it: a late first answer and a "
                 "deadline passed without one both miss it.")),
    Dimension("channel", "channel", _l("Channel"),
              _l("How the case reached the portal: through its own form, or from a partner "
                 "channel (a city hotline, an app) through Open311.")),
    Dimension("rating", "rating", _l("Rating"),
              _l("The complainant's rating of the answer, 1 to 5, or not rated.")),
    Dimension("resolved", "resolved", _l("Resolved"),
              _l("Whether the complainant said the problem was resolved when rating.")),
    Dimension("escalated", "escalated", _l("Taken to the committee"),
              _l("Whether the complainant took the case to the users' committee.")),
    Dimension("finding", "finding", _l("Committee finding"),
              _l("What the users' committee found on a case taken to it.")),
)}
ORDER = tuple(DIMENSIONS)
# Dimensions by which the times to first contact and to reply are published (one at a time).
TIME_DIMENSIONS = ("type", "category", "district")


@dataclass(frozen=True)
class Table:
    """A published table: its dimensions in canonical order and its finest period."""

    dims: tuple[str, ...]
    finest: Granularity

    @property
    def code(self) -> str:
        """``category,district``; ``total`` for the table without dimensions."""
        return ",".join(self.dims) or "total"

    def offers(self, period: Period) -> bool:
        """Whether the table is published for periods of this length."""
        return period.granularity <= self.finest

    @property
    def granularities(self) -> list[Granularity]:
        """The period lengths it is published for, coarsest first."""
        return [g for g in Granularity if g <= self.finest]


def canonical(dims: set[str] | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Dimensions in the catalogue's order."""
    return tuple(code for code in ORDER if code in dims)


def _tables(*entries: tuple[str, Granularity]) -> dict[tuple[str, ...], Table]:
    tables = {}
    for text, finest in entries:
        dims = canonical(text.split(",")) if text else ()
        tables[dims] = Table(dims, finest)
    return tables


M, Q, Y = Granularity.MONTH, Granularity.QUARTER, Granularity.YEAR
# Months carry only totals by one dimension and the two complaint commitments by district
# (``portal.commitments.computed`` reads them), quarters the outcomes and the crossings of two
# dimensions, years the rest: every table by month is linked to its quarter and year, and small
# cells of a fine table force much else to be hidden.
TABLES: dict[tuple[str, ...], Table] = _tables(
    ("", M), ("type", M), ("category", M), ("district", M),
    ("contact", M), ("reply", M), ("district,contact", Q), ("district,reply", Q),
    ("status", Q), ("deadline", Q), ("rating", Q), ("resolved", Q), ("escalated", Q),
    ("finding", Q), ("channel", Y),
    ("type,category", Q), ("type,district", Q), ("category,district", Q),
    ("category,deadline", Q), ("district,deadline", Q),
    ("type,category,district", Y),
    ("type,status", Y), ("category,status", Y), ("district,status", Y), ("type,deadline", Y),
    ("category,rating", Y), ("district,rating", Y), ("category,resolved", Y),
    ("district,resolved", Y), ("type,escalated", Y), ("category,escalated", Y),
    ("district,escalated", Y), ("category,finding", Y), ("district,finding", Y),
)


def margins(table: Table) -> list[Table]:
    """The tables one dimension coarser that each of its cells adds up to."""
    return [TABLES[tuple(d for d in table.dims if d != dropped)] for dropped in table.dims]


def _check_closed() -> None:
    for table in TABLES.values():
        if len(table.dims) > MAX_DIMENSIONS:
            raise RuntimeError(f"{table.code}: more than {MAX_DIMENSIONS} dimensions")
        for size in range(len(table.dims)):
            for subset in combinations(table.dims, size):
                margin = TABLES.get(subset)
                if margin is None or margin.finest < table.finest:
                    raise RuntimeError(f"{table.code}: margin {subset} missing or coarser")


_check_closed()


def table_for(dims: set[str] | tuple[str, ...] | list[str]) -> Table | None:
    """The catalogue's table with exactly these dimensions, or None."""
    return TABLES.get(canonical(dims))


def tables_for(granularity: Granularity) -> list[Table]:
    """Every table published for periods of this length."""
    return [table for table in TABLES.values() if table.finest >= granularity]
