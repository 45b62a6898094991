"""The complaint commitments' figures (first contact within its deadline, reply within the
working days promised), computed from the complaints' own events by the statistics.

They are not a second count beside the statistics: the statistics' refresh counts each case's
outcome in SQL (``stats.refresh``: dimensions ``contact`` and ``reply``, by the first contact
and the first answer, over the cases not rejected or withdrawn before their deadline) into the
catalogue's tables, every district by
month and each district by quarter and year, and protects them with the rest of its figures
(``stats.disclosure``). These commitments show those published cells as they are: a figure
whose cells are small or hidden there is "not enough data" or "not shown" here. A district's
figures for a single month are not published: they would rest on too few cases.

Each case is judged by the deadlines it was given when filed (its category's first-contact
hours and reply working days, which the complaints domain sets from these same promises), a
reopened one by its first answer.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context

from portal.commitments.enums import Source
from portal.commitments.models import Commitment
from portal.commitments.performance import (
    ALL,
    Figure,
    Judge,
    Row,
    pooled,
    shown_share,
    unshown,
)
from portal.complaints.models import District
from portal.stats import catalogue, figures
from portal.stats.models import StatsRun
from portal.stats.periods import Granularity, Period, year_periods

DIMENSIONS = {Source.COMPLAINT_CONTACT: "contact", Source.COMPLAINT_REPLY: "reply"}
# The time whose median and 90th percentile the statistics publish, where the commitment's unit
# is theirs (working days: to the first answer); the first contact is promised in hours, which
# they do not measure.
TIMES = {Source.COMPLAINT_REPLY: "first_reply"}


def is_computed(commitment: Commitment) -> bool:
    """Whether the figures come from the complaints (else imported month by month)."""
    return commitment.source in DIMENSIONS


def times_measured(commitment: Commitment) -> bool:
    """Whether a median and 90th percentile are reported (not for the first contact)."""
    return not is_computed(commitment) or commitment.source in TIMES


def statistics_run() -> StatsRun | None:
    """The statistics' last refresh, read once per request (the pages ask several times)."""
    if not has_request_context():
        return figures.current_run()
    if "commitments_statistics_run" not in g:
        g.commitments_statistics_run = figures.current_run()
    found: StatsRun | None = g.commitments_statistics_run
    return found


def latest_month(run: StatsRun | None) -> date | None:
    """The newest month the statistics published."""
    return run.last_month if run is not None else None


def extracted_at(run: StatsRun | None) -> datetime | None:
    """When the figures were extracted from the complaints."""
    return run.extracted_at if run is not None else None


class ComputedJudge(Judge):
    """Figures of a complaint commitment from the statistics' published cells (the rows the
    pages pass are ignored: there are none)."""

    def __init__(self, commitment: Commitment, districts: list[District],
                 run: StatsRun | None) -> None:
        super().__init__(commitment, districts)
        self.run = run
        self.dim = DIMENSIONS[commitment.source]

    def covers(self, period: Period, period_rows: list[Row]) -> bool:
        """Whether the statistics have published the period."""
        return self.run is not None and figures.is_published(self.run, period)

    def figure(self, period: Period, district: str, period_rows: list[Row]) -> Figure:
        """The period's figures for every district (any period) or one (quarters and years)."""
        label = str(period)
        run = self.run
        if run is None or not figures.is_published(run, period):
            return unshown(label, district, "none")
        if district != ALL and period.granularity is Granularity.MONTH:
            return unshown(label, district, "hidden")
        dims = (self.dim,) if district == ALL else ("district", self.dim)
        table = catalogue.table_for(dims)
        assert table is not None  # the catalogue publishes both
        found = {cell.values[self.dim]: cell for cell in figures.cells(
            run, table, period, {} if district == ALL else {"district": district})}
        within, missed = found["within"], found["missed"]
        if within.count is None or missed.count is None:
            # "<k" only where the one count not shown is small and the other is zero: the
            # cases are then that small count, which says no more than its own "<k".
            shown = [cell for cell in (within, missed) if cell.count is not None]
            small = (len(shown) == 1 and shown[0].count == 0
                     and {within.state, missed.state} == {"published", "small"})
            return unshown(label, district, "small" if small else "hidden")
        cases = within.count + missed.count
        if cases == 0:
            return unshown(label, district, "none")
        exact = Decimal(100 * within.count) / cases
        median, p90 = self._times(period, district)
        return Figure(label, district, "published", cases, shown_share(exact, self.commitment),
                      median, p90, self.verdict(period, district, exact, []), within.count)

    def span(self, months: list[Period], district: str, span_rows: list[Row]) -> Figure:
        """Several months together: the sum of the months, where each is published (every
        district only); a whole quarter or year is the statistics' own figure."""
        if len(months) == 1:
            return self.figure(months[0], district, span_rows)
        whole = _whole(months)
        if whole is not None:
            return self.figure(whole, district, span_rows)
        if district != ALL:
            label = f"{months[0]}/{months[-1]}"
            return unshown(label, district, "hidden")
        each = [self.figure(month, ALL, []) for month in months]
        # The first months of the statistics (one begun part way, and the one hidden beside
        # it) are left out rather than hide the whole span: the figures cover the months from
        # the first published one, which the label says.
        while len(each) > 1 and each[0].state != "published":
            each.pop(0)
        label = f"{each[0].period}/{months[-1]}" if len(each) > 1 else each[0].period
        if all(f.state == "none" for f in each):
            return unshown(label, district, "none")
        if any(f.state not in ("published", "none") for f in each):
            return unshown(label, district, "hidden")
        cases = sum(f.cases or 0 for f in each)
        within = sum(f.within or 0 for f in each)
        exact = Decimal(100 * within) / cases
        # as for imported figures: the months' medians, weighted by their cases
        median = pooled([(f.cases or 0, f.median) for f in each], self.k)
        p90 = pooled([(f.cases or 0, f.p90) for f in each], self.k)
        return Figure(label, district, "published", cases, shown_share(exact, self.commitment),
                      median, p90, self.verdict(months[-1], district, exact, []), within)

    def _times(self, period: Period, district: str) -> tuple[Decimal | None, Decimal | None]:
        measure = TIMES.get(self.commitment.source)
        if measure is None or self.run is None:
            return None, None
        for times in figures.times(self.run, None if district == ALL else "district", period,
                                   (measure,)):
            if times.measure == measure and (times.value or ALL) == district:
                if times.median is None or times.p90 is None:
                    return None, None
                return Decimal(str(times.median)), Decimal(str(times.p90))
        return None, None


def _whole(months: list[Period]) -> Period | None:
    """The quarter or year that these consecutive months make up exactly, if any."""
    numbers = [(month.year, month.number) for month in months]
    for period in year_periods(months[0].year):
        if period.granularity is not Granularity.MONTH and numbers == [
                (period.year, number) for number in period.months]:
            return period
    return None
