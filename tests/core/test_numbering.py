"""Numbers per series and year (portal/core/numbering.py): one counter per series, a new year
starts at 1, a rolled-back transaction gives its number back, and concurrent transactions on
PostgreSQL take distinct numbers without gaps."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.core.numbering import YearCounter, formatted, next_number
from portal.extensions import db
from tests.conftest import POSTGRES_URL


def _stored(series):
    return {row.year: row.last for row in db.session.scalars(
        sa.select(YearCounter).where(YearCounter.series == series))}


def test_numbers_count_up_from_one(app):
    with app.app_context():
        assert [next_number("decision", 2026) for _ in range(3)] == [1, 2, 3]
        db.session.commit()
        assert next_number("decision", 2026) == 4
        db.session.commit()
        assert _stored("decision") == {2026: 4}


def test_two_series_do_not_share_numbers(app):
    with app.app_context():
        assert next_number("decision", 2026) == 1
        assert next_number("notice", 2026) == 1
        assert next_number("decision", 2026) == 2
        assert next_number("notice", 2026) == 2
        assert next_number("notice", 2026) == 3
        db.session.commit()
        assert _stored("decision") == {2026: 2}
        assert _stored("notice") == {2026: 3}


def test_each_year_restarts_at_one(app):
    with app.app_context():
        assert [next_number("decision", 2026) for _ in range(2)] == [1, 2]
        assert next_number("decision", 2027) == 1
        assert next_number("decision", 2026) == 3
        assert next_number("decision", 2027) == 2
        db.session.commit()
        assert _stored("decision") == {2026: 3, 2027: 2}


def test_a_rolled_back_transaction_gives_its_number_back(app):
    with app.app_context():
        assert next_number("decision", 2026) == 1
        db.session.commit()
        assert next_number("decision", 2026) == 2
        db.session.rollback()
        assert next_number("decision", 2026) == 2
        db.session.commit()
        assert next_number("decision", 2030) == 1  # the first of a year too
        db.session.rollback()
        assert next_number("decision", 2030) == 1
        db.session.commit()
        assert _stored("decision") == {2026: 2, 2030: 1}


def test_complaints_count_in_their_own_series(app):
    """Filing a complaint takes the next number of the series "complaint" and nobody else's."""
    from portal.complaints import services
    from portal.core.models import utcnow
    from tests.complaints.conftest import FILING

    with app.app_context():
        next_number("decision", utcnow().year)
        receipt = services.submit_complaint(services.Filing(**FILING), "key-1", utcnow())
        db.session.commit()
        assert receipt.complaint.sequence == 1
        assert _stored(services.COUNTER_SERIES) == {receipt.complaint.year: 1}
        assert next_number("decision", utcnow().year) == 2


@pytest.mark.parametrize("series", ["", "x" * 41])
def test_a_series_needs_a_name_that_fits(app, series):
    with app.app_context(), pytest.raises(ValueError, match="series"):
        next_number(series, 2026)


def test_formatted_numbers():
    assert formatted("UC", 2026, 7) == "UC-2026-007"
    assert formatted("UC", 2026, 123) == "UC-2026-123"
    assert formatted("UC", 2026, 1234) == "UC-2026-1234"  # more than the width: all digits
    assert formatted("TS", 2026, 42, width=6) == "TS-2026-000042"
    assert formatted("UC", 2026, 0) == "UC-2026-000"  # a number typed in to be looked up
    with pytest.raises(ValueError, match="negative"):
        formatted("UC", 2026, -1)
    with pytest.raises(ValueError, match="digit"):
        formatted("UC", 2026, 1, width=0)


THREADS = 8
EACH = 5


@pytest.mark.skipif(not POSTGRES_URL, reason="row locks need PostgreSQL (SQLite runs one writer)")
def test_concurrent_transactions_take_distinct_numbers_without_gaps(app):
    """Each thread has its own session; every third transaction is rolled back, and the
    committed numbers are still 1, 2, 3... with no twin and no gap, in two series at once."""
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []
    committed: dict[str, list[int]] = {"decision": [], "notice": []}
    lock = threading.Lock()

    def taker(thread: int) -> None:
        series = "decision" if thread % 2 else "notice"
        try:
            with app.app_context():
                start.wait()
                for i in range(EACH):
                    number = next_number(series, 2026)
                    if (thread + i) % 3 == 0:
                        db.session.rollback()
                        continue
                    db.session.commit()
                    with lock:
                        committed[series].append(number)
                db.session.remove()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=taker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with app.app_context():
        for series, numbers in committed.items():
            assert sorted(numbers) == list(range(1, len(numbers) + 1)), series
            assert _stored(series) == {2026: len(numbers)}
    assert sum(len(numbers) for numbers in committed.values()) > THREADS * EACH // 2
