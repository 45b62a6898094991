"""What the measurements say of a commitment for a period and a district, after disclosure
control.

The number of cases of a commitment is a count like the statistics' counts, and goes through
the same disclosure control (``portal.stats.disclosure``): each month of a commitment is a
system of two tables, every district and by district; a count from 1 to k-1 is "<k" and a
complementary cell is hidden so that the total gives none away. The states are decided when the
month is imported (``restate``) and stored (``MeasurementState``): a later month never changes
them, and a month imported again keeps what it published and what it hid, as far as the new
figures allow, so that two publications of a month cannot be subtracted. A longer period (a
quarter, a year, the last twelve months) is the sum of its months, shown only where every
month's count is published: it tells nothing the months do not. Every figure of a cell (the
share within the target, the median, the 90th percentile, the verdict) is shown only where its
count is: a figure resting on fewer than k cases is "not enough data".

Several months or districts together: the share within the target is exact (cases within the
target over cases); the median and 90th percentile are the means of the monthly district
figures that rest on at least k cases, weighted by their cases (the medians of the months are
all that is reported, not each case), which the pages say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app

from portal.commitments.enums import Measure, Verdict
from portal.commitments.models import (
    Commitment,
    CommitmentVersion,
    Measurement,
    MeasurementState,
)
from portal.complaints.enums import AreaType
from portal.complaints.models import District
from portal.core.publication import PublicationStatus
from portal.extensions import db
from portal.stats.catalogue import Table
from portal.stats.disclosure import Atom, Cell, State, build, suppress
from portal.stats.periods import Granularity, Period, year_periods

TABLES = (Table((), Granularity.MONTH), Table(("district",), Granularity.MONTH))
ALL = ""  # the district key of the figures for every district
PLACES = Decimal("0.1")


def min_cell() -> int:
    """k: the statistics' minimum cell size."""
    return int(current_app.config["STATS_MIN_CELL"])


@dataclass(frozen=True)
class Row:
    """A month's measurement in one district."""

    month: date
    district: str
    cases: int
    within: int
    median: Decimal | None
    p90: Decimal | None


@dataclass(frozen=True)
class Figure:
    """A commitment's figures for one period and one district (``ALL``: every district).

    ``state``: ``published``; ``small`` (fewer than k cases, shown "<k"); ``hidden`` (hidden so
    that a small count elsewhere cannot be found by subtraction); ``none`` (no case, or no
    figures reported for the period). Only a published figure has numbers."""

    period: str
    district: str
    state: str
    cases: int | None
    share: Decimal | None  # percent within the target
    median: Decimal | None
    p90: Decimal | None
    verdict: Verdict
    within: int | None = None  # cases within the target


# The verdict of a figure shown without numbers, by its state.
UNSHOWN = {"none": Verdict.NO_DATA, "hidden": Verdict.HIDDEN, "small": Verdict.NOT_ENOUGH}


def unshown(period: str, district: str, state: str) -> Figure:
    """A figure without numbers: no figures (``none``), ``hidden`` or ``small``."""
    return Figure(period, district, state, None, None, None, None, UNSHOWN[state])


def rows(commitment_id: int, first: date, end: date) -> list[Row]:
    """The measurements of months from ``first`` up to (not including) ``end``."""
    m = Measurement
    return [Row(*row) for row in db.session.execute(
        sa.select(m.month, m.district_code, m.cases, m.within_target, m.median, m.p90)
        .where(m.commitment_id == commitment_id, m.month >= first, m.month < end)
        .order_by(m.month, m.district_code))]


def rows_of(commitment_ids: list[int], first: date, end: date) -> dict[int, list[Row]]:
    """``rows`` of several commitments in one query, by commitment."""
    m = Measurement
    found: dict[int, list[Row]] = {number: [] for number in commitment_ids}
    for commitment_id, month, district, cases, within, median, p90 in db.session.execute(
            sa.select(m.commitment_id, m.month, m.district_code, m.cases, m.within_target,
                      m.median, m.p90)
            .where(m.commitment_id.in_(commitment_ids), m.month >= first, m.month < end)
            .order_by(m.commitment_id, m.month, m.district_code)):
        found[commitment_id].append(Row(month, district, cases, within, median, p90))
    return found


def states_of(commitment_ids: list[int], first: date, end: date
              ) -> dict[int, dict[int, dict[tuple[str, str], str]]]:
    """``states`` of several commitments and of the years from ``first``'s to ``end``'s, in
    one query: by commitment, then by year."""
    m = MeasurementState
    years = range(first.year, end.year + 1)
    found: dict[int, dict[int, dict[tuple[str, str], str]]] = {
        number: {year: {} for year in years} for number in commitment_ids}
    for commitment_id, month, area, state in db.session.execute(
            sa.select(m.commitment_id, m.month, m.area, m.state).where(
                m.commitment_id.in_(commitment_ids), m.month >= date(first.year, 1, 1),
                m.month < date(end.year + 1, 1, 1))):
        found[commitment_id][month.year][(f"{month:%Y-%m}", area)] = state
    return found


