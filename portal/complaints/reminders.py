"""The daily duties of complaint handling: reminders to each handler of their cases due by the
end of the next working day or overdue, a summary for supervisors (administrators), and the
purge of contact details after retention (``portal.core.duties``; ``deploy/`` holds their
timers).

Each email is a background job that names only the person and the day; it reads the cases
when it runs, so a case answered meanwhile is left out, and an email with nothing to say is not
sent. Emails to staff are written in the portal's default language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.complaints import queries, services, throttle
from portal.complaints.models import Complaint
from portal.complaints.workdays import add_working_days, is_working_day
from portal.core import duties, jobs, mail, urls
from portal.core.formatting import date_filter
from portal.core.models import utcnow
from portal.extensions import db

STAFF_REMINDER = "staff-reminder-email"
SUPERVISOR_SUMMARY = "supervisor-summary-email"
# The cases one reminder lists at most (the inbox shows the rest).
LISTED_AT_MOST = 100


def _zone() -> ZoneInfo:
    return ZoneInfo(str(current_app.config["TIMEZONE"]))


def _local_day(moment: datetime) -> date:
    return moment.astimezone(_zone()).date()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), _zone())


def due_soon_until(day: date) -> datetime:
    """The end of the working day after ``day``: reminders on ``day`` list what is due by then."""
    return _start_of(add_working_days(day, 1) + timedelta(days=1))


def _recipients(*roles: Role) -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(
        User.role.in_(roles), User.disabled_at.is_(None), User.email.is_not(None),
        User.email != "").order_by(User.id)))


@duties.duty("staff-reminders", schedule="daily 08:00", daily=True)
def remind_handlers(now: datetime) -> str:
    """On a working day, one reminder to each handler (staff or administrator with an email)
    with cases due by the end of the next working day or overdue."""
    day = _local_day(now)
    if not is_working_day(day):
        return f"{day} is not a working day: no reminders"
    handlers = set(db.session.scalars(sa.select(Complaint.assigned_to_id).where(
        queries.due_before(due_soon_until(day)), Complaint.assigned_to_id.is_not(None))
        .distinct()))
    chosen = [user_id for user_id in _recipients(Role.STAFF, Role.ADMIN) if user_id in handlers]
    return f"{_queue(STAFF_REMINDER, chosen, day)} reminder(s) queued"


def _queue(kind: str, user_ids: list[int], day: date) -> int:
    """One email job of ``kind`` for each of ``user_ids`` (the person and the day only)."""
    for user_id in user_ids:
        jobs.later(kind, user_id=user_id, day=day.isoformat())
    return len(user_ids)


def _job(send: Callable[[User, date, datetime], bool]) -> Callable[[int, str], None]:
    """The job that sends ``send``'s email to the person, if the account still exists."""
    def run(user_id: int, day: str) -> None:
        user = db.session.get(User, user_id)
        if user is not None:
            send(user, date.fromisoformat(day), utcnow())
    return run


def _address(user: User) -> str | None:
    """Where an email to ``user`` goes: None without a mail server, an address or an
    account that is open."""
    if not mail.configured() or user.disabled_at is not None:
        return None
    return user.email or None


def send_reminder(user: User, day: date, now: datetime) -> bool:
    """The reminder of ``day`` to ``user``; False if there is nothing to say or nowhere to
    send it; raises if the mail server refused (the job tries again)."""
    address = _address(user)
    if address is None:
        return False
    mine = sa.and_(Complaint.assigned_to_id == user.id, queries.due_before(due_soon_until(day)))
    late = queries.due_before(now)
    total, overdue_count = db.session.execute(sa.select(
        sa.func.count(), sa.func.count(sa.case((late, 1)))).select_from(Complaint)
        .where(mine)).one()
    if not total:
        return False
    cases = list(db.session.scalars(sa.select(Complaint).where(mine).order_by(
        Complaint.reply_due_at, Complaint.id).limit(LISTED_AT_MOST)))
    overdue = [case for case in cases if case.overdue(now)]
    soon = [case for case in cases if not case.overdue(now)]
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        message = mail.new_message(
            address, _("Your cases: %(overdue)s overdue, %(soon)s due soon",
                          overdue=overdue_count, soon=total - overdue_count),
            render_template("complaints/email_reminder.txt", user=user, overdue=overdue,
                            soon=soon, overdue_count=overdue_count,
                            soon_count=total - overdue_count, until=add_working_days(day, 1),
                            now=now, more=total > len(cases),
                            inbox=urls.absolute("complaints_staff.inbox", mine=1)))
    return mail.deliver(message, f"reminder for account {user.id}")


