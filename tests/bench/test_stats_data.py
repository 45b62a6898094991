"""``bench/stats_data.py``: the statistics benchmark's complaints obey the table's rules and look
as promised (seasons, working days, districts by customers, deadlines mostly kept, the
committee's decisions with their events). PostgreSQL only: the generator writes with COPY."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import dict_row

from bench import stats_data
from portal import create_app
from portal.complaints.enums import ComplaintStatus, FindingOutcome
from portal.complaints.services import COUNTER_SERIES
from portal.complaints.workdays import is_working_day, reply_due
from portal.core import numbering
from portal.extensions import db
from tests.conftest import POSTGRES_URL, TEST_DATA_KEY, reset_database

pytestmark = pytest.mark.skipif(not POSTGRES_URL.startswith("postgresql"),
                                reason="needs PORTAL_TEST_DATABASE_URL on PostgreSQL")

COUNT = 2000
NOW = stats_data.BENCH_NOW
ZONE = ZoneInfo(stats_data.ZONE)
FINISHED = {"closed", "withdrawn", "rejected", "decided"}


@pytest.fixture(scope="module")
def cases() -> list[dict[str, object]]:
    """2,000 generated complaints, oldest first (generated once for the module)."""
    reset_database(POSTGRES_URL)
    stats_data.generate(POSTGRES_URL, COUNT, NOW, seed=7)
    return _query("SELECT * FROM complaints ORDER BY id")


def _query(statement: str, *parameters: object) -> list[dict[str, object]]:
    with psycopg.connect(stats_data.conninfo(POSTGRES_URL), row_factory=dict_row) as conn:
        return conn.execute(statement, parameters).fetchall()


def _share(rows, test):
    return sum(1 for row in rows if test(row)) / len(rows)


def test_numbers_digests_and_constraints(cases):
    assert len(cases) == COUNT
    by_year: dict[int, list[int]] = {}
    for case in cases:
        registered = case["registered_at"]
        assert NOW - timedelta(days=5 * 366) < registered < NOW
        assert case["year"] == registered.astimezone(ZONE).year
        assert case["tracking_number"] == f"TS-{case['year']}-{case['sequence']:06d}"
        assert re.fullmatch(r"[0-9a-f]{64}", case["submission_digest"])
        assert case["code_hash"]
        assert case["subject"] and case["description"]
        assert case["language"] in {"zh_Hans_CN", "en"}
        assert case["consent_publish"] is False and case["public_id"] is None
        assert case["status"] in {status.value for status in ComplaintStatus}
        assert case["first_contact_due_at"] == registered + timedelta(hours=24)
        by_year.setdefault(case["year"], []).append(case["sequence"])
    assert len({case["submission_digest"] for case in cases}) == COUNT
    for sequences in by_year.values():  # numbered in the order of filing, without gaps
        assert sequences == list(range(1, len(sequences) + 1))
    counters = {row["year"]: row["last"] for row in _query(
        "SELECT year, last FROM year_counters WHERE series = %s", COUNTER_SERIES)}
    assert counters == {year: len(sequences) for year, sequences in by_year.items()}


def test_new_filings_continue_the_numbering(cases):
    app = create_app({"DATABASE_URL": POSTGRES_URL, "SECRET_KEY": "x", "LOG_LEVEL": "WARNING",
                      "DATA_KEY": TEST_DATA_KEY, "CODE_PEPPER": "test-pepper"})
    last = max(case["sequence"] for case in cases if case["year"] == 2026)
    with app.app_context():
        assert numbering.next_number(COUNTER_SERIES, 2026) == last + 1
        db.session.rollback()
        db.engine.dispose()


def test_dates_follow_the_workflow(cases):
    for case in cases:
        registered, status = case["registered_at"], case["status"]
        moments = [case[name] for name in ("first_contacted_at", "replied_at", "closed_at")
                   if case[name] is not None]
        assert all(moment >= registered for moment in moments)
        assert (case["closed_at"] is not None) == (status in FINISHED)
        if case["reopen_count"] == 0:
            assert case["reply_due_at"] == reply_due(registered, 4, stats_data.ZONE)
        if status in {"replied", "closed"}:
            assert case["replied_at"] is not None
        if case["rating"] is not None:
            assert 1 <= case["rating"] <= 5 and case["resolved"] is not None
            assert case["replied_at"] is not None
        assert (case["escalated_at"] is not None) == (case["committee_due_at"] is not None)
        if status in {"escalated", "decided"}:
            assert case["escalated_at"] is not None
        if status not in FINISHED:  # only recent cases are still going on
            assert registered > NOW - timedelta(days=45), case


def test_decided_cases_have_their_outcome_event(cases):
    events = {row["complaint_id"]: row for row in _query("SELECT * FROM complaint_events")}
    decided = [case for case in cases if case["status"] == "decided"]
    assert decided and set(events) == {case["id"] for case in decided}
    for case in decided:
        event = events[case["id"]]
        assert (event["kind"], event["actor_kind"]) == ("status", "committee")
        assert (event["from_status"], event["to_status"]) == ("escalated", "decided")
        assert event["outcome"] in {outcome.value for outcome in FindingOutcome}
        assert event["rating"] is None and event["resolved"] is None
        assert case["escalated_at"] < event["created_at"] == case["closed_at"]
    escalated = _share(cases, lambda case: case["escalated_at"] is not None)
    assert 0.01 <= escalated <= 0.04
    assert len(decided) >= 0.8 * escalated * COUNT


def test_handling_mostly_keeps_its_deadlines(cases):
    contacted = [case for case in cases if case["first_contacted_at"] is not None]
    assert _share(contacted, lambda c: c["first_contacted_at"] <= c["first_contact_due_at"]) > 0.8
    answered = [case for case in cases if case["replied_at"] is not None]
    assert 0.85 <= _share(answered, lambda c: c["replied_at"] <= c["reply_due_at"]) <= 0.96
    assert 0.3 <= _share(answered, lambda c: c["rating"] is not None) <= 0.5
    rated = [case for case in answered if case["rating"] is not None]
    happy = [case["rating"] for case in rated if case["resolved"]]
    unhappy = [case["rating"] for case in rated if not case["resolved"]]
    assert sum(happy) / len(happy) > sum(unhappy) / len(unhappy) + 1
    assert _share(rated, lambda c: c["rating"] >= 4) > 0.5
    statuses = Counter(case["status"] for case in cases)
    assert statuses["closed"] > 0.8 * COUNT
    assert 0.01 < statuses["withdrawn"] / COUNT < 0.06
    assert 0.02 < statuses["rejected"] / COUNT < 0.07
    assert any(status not in FINISHED for status in statuses)


def test_distributions(cases):
    districts = Counter(case["district_code"] for case in cases)
    assert districts.most_common(1)[0][0] == "CENTRAL"
    assert min(districts, key=districts.__getitem__) == "NANLING"
    assert 1 <= districts["NANLING"] <= 30  # small counts
    categories = Counter(case["category_code"] for case in cases)
    top = {code for code, _count in categories.most_common(3)}
    assert {"BIZ-BILL", "OUT-REPAIR"} <= top
    assert categories["GRID"] < 0.02 * COUNT
    types = Counter(case["type"] for case in cases)
    assert 0.75 < types["complaint"] / COUNT < 0.85
    assert 0.09 < types["report"] / COUNT < 0.15
    assert 0.05 < types["suggestion"] / COUNT < 0.11
    local_days = Counter(case["registered_at"].astimezone(ZONE).date() for case in cases)
    start = (NOW - timedelta(days=5 * 365)).date()
    every_day = [start + timedelta(days=n) for n in range((NOW.date() - start).days)]

    def per_day(days: list[date]) -> float:
        return sum(local_days[day] for day in days) / len(days)

    summer = per_day([day for day in every_day if day.month in {7, 8}])
    spring = per_day([day for day in every_day if day.month in {3, 4, 5}])
    assert summer > 1.3 * spring
    working = per_day([day for day in every_day if is_working_day(day)])
    off = per_day([day for day in every_day if not is_working_day(day)])
    assert working > 1.5 * off


def test_rerun_is_recognised_and_refused(cases):
    assert stats_data.generated_with(POSTGRES_URL) == stats_data.marker(COUNT, NOW, 7)
    with pytest.raises(SystemExit, match="already holds complaints"):
        stats_data.generate(POSTGRES_URL, 10, datetime(2026, 1, 1, tzinfo=UTC))