def latest_months() -> dict[int, date]:
    """The newest month with figures of each commitment that has any."""
    m = Measurement
    # one index look-up per commitment (a GROUP BY would read every month ever imported)
    newest = (sa.select(sa.func.max(m.month)).where(m.commitment_id == Commitment.id)
              .correlate(Commitment).scalar_subquery())
    return {commitment_id: month for commitment_id, month in db.session.execute(
        sa.select(Commitment.id, newest)) if month is not None}


def covered(year_rows: Iterable[Row], year: int) -> list[Period]:
    """The periods of a year whose every month has figures (a quarter in course is not
    published until its last month is reported)."""
    months = {row.month.month for row in year_rows}
    return [period for period in year_periods(year) if set(period.months) <= months]


def states(commitment_id: int, year: int) -> dict[tuple[str, str], str]:
    """How each non-zero monthly count of a commitment's year is published, by (month as
    ``YYYY-MM``, district or ``ALL``), as ``restate`` decided."""
    m = MeasurementState
    return {(f"{month:%Y-%m}", area): state for month, area, state in db.session.execute(
        sa.select(m.month, m.area, m.state).where(
            m.commitment_id == commitment_id, m.month >= date(year, 1, 1),
            m.month < date(year + 1, 1, 1)))}


def restate(commitment_id: int, month: date, before: dict[str, int]) -> None:
    """Decide how a month's counts are published, after its figures were imported (``before``:
    each district's number of cases before the import, none if new). A count published before
    with the same value stays published; a cell hidden or small before stays hidden; the rest
    is the statistics' suppression."""
    k = min_cell()
    m = MeasurementState
    previous: dict[str, str] = {area: state for area, state in db.session.execute(
        sa.select(m.area, m.state).where(m.commitment_id == commitment_id, m.month == month))}
    db.session.execute(sa.delete(m).where(m.commitment_id == commitment_id, m.month == month))
    now = {row.district: row.cases for row in rows(commitment_id, month, _next(month))}
    atoms = [Atom(month.month, {"district": district}, cases)
             for district, cases in sorted(now.items()) if cases > 0]
    if not atoms:
        return
    system = build(atoms, [Period(month.year, Granularity.MONTH, month.month)], TABLES)
    old = {ALL: sum(before.values()), **before} if before else {}

    def area(cell: Cell) -> str:
        return cell.key.values[0] if cell.key.values else ALL
    fixed = {cell.key: cell.value for cell in system.cells
             if previous.get(area(cell)) == State.PUBLISHED.value
             and old.get(area(cell)) == cell.value}
    suppress(system, k, fixed=fixed)
    for cell in system.cells:
        if (cell.state is State.PUBLISHED and cell.key not in fixed
                and previous.get(area(cell)) in (State.HIDDEN.value, State.SMALL.value)):
            cell.state = State.HIDDEN  # hiding more only widens what a reader can tell
    db.session.add_all(MeasurementState(commitment_id=commitment_id, month=month,
                                        area=area(cell), state=cell.state.value)
                       for cell in system.cells)
    db.session.flush()