jobs.handler(STAFF_REMINDER)(_job(send_reminder))


@dataclass(frozen=True)
class DaySummary:
    """What happened to the cases on a day, and where they stand now."""

    day: date
    filed: int
    answered: int
    closed: int
    escalated: int
    open: int
    overdue: int
    due_soon: int
    unassigned: int
    overdue_by_handler: list[tuple[str, int]]


def day_summary(day: date, now: datetime) -> DaySummary:
    """The figures of ``day`` (local) and of now, in a fixed number of queries."""
    start, end = _start_of(day), _start_of(day + timedelta(days=1))

    def on_the_day(column: Any) -> sa.ColumnElement[int]:
        return sa.func.count(sa.case((sa.and_(column >= start, column < end), 1)))

    def where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.count(sa.case((condition, 1)))

    that_day = db.session.execute(sa.select(
        on_the_day(Complaint.registered_at), on_the_day(Complaint.replied_at),
        on_the_day(Complaint.closed_at), on_the_day(Complaint.escalated_at))).one()
    overdue = queries.due_before(now)
    today = _local_day(now)
    standing = db.session.execute(sa.select(
        sa.func.count(), where(overdue),
        where(sa.and_(queries.due_before(due_soon_until(today)), sa.not_(overdue))),
        where(Complaint.assigned_to_id.is_(None))).where(
        Complaint.status.in_(queries.OPEN))).one()
    by_handler = db.session.execute(
        sa.select(User.display_name, sa.func.count()).join(
            Complaint, Complaint.assigned_to_id == User.id).where(overdue)
        .group_by(User.id, User.display_name).order_by(sa.func.count().desc(), User.id)
        .limit(20)).all()
    return DaySummary(day, *that_day, *standing,
                      [(name, count) for name, count in by_handler])


@duties.duty("supervisor-summary", schedule="daily 08:00", daily=True)
def summarize_for_supervisors(now: datetime) -> str:
    """One summary of yesterday and of the open cases to each administrator with an email."""
    day = _local_day(now) - timedelta(days=1)
    return f"{_queue(SUPERVISOR_SUMMARY, _recipients(Role.ADMIN), day)} summary email(s) " \
        f"queued for {day}"


def send_summary(user: User, day: date, now: datetime) -> bool:
    """The summary of ``day`` to ``user``; False if there is nowhere to send it; raises if
    the mail server refused."""
    address = _address(user)
    if address is None:
        return False
    summary = day_summary(day, now)
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        message = mail.new_message(
            address, _("Complaints on %(day)s: %(filed)s filed, %(overdue)s overdue now",
                          day=date_filter(day), filed=summary.filed, overdue=summary.overdue),
            render_template("complaints/email_summary.txt", user=user, summary=summary,
                            now=now, inbox=urls.absolute("complaints_staff.inbox", overdue=1)))
    return mail.deliver(message, f"summary for account {user.id}")


jobs.handler(SUPERVISOR_SUMMARY)(_job(send_summary))


@duties.duty("purge-contacts", schedule="daily 03:30")
def purge_contacts(now: datetime) -> str:
    """Contact details after retention, files of forms never sent, old failed look-ups (the
    same as ``flask complaints purge-contacts``; safe to repeat)."""
    count = services.purge_contacts(now)
    uploads = services.purge_stale_uploads(now)
    forgotten = throttle.purge(now)
    return (f"contact details deleted from {count} closed cases; {uploads} files of unsent "
            f"forms deleted; {forgotten} tracking numbers' old failures forgotten")
