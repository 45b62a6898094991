"""Scheduled duties: work that a timer starts (reminders, summaries, purges), safe to start
twice and on every host at once.

A domain registers a duty with ``@duties.duty("staff-reminders", schedule="daily 08:00",
daily=True)`` on a function that takes the moment of the run and returns what it did (a line
for the log). ``flask --app portal duties run NAME`` runs it:

- One run at a time across all hosts: a run takes the duty's row in ``duties`` with one UPDATE
  that only one process can win, and holds it for ``LEASE`` (a process that dies lets it go
  then). A second run meanwhile says so and ends without error.
- A ``daily`` duty does its work once per day of ``PORTAL_TIMEZONE``: the day is recorded in
  the same transaction as the work, so a run stopped halfway leaves nothing of it, and the next
  run does the whole day's work; a later run that day says it is done (``--force``: again).
- A duty that is not daily must be safe to repeat by itself (a purge).
- A failure is logged by kind (never its message, which may quote personal data; a ``Refused``
  duty's reason is shown), recorded on the row and ends the command with status 1, so that the
  timer shows it. Nothing of the failed run's transaction is kept.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.core import transactions
from portal.core.duty_models import DutyRecord
from portal.extensions import db

logger = logging.getLogger("portal.duties")
# How long a run holds its duty: longer than any run (a purge of a year's cases).
LEASE = timedelta(hours=1)


@dataclass(frozen=True)
class Duty:
    """A duty: what it does, when the timers in ``deploy/`` start it, and whether it is done
    once a day."""

    name: str
    work: Callable[[datetime], str]
    schedule: str
    daily: bool


DUTIES: dict[str, Duty] = {}


def duty(name: str, schedule: str, daily: bool = False
         ) -> Callable[[Callable[[datetime], str]], Callable[[datetime], str]]:
    """Register ``work`` as the duty ``name`` (at import: any host may run it)."""
    def register(work: Callable[[datetime], str]) -> Callable[[datetime], str]:
        DUTIES[name] = Duty(name, work, schedule, daily)
        return work
    return register


class Busy(Exception):
    """Another process holds the duty (its holder and until when, as the message)."""


class LostHold(Exception):
    """The run outlived its hold, which another run may have taken: its work is undone."""


class DoneToday(Exception):
    """A daily duty already did this day's work."""


class Refused(Exception):
    """A duty would not run, for a reason its message gives to the operator (never personal
    data): a clock that cannot be trusted, figures that cannot be protected."""


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _period(now: datetime) -> str:
    return now.astimezone(ZoneInfo(str(current_app.config["TIMEZONE"]))).date().isoformat()


def _take(name: str, now: datetime, holder: str) -> None:
    """Hold the duty for this run, or raise ``Busy``."""
    if db.session.get(DutyRecord, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(DutyRecord(name=name))
        except IntegrityError:  # another host added it first
            pass
    record = db.session.get(DutyRecord, name, populate_existing=True)
    dead = record.holder if record is not None and _died_here(record.holder) else None
    taken = db.session.execute(
        sa.update(DutyRecord).where(DutyRecord.name == name, sa.or_(
            DutyRecord.held_until.is_(None), DutyRecord.held_until < now,
            DutyRecord.holder == dead))
        .values(holder=holder, held_until=now + LEASE, last_started_at=now)
        .execution_options(synchronize_session=False))
    transactions.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        record = db.session.get(DutyRecord, name, populate_existing=True)
        raise Busy(f"{record.holder} until {record.held_until:%Y-%m-%d %H:%M} UTC"
                   if record is not None and record.holder and record.held_until else name)


def _died_here(holder: str | None) -> bool:
    """Whether ``holder`` was a process of this host that no longer runs (killed halfway):
    its hold is let go at once rather than at the end of its lease."""
    host, _sep, pid = (holder or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: alive
        return False
    return False


def release(name: str) -> bool:
    """Let go of a duty whatever holds it (an operator who knows its holder is gone); True if
    it was held."""
    released = db.session.execute(sa.update(DutyRecord).where(
        DutyRecord.name == name, DutyRecord.holder.is_not(None)).values(
        holder=None, held_until=None).execution_options(synchronize_session=False))
    transactions.commit()
    return bool(released.rowcount)  # type: ignore[attr-defined]


def _let_go(name: str, holder: str, **values: object) -> bool:
    """End this run's hold, noting ``values``; False if it no longer held the duty."""
    done = db.session.execute(sa.update(DutyRecord).where(
        DutyRecord.name == name, DutyRecord.holder == holder).values(
        holder=None, held_until=None, **values).execution_options(synchronize_session=False))
    return bool(done.rowcount)  # type: ignore[attr-defined]


def run(name: str, now: datetime, force: bool = False) -> str:
    """Run the duty ``name`` once; what it did. Raises ``Busy`` (another process runs it),
    ``DoneToday`` (a daily duty done for the day; ``force`` does it again) or the duty's own
    error (recorded on its row)."""
    chosen, holder = DUTIES[name], _holder()
    _take(name, now, holder)
    period = _period(now)
    try:
        record = db.session.get(DutyRecord, name, populate_existing=True)
        if chosen.daily and not force and record is not None and record.last_period == period:
            raise DoneToday(name)
        outcome = chosen.work(now)
        # The day's work and the mark that it is done are one transaction, kept only if this
        # run still held the duty (it may have outlived its lease).
        if not _let_go(name, holder, last_finished_at=now, last_outcome=outcome[:300],
                       last_period=period if chosen.daily else None):
            raise LostHold(name)
        transactions.commit()
    except DoneToday:
        transactions.rollback()
        _let_go(name, holder)
        transactions.commit()
        raise
    except Exception as error:
        transactions.rollback()
        logger.error("duty %s failed: %s", name, type(error).__name__)
        _let_go(name, holder, last_error=type(error).__name__[:80], last_failed_at=now)
        transactions.commit()
        raise
    logger.info("duty %s: %s", name, outcome)
    return outcome
