"""The refresh: every case counted once in its local month, each case's outcome, working days
to the reply, percentiles as PostgreSQL computes them, and only months that have settled
published."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.complaints.models import Complaint
from portal.complaints.workdays import is_working_day
from portal.extensions import db
from portal.open311 import keys
from portal.stats import figures
from portal.stats.figures import percentile
from portal.stats.models import StatsCell, StatsFigure, StatsRun, StatsSnapshot, StatsTime
from portal.stats.periods import Period
from tests.conftest import POSTGRES_URL
from tests.stats.conftest import CASES, NOW, SHANGHAI, Case, compute, local


def _cells_by(column: str) -> dict[str, int]:
    attribute = getattr(StatsCell, column)
    return {str(value): int(count) for value, count in db.session.execute(
        sa.select(attribute, sa.func.sum(StatsCell.count)).group_by(attribute))}


# Counting ------------------------------------------------------------------------------------

def test_the_counts_add_up_to_the_number_of_cases(app, stats):
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.sum(StatsCell.count)))
        assert total == len(CASES) == db.session.scalar(
            sa.select(sa.func.count()).select_from(Complaint))
        run = db.session.scalar(sa.select(StatsRun))
        assert run.cases == len(CASES) and run.min_cell == 5
        assert run.extracted_at == NOW
        # every dimension splits the same cases
        for column in ("type", "category_code", "district_code", "status", "deadline",
                       "channel", "rating", "resolved", "escalated", "finding"):
            assert sum(_cells_by(column).values()) == len(CASES), column


def test_each_case_counts_in_its_local_month(app, stats):
    with app.app_context():
        assert {month.isoformat()[:7]: count for month, count in db.session.execute(
            sa.select(StatsCell.month, sa.func.sum(StatsCell.count)).group_by(StatsCell.month)
        )} == {"2025-11": 6, "2025-12": 5, "2026-04": 6, "2026-05": 6, "2026-06": 8,
               "2026-07": 7, "2026-08": 1, "2026-09": 1}
        # registered on 30 June at 17:00 UTC: 1 July at 01:00 in Shanghai
        month = db.session.scalar(sa.select(StatsCell.month).where(
            StatsCell.category_code == "QUAL"))
        assert month == date(2026, 7, 1)


def test_a_case_registered_at_midnight_local_time_is_in_the_new_month(app, add_cases):
    add_cases([Case(datetime(2026, 6, 30, 16, 0, tzinfo=UTC), category="QUAL"),  # 00:00 local
               Case(datetime(2026, 6, 30, 15, 59, 59, tzinfo=UTC), category="GRID")])
    with app.app_context():
        compute()
        months = {code: month for code, month in db.session.execute(
            sa.select(StatsCell.category_code, StatsCell.month))}
        assert months == {"QUAL": date(2026, 7, 1), "GRID": date(2026, 6, 1)}


def test_the_outcomes_of_the_cases(app, stats):
    with app.app_context():
        assert _cells_by("deadline") == {"met": 29, "late": 4, "none": 5, "overdue": 1,
                                         "waiting": 1}
        assert _cells_by("rating") == {"5": 6, "4": 4, "3": 1, "2": 2, "1": 1, "none": 26}
        assert _cells_by("resolved") == {"yes": 10, "no": 4, "none": 26}
        assert _cells_by("escalated") == {"yes": 3, "no": 37}
        assert _cells_by("finding") == {"upheld": 1, "not_upheld": 1, "none": 38}
        assert _cells_by("status") == {"closed": 10, "replied": 20, "rejected": 3,
                                       "withdrawn": 2, "in_progress": 1, "decided": 2,
                                       "escalated": 1, "registered": 1}
        assert _cells_by("type") == {"complaint": 34, "report": 4, "suggestion": 2}


# The reply deadline (refresh._deadline): met when replied by the deadline (the very moment
# included), late when replied after it, none for a case not accepted or withdrawn, overdue when
# unanswered past it, waiting when unanswered before it.
@pytest.mark.parametrize(("case", "outcome"), [
    (Case(local(2026, 6, 1), accepted=local(2026, 6, 1, 11), reply=local(2026, 6, 2)), "met"),
    # registered Monday 1 June: due by the end of Friday 5 June (four working days)
    (Case(local(2026, 6, 1), accepted=local(2026, 6, 1, 11),
          reply=local(2026, 6, 5, 23, 59)), "met"),
    (Case(local(2026, 6, 1), accepted=local(2026, 6, 1, 11), reply=local(2026, 6, 6)), "late"),
    (Case(local(2026, 6, 1), rejected=local(2026, 6, 2)), "none"),
    (Case(local(2026, 6, 1), withdrawn=local(2026, 6, 2)), "none"),
    (Case(local(2026, 6, 1), accepted=local(2026, 6, 1, 11)), "overdue"),
    (Case(local(2026, 6, 1)), "overdue"),
    # taken to the committee unanswered once the deadline had passed: still not answered
    (Case(local(2026, 6, 1), escalated=local(2026, 6, 20)), "overdue"),
    (Case(local(2026, 9, 8)), "waiting"),
    (Case(local(2026, 9, 8), accepted=local(2026, 9, 8, 11)), "waiting"),
])
def test_the_deadline_outcome(app, add_cases, case, outcome):
    add_cases([case])
    with app.app_context():
        compute()
        assert _cells_by("deadline") == {outcome: 1}


def test_a_reply_at_the_deadline_itself_is_on_time(app, add_cases):
    add_cases([Case(local(2026, 6, 1), accepted=local(2026, 6, 1, 11))])
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        complaint.replied_at = complaint.reply_due_at
        db.session.commit()
        compute()
        assert _cells_by("deadline") == {"met": 1}


# Working days --------------------------------------------------------------------------------

def _reply_days() -> dict[str, list[int]]:
    """Working days to the reply: {category: [days, ...]} from the histogram."""
    found: dict[str, list[int]] = {}
    for category, days, count in db.session.execute(
            sa.select(StatsTime.category_code, StatsTime.days, StatsTime.count)
            .where(StatsTime.measure == "reply").order_by(StatsTime.days)):
        found.setdefault(category, []).extend([days] * count)
    return found


@pytest.mark.parametrize(("registered", "replied", "days"), [
    (local(2026, 6, 1, 9), local(2026, 6, 1, 17), 0),    # the same day
    (local(2026, 6, 1, 23, 30), local(2026, 6, 2, 0, 30), 1),  # an hour, across midnight
    (local(2026, 6, 12), local(2026, 6, 15), 1),          # Friday to Monday
    (local(2026, 6, 13), local(2026, 6, 15), 1),          # Saturday to Monday
    # Thursday 18 June to Monday 22 June: the Dragon Boat Festival is 19-21 June
    (local(2026, 6, 18), local(2026, 6, 22), 1),
    # Thursday 30 April to Wednesday 6 May: Labour Day holidays 1-5 May
    (local(2026, 4, 30), local(2026, 5, 6), 1),
    # Friday 8 May to Saturday 9 May, a working Saturday in exchange for the holidays
    (local(2026, 5, 8), local(2026, 5, 9), 1),
    (local(2026, 6, 1), local(2026, 6, 8), 5),            # a week
])
def test_working_days_to_the_reply(app, add_cases, registered, replied, days):
    add_cases([Case(registered, category="QUAL", accepted=registered, reply=replied)])
    with app.app_context():
        compute()
        assert _reply_days() == {"QUAL": [days]}
        first_contact = db.session.scalar(sa.select(StatsTime.days).where(
            StatsTime.measure == "first_contact"))
        assert first_contact == 0  # accepted the moment it was registered


def test_a_case_not_yet_answered_has_no_time_to_the_reply(app, add_cases):
    add_cases([Case(local(2026, 6, 1), accepted=local(2026, 6, 2, 11)), Case(local(2026, 6, 1))])
    with app.app_context():
        compute()
        rows = db.session.execute(sa.select(StatsTime.measure, StatsTime.days,
                                            StatsTime.count)).all()
        assert [tuple(row) for row in rows] == [("first_contact", 1, 1)]


def _working_days(start: datetime, end: datetime) -> int:
    """Working days after the local day of ``start`` up to the local day of ``end``, counted
    day by day: the reference for the calendar table."""
    first, last = start.astimezone(SHANGHAI).date(), end.astimezone(SHANGHAI).date()
    return sum(is_working_day(first + timedelta(days=n)) for n in range(1, (last - first).days + 1))


def test_the_histogram_holds_every_answered_case(app, stats):
    with app.app_context():
        expected: dict[str, list[int]] = {}
        for complaint in db.session.scalars(sa.select(Complaint).where(
                Complaint.replied_at.is_not(None))):
            expected.setdefault(complaint.category_code, []).append(
                _working_days(complaint.registered_at, complaint.replied_at))
        assert _reply_days() == {code: sorted(days) for code, days in expected.items()}


# Percentiles ---------------------------------------------------------------------------------

def reference_percentile(values: list[int], fraction: float) -> float:
    """percentile_disc as PostgreSQL documents it: the first value, in order, whose position
    equals or exceeds the fraction (its cumulative share of the values)."""
    ordered = sorted(values)
    for position, value in enumerate(ordered, start=1):
        if position >= fraction * len(ordered):
            return value
    return ordered[-1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 30)), min_size=1, max_size=12),
       st.floats(0, 1))
def test_percentile_of_a_histogram_is_percentile_disc_of_its_values(histogram, fraction):
    values = [value for value, count in histogram for _ in range(count)]
    assert percentile(histogram, fraction) == reference_percentile(values, fraction)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(1, 30)), min_size=1, max_size=8),
       st.integers(1, 30))
def test_a_percentile_does_not_tell_how_many_cases_there_are(histogram, more):
    """Whole days: the same cases and a few more of the same times give the same kind of
    number, never a fraction that would reveal the count (the attack: an interpolated
    90th percentile of 5.4 days told that n - 1 is a multiple of 10 plus 4)."""
    for fraction in (0.5, 0.9):
        assert percentile(histogram, fraction).is_integer()
        bigger = [(value, count + more) for value, count in histogram]
        assert percentile(bigger, fraction).is_integer()


def test_percentiles_of_the_published_times(app, stats):
    """2026-Q2: 17 answered cases, 15 in one working day, one in 8 and one in 11: the 90th
    percentile is the 16th case (0.9 x 17 = 15.3): 8 working days."""
    with app.app_context():
        run = db.session.scalar(sa.select(StatsRun))
        total = {t.measure: t for t in figures.times(run, None, Period.parse("2026-Q2"))}
        assert (total["reply"].median, total["reply"].p90) == (1.0, 8.0)
        by_category = {(t.measure, t.value): t for t in figures.times(
            run, "category", Period.parse("2026-Q2"))}
        # 3 answered cases of bills and tariffs: fewer than k, not published
        assert by_category[("reply", "BIZ-BILL")].median is None
        assert by_category[("reply", "BIZ-FEE")].median == 1.0


@pytest.mark.skipif(not POSTGRES_URL, reason="percentile_disc needs PostgreSQL")
@pytest.mark.parametrize("period", ["2026-Q2", "2025-Q4", "2026-06", "2026-04..2026-07"])
def test_percentiles_equal_postgresqls_percentile_disc(app, stats, period):
    """The raw working days of each case, counted day by day in Python, given to PostgreSQL's
    percentile_disc, and the same computed on the complaints with the calendar table, give the
    published median and 90th percentile (where published)."""
    periods = period.split("..")
    first, last = Period.parse(periods[0]), Period.parse(periods[-1])
    start = datetime.combine(first.first_day, datetime.min.time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(last.end, datetime.min.time(), SHANGHAI).astimezone(UTC)
    with app.app_context():
        in_period = [c for c in db.session.scalars(sa.select(Complaint).where(
            Complaint.registered_at >= start, Complaint.registered_at < end,
            Complaint.replied_at.is_not(None)))]
        values = [_working_days(c.registered_at, c.replied_at) for c in in_period]
        median, p90 = db.session.execute(sa.text(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY v),"
            " percentile_disc(0.9) WITHIN GROUP (ORDER BY v) FROM unnest(CAST(:values AS int[])) v"
        ), {"values": values}).one()
        on_complaints = db.session.execute(sa.text(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY d.working_ordinal"
            "   - r.working_ordinal),"
            " percentile_disc(0.9) WITHIN GROUP (ORDER BY d.working_ordinal - r.working_ordinal)"
            " FROM complaints c"
            " JOIN stats_days r ON c.registered_at >= r.starts_at AND c.registered_at < r.ends_at"
            " JOIN stats_days d ON c.replied_at >= d.starts_at AND c.replied_at < d.ends_at"
            " WHERE c.registered_at >= :start AND c.registered_at < :end"), {
                "start": start, "end": end}).one()
        assert tuple(on_complaints) == (median, p90)
        histogram = {}
        for value in values:
            histogram[value] = histogram.get(value, 0) + 1
        assert percentile(list(histogram.items()), 0.5) == median
        assert percentile(list(histogram.items()), 0.9) == p90
        run = db.session.scalar(sa.select(StatsRun))
        if len(periods) == 1 and len(values) >= run.min_cell:
            published = {t.measure: t for t in figures.times(run, None, first)}
            assert (published["reply"].median, published["reply"].p90) == (
                round(median, 1), round(p90, 1))


# What is published ---------------------------------------------------------------------------

def _published_periods() -> set[str]:
    return set(db.session.scalars(sa.select(StatsFigure.period).distinct()))


def test_only_periods_that_have_ended_are_published(app, stats):
    with app.app_context():
        run = db.session.scalar(sa.select(StatsRun))
        assert (run.first_month, run.last_month) == (date(2025, 11, 1), date(2026, 7, 1))
        published = _published_periods()
        assert {"2025", "2025-Q4", "2025-11", "2025-12", "2026-Q2", "2026-04", "2026-05",
                "2026-06", "2026-07"} <= published
        # August ended less than PORTAL_STATS_SETTLE_DAYS ago, the third quarter and 2026 have
        # not ended; October 2025 has ended but has no case, nor any month before it
        assert not published & {"2026-08", "2026-Q3", "2026", "2025-10", "2025-Q3"}
        for text in ("2026-08", "2026-Q3", "2026", "2027", "2025-10"):
            assert not figures.is_published(run, Period.parse(text)), text
        for text in ("2026-07", "2026-Q2", "2025", "2026-01", "2026-Q1"):
            assert figures.is_published(run, Period.parse(text)), text
        # the August case is counted, waiting for its month to settle
        assert db.session.scalar(sa.select(sa.func.sum(StatsCell.count)).where(
            StatsCell.month == date(2026, 8, 1))) == 1


def test_the_month_is_published_once_it_has_settled(app, add_cases):
    """July ends on 31 July; its cases have PORTAL_STATS_SETTLE_DAYS (30) to settle, so that it
    is published from 31 August, local time."""
    add_cases(CASES)
    with app.app_context():
        compute(local(2026, 8, 30, 23, 59))
        run = db.session.scalar(sa.select(StatsRun))
        assert run.last_month == date(2026, 6, 1)
        assert "2026-07" not in _published_periods()
        assert db.session.scalar(sa.select(sa.func.max(StatsSnapshot.month))) == "2026-06"
        compute(local(2026, 8, 31, 0, 0))
        run = db.session.scalar(sa.select(StatsRun))
        assert run.last_month == date(2026, 7, 1)
        assert "2026-07" in _published_periods()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatsRun)) == 1
        assert db.session.scalar(sa.select(sa.func.max(StatsSnapshot.month))) == "2026-07"


def test_a_refresh_without_cases_publishes_nothing(app):
    with app.app_context():
        run = compute()
        assert (run.first_month, run.last_month, run.cases) == (None, None, 0)
        assert _published_periods() == set()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatsSnapshot)) == 0


def test_a_refresh_in_the_first_month_publishes_nothing_yet(app, add_cases):
    add_cases([Case(local(2026, 8, 3), accepted=local(2026, 8, 3, 11), reply=local(2026, 8, 4))])
    with app.app_context():
        run = compute()
        assert (run.first_month, run.last_month, run.cases) == (None, None, 1)
        assert _published_periods() == set()


def test_the_command_refreshes_and_takes_the_snapshots(app, runner, add_cases):
    add_cases(CASES[:11])  # November and December 2025
    result = runner.invoke(args=["stats", "refresh"])
    assert result.exit_code == 0, result.output
    assert "11 cases" in result.output and "k = 5" in result.output
    with app.app_context():
        months = set(db.session.scalars(sa.select(StatsSnapshot.month)))
        # every month from the first case to the last month ended today, each taken once
        assert {"2025-11", "2025-12"} <= months
    again = runner.invoke(args=["stats", "refresh"])
    assert "0 new snapshots" in again.output


def test_the_audit_command_needs_figures_and_a_period_it_can_read(runner):
    result = runner.invoke(args=["stats", "audit"])
    assert result.exit_code == 2 and "stats refresh" in result.output
    runner.invoke(args=["stats", "refresh"])
    result = runner.invoke(args=["stats", "audit", "--period", "2026-13"])
    assert result.exit_code == 2 and "Not a period" in result.output


def test_published_cases_are_lower_bounds_for_the_audit(app, stats, make_user):
    """What the public list shows of a published case (month, category, district, status,
    escalation, finding) puts it in a known group: the refresh hands those groups to the
    audit with how many published cases each holds."""
    from portal.accounts.models import User
    from portal.complaints import services
    from portal.stats import refresh

    staff_id = make_user("stats-staff", role="staff")[0].id
    with app.app_context():
        staff = db.session.get(User, staff_id)
        june = db.session.scalars(sa.select(Complaint).where(
            Complaint.registered_at >= local(2026, 6, 1, 0),
            Complaint.registered_at < local(2026, 6, 4, 0)).order_by(Complaint.id)).all()
        assert len(june) == 3  # three central BIZ-FEE cases; the first two rated (closed)
        for complaint in june[:2]:
            complaint.consent_publish = True
            services.approve_summary(complaint, staff, "电费疑问，已答复。", local(2026, 6, 5))
        db.session.commit()
        atoms = refresh.atoms_of(2026)
        # June's counts are final: the two wait for a refresh before they are listed
        assert refresh.public_floors(2026, atoms) == []
        floors = refresh.public_floors(2026, atoms, waiting=True)
        assert [count for _, count in floors] == [2]
        [(members, _)] = floors
        assert {(atoms[n].month, atoms[n].values["category"], atoms[n].values["district"],
                 atoms[n].values["status"]) for n in members} == {
            (6, "BIZ-FEE", "CENTRAL", "closed")}
        assert sum(atoms[n].count for n in members) >= 2
        compute()  # and the refresh passes its audit with them


def test_a_year_whose_counts_have_not_changed_is_not_computed_again(app, stats, add_cases,
                                                                   monkeypatch):
    """Suppression and its audit are the refresh's costly part: a year whose atoms, public
    cases, snapshot counts, k and periods are those of the last refresh keeps its figures."""
    from portal.stats import refresh as refreshing

    computed: list[int] = []
    real = refreshing.suppress

    def counting(system, k, fixed=None, withheld=()):
        computed.append(int(system.cells[0].key.period[:4]))
        return real(system, k, fixed=fixed, withheld=withheld)

    monkeypatch.setattr(refreshing, "suppress", counting)
    with app.app_context():
        before = {(f.period, f.table_code, f.key): (f.count, f.state)
                  for f in db.session.scalars(sa.select(StatsFigure))}
        compute()
        assert computed == []  # nothing changed: 2025 and 2026 kept
        after = {(f.period, f.table_code, f.key): (f.count, f.state)
                 for f in db.session.scalars(sa.select(StatsFigure))}
        assert after == before
    with app.app_context():
        compute(local(2026, 10, 1))  # August has settled: 2026 gains a month
        assert computed == [2026]  # 2025 kept as it was
        assert figures_of(2026, "2026-08") != {}
        # the minimum cell size is part of what the figures follow from
        app.config["STATS_MIN_CELL"] = 3
        compute(local(2026, 10, 1))
        assert computed == [2026, 2025, 2026]


def figures_of(year, period):
    return {(f.period, f.table_code, f.key): (f.count, f.state)
            for f in db.session.scalars(sa.select(StatsFigure).where(
                StatsFigure.year == year, StatsFigure.period == period))}


def test_each_case_counts_by_the_channel_it_came_through(app, add_cases):
    # Cases filed with a partner's Open311 key are "partner", the others "portal".
    add_cases([Case(local(2026, 6, 1)), Case(local(2026, 6, 2)), Case(local(2026, 6, 3))])
    with app.app_context():
        row, _key = keys.create("hotline", "甲", "12345 市民热线", NOW)
        first = db.session.scalar(sa.select(Complaint).order_by(Complaint.id))
        first.api_key_id = row.id
        db.session.commit()
        compute()
        assert _cells_by("channel") == {"partner": 1, "portal": 2}
        assert "channel" in {dims for table in figures.catalogue.TABLES for dims in table}
