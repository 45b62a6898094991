"""Failed tracking look-ups slow a tracking number down instead of locking it.

Clients are rate-limited first (``PORTAL_TRACK_RATE_LIMIT``). Per tracking number, from all
clients together, the ``PORTAL_TRACK_NUMBER_FREE_FAILURES``-th failure (the 5th) and each
further one make the number wait 2 seconds, doubling up to
``PORTAL_TRACK_NUMBER_MAX_DELAY_SECONDS``, during which look-ups of it are answered "try again
in N seconds" without checking the code. Whoever is told to wait keeps a ticket in their
session and is let through once that wait is over, even if others have failed since: so the
owner of a case waits at most the longest delay, however someone else keeps guessing.
Unknown and known numbers are treated alike. Rows are forgotten a day after the last failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from portal.complaints import services
from portal.complaints.models import TrackingThrottle
from portal.core import transactions
from portal.extensions import db

FIRST_DELAY = timedelta(seconds=2)
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class State:
    """What is known of a number's failures: whether any are recorded, and its wait."""

    has_failures: bool
    wait_until: datetime | None


def state(number: str, now: datetime) -> State:
    """The number's recorded failures and, if it is waiting now, until when (one query)."""
    row = db.session.execute(sa.select(TrackingThrottle.wait_until).where(
        TrackingThrottle.number == number)).first()
    if row is None:
        return State(False, None)
    until = row[0]
    return State(True, until if until is not None and until > now else None)


def _delay(failures: int) -> timedelta:
    free = int(current_app.config["TRACK_NUMBER_FREE_FAILURES"])
    if failures < free:
        return timedelta(0)
    cap = timedelta(seconds=int(current_app.config["TRACK_NUMBER_MAX_DELAY_SECONDS"]))
    return min(FIRST_DELAY * (1 << min(failures - free, 20)), cap)


def record_failure(number: str, now: datetime) -> None:
    """Count a failed look-up of ``number`` (one atomic upsert) and set its wait."""
    table = TrackingThrottle.__table__
    upsert: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(table) if db.session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(table))
    forgotten = table.c.last_failed_at < now - FORGET_AFTER
    statement = upsert.values(number=number, failures=1, last_failed_at=now).on_conflict_do_update(
        index_elements=[table.c.number],
        set_={"failures": sa.case((forgotten, 1), else_=table.c.failures + 1),
              "last_failed_at": now}).returning(table.c.failures)
    failures = int(db.session.execute(statement).scalar_one())
    delay = _delay(failures)
    if delay:
        db.session.execute(sa.update(TrackingThrottle).where(TrackingThrottle.number == number)
                           .values(wait_until=now + delay))


def record_success(number: str) -> None:
    """The right code was given: the number's failures are forgotten."""
    db.session.execute(sa.delete(TrackingThrottle).where(TrackingThrottle.number == number))


def look_up(number: str, code: str, known: State, now: datetime) -> str | None:
    """The case's tracking number if number and code match, else None. A failure is counted,
    and kept although the answer refuses; a success forgets the number's failures."""
    complaint = services.find_for_tracking(number, code)
    if complaint is None:
        record_failure(number, now)
        transactions.keep_despite_refusal()
        return None
    if known.has_failures:
        record_success(number)
    return complaint.tracking_number


def purge(now: datetime) -> int:
    """Forget numbers whose last failure is older than a day."""
    result = db.session.execute(sa.delete(TrackingThrottle).where(
        TrackingThrottle.last_failed_at < now - FORGET_AFTER))
    return int(getattr(result, "rowcount", 0) or 0)
