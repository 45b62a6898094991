"""The audit of what is published: the stored figures of a year rebuilt as the disclosure
system (the same atoms, the stored states) and checked by linear programming."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.stats import catalogue, frozen
from portal.stats.disclosure import Exposure, State, audit, build
from portal.stats.models import StatsFigure, StatsRun
from portal.stats.periods import Period
from portal.stats.refresh import KEY_SEPARATOR, atoms_of, complete_periods, public_floors


@dataclass(frozen=True)
class YearAudit:
    """What the audit found for one year."""

    year: int
    cells: int
    suppressed: int
    exposures: list[Exposure]


def audit_year(run: StatsRun, year: int) -> YearAudit:
    """Audit the figures published for ``year`` as they are stored."""
    if run.first_month is None or run.last_month is None:
        return YearAudit(year, 0, 0, [])
    periods = complete_periods(year, run.first_month, run.last_month)
    atoms = atoms_of(year)
    system = build(atoms, periods, catalogue.TABLES.values())
    # what the public list of cases shows, as the refresh took it into account
    system.floors = public_floors(year, atoms)
    stored = {(row.table_code, row.period, row.key): row.state for row in db.session.scalars(
        sa.select(StatsFigure).where(StatsFigure.year == year))}
    # A count a snapshot published stays known to everyone, whatever the figures show today.
    known = frozen.published_counts(year)
    for cell in system.cells:
        state = stored.get((cell.key.table, cell.key.period, KEY_SEPARATOR.join(cell.key.values)))
        # A non-zero cell without a stored figure would be shown as 0: the worst disclosure.
        cell.state = State(state) if state else State.PUBLISHED
        if state is None:
            raise RuntimeError(f"no stored figure for {cell.key}")
        if known.get(cell.key) == cell.value:
            cell.state = State.PUBLISHED
    hidden = sum(cell.state is not State.PUBLISHED for cell in system.cells)
    # A small count published as it is needs no programme to be found.
    shown = [Exposure(cell.key, cell.value, cell.value, marks=False) for cell in system.cells
             if 0 < cell.value < run.min_cell and cell.state is State.PUBLISHED]
    return YearAudit(year, len(system.cells), hidden, shown + audit(system, run.min_cell))


def years(run: StatsRun, period: Period | None) -> list[int]:
    """The years to audit: the period's, or every published year."""
    if run.first_month is None or run.last_month is None:
        return []
    if period is not None:
        return [period.year]
    return list(range(run.first_month.year, run.last_month.year + 1))