def _next(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def version_on(commitment: Commitment, day: date) -> CommitmentVersion | None:
    """The published version in force on ``day``, else the earliest published one after it
    (figures from before a commitment's first version are judged by it)."""
    published = [v for v in commitment.versions if v.status is PublicationStatus.PUBLISHED]
    for version in published:
        if version.effective_from <= day and (version.effective_to is None
                                              or day <= version.effective_to):
            return version
    later = [v for v in published if v.effective_from > day]
    return min(later, key=lambda v: v.effective_from) if later else None


def required_share(version: CommitmentVersion, area_type: AreaType | None) -> Decimal | None:
    """The share of cases (percent) within the target that keeps the promise in a district
    of this area type (None: every district, where they all need the same share)."""
    if version.measure is not Measure.MIN_SHARE:
        return version.compliance
    if area_type is not None:
        return version.target_for(area_type)
    values = {target.value for target in version.targets}
    return values.pop() if len(values) == 1 else None


def pooled(values: list[tuple[int, Decimal | None]], k: int) -> Decimal | None:
    """The mean of the values resting on at least k cases, weighted by their cases."""
    weighted = [(cases, value) for cases, value in values if value is not None and cases >= k]
    total = sum(cases for cases, _ in weighted)
    if not total:
        return None
    summed = sum((Decimal(cases) * value for cases, value in weighted), Decimal(0))
    return (summed / total).quantize(PLACES, ROUND_HALF_UP)


class Judge:
    """Figures of one commitment, period by period, for every district or one."""

    def __init__(self, commitment: Commitment, districts: list[District]) -> None:
        self.commitment = commitment
        self.area = {district.code: district.area_type for district in districts}
        self.k = min_cell()
        self._states: dict[int, dict[tuple[str, str], str]] = {}

    def preload(self, by_year: dict[int, dict[tuple[str, str], str]]) -> None:
        """Use these states (``states_of``) rather than read them year by year."""
        self._states.update(by_year)

    def covers(self, period: Period, period_rows: list[Row]) -> bool:
        """Whether every month of a calendar period is reported (``period_rows``: its rows)."""
        return period in covered(period_rows, period.year)

    def state(self, period: Period, district: str) -> str:
        """How the period's count is published (``none``: zero)."""
        if period.year not in self._states:
            self._states[period.year] = states(self.commitment.id, period.year)
        return self._states[period.year].get((str(period), district), "none")

    def figure(self, period: Period, district: str, period_rows: list[Row]) -> Figure:
        """The figures of ``period_rows`` (the period's rows, every district) for a district."""
        chosen = [row for row in period_rows if district in (ALL, row.district)]
        state = self.state(period, district) if chosen else "none"
        if state != State.PUBLISHED.value:
            verdict = (Verdict.NO_DATA if not chosen else Verdict.HIDDEN if state == "hidden"
                       else Verdict.NOT_ENOUGH)
            return Figure(str(period), district, state, None, None, None, None, verdict)
        cases = sum(row.cases for row in chosen)
        within = sum(row.within for row in chosen)
        exact = Decimal(100 * within) / cases
        share = shown_share(exact, self.commitment)
        single = len(chosen) == 1
        median = chosen[0].median if single else pooled(
            [(row.cases, row.median) for row in chosen], self.k)
        p90 = chosen[0].p90 if single else pooled([(row.cases, row.p90) for row in chosen],
                                                   self.k)
        verdict = self.verdict(period, district, exact, chosen)
        return Figure(str(period), district, state, cases, share, median, p90, verdict,
                      within)

    def span(self, months: list[Period], district: str, span_rows: list[Row]) -> Figure:
        """The figures of several months together (the overview's last twelve): published only
        where every month's count is, so that the sum gives no hidden month away."""
        if len(months) == 1:
            return self.figure(months[0], district, span_rows)
        label = f"{months[0]}/{months[-1]}"
        chosen = [row for row in span_rows if district in (ALL, row.district)]
        if not chosen:
            return unshown(label, district, "none")
        if any(self.state(month, district) not in (State.PUBLISHED.value, "none")
               for month in months):
            return unshown(label, district, "hidden")
        cases = sum(row.cases for row in chosen)
        if cases < self.k:
            return unshown(label, district, "small")
        within = sum(row.within for row in chosen)
        exact = Decimal(100 * within) / cases
        return Figure(label, district, State.PUBLISHED.value, cases,
                      shown_share(exact, self.commitment),
                      pooled([(row.cases, row.median) for row in chosen], self.k),
                      pooled([(row.cases, row.p90) for row in chosen], self.k),
                      self.verdict(months[-1], district, exact, chosen), within)

    def verdict(self, period: Period, district: str, share: Decimal,
                chosen: list[Row]) -> Verdict:
        """Met or missed: the share within the target against the share required by the
        version in force at the period's end; where districts need different shares, every
        district with enough cases must reach its own."""
        version = version_on(self.commitment, _last_day(period))
        if version is None:
            return Verdict.NO_DATA
        required = required_share(version, self.area.get(district) if district else None)
        if required is not None:
            return Verdict.MET if share >= required else Verdict.MISSED
        verdicts = []
        for code in sorted({row.district for row in chosen}):
            mine = [row for row in chosen if row.district == code]
            cases = sum(row.cases for row in mine)
            if cases < self.k:
                continue
            own = required_share(version, self.area.get(code))
            if own is not None:
                verdicts.append(Decimal(100 * sum(r.within for r in mine)) / cases >= own)
        if not verdicts:
            return Verdict.NOT_ENOUGH
        return Verdict.MET if all(verdicts) else Verdict.MISSED


def shown_share(exact: Decimal, commitment: Commitment) -> Decimal:
    """A share as shown, rounded down (99.95 % is not "100.0 %"): to 0.1, or to 0.01 for a
    share commitment, whose targets are such as 99.9 %."""
    share_commitment = any(v.measure is Measure.MIN_SHARE for v in commitment.versions)
    return exact.quantize(Decimal("0.01") if share_commitment else PLACES, ROUND_FLOOR)


def _last_day(period: Period) -> date:
    end = period.end
    return date.fromordinal(end.toordinal() - 1)


def months_back(last: date, count: int) -> list[Period]:
    """The ``count`` months up to and including ``last``'s month, oldest first."""
    period = Period(last.year, Granularity.MONTH, last.month)
    found = [period]
    for _ in range(count - 1):
        period = period.previous()
        found.append(period)
    return found[::-1]


def latest_month(commitment_id: int | None = None) -> date | None:
    """The newest month with figures (of one commitment, or of any)."""
    select = sa.select(sa.func.max(Measurement.month))
    if commitment_id is not None:
        select = select.where(Measurement.commitment_id == commitment_id)
    found: date | None = db.session.scalar(select)
    return found
