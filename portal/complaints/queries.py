"""The case lists, read-only: public cases, the staff inbox, the committee's queue and counts.

Each list is one ``select`` with its related rows loaded by ``selectinload`` (one query per
relation, whatever the page's length) and is shown a page at a time with ``db.paginate``. The
public list also counts its cases per filter value (``public_facets``), with ``GROUP BY``: a
fixed number of queries whatever the number of cases.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.complaints.enums import ComplaintStatus, ComplaintType
from portal.complaints.models import (
    INBOX_VALUES,
    LISTED,
    Complaint,
    status_in,
    waiting_last,
)
from portal.core import page_cache
from portal.core.cache import remember
from portal.extensions import db

PUBLIC_PAGE_SIZE = 20
INBOX_PAGE_SIZE = 20
# The inbox counts its cases up to this many (a count that costs the same at any size); past
# them, staff narrow the filters.
INBOX_COUNTED = 10_000
COMMITTEE_PAGE_SIZE = 20
OPEN = [status for status in ComplaintStatus if status.is_open]
WITH_THE_COMMITTEE = [ComplaintStatus.ESCALATED, ComplaintStatus.DECIDED]


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month where the portal's customers live (``PORTAL_TIMEZONE``)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """``2026-03`` -> Month; None for anything else (also months before 2000 or after 2100,
        which no case can have)."""
        match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip()) if text.isascii() else None
        if match is None:
            return None
        year, month = int(match.group(1)), int(match.group(2))
        return cls(year, month) if 2000 <= year <= 2100 and 1 <= month <= 12 else None

    @classmethod
    def of(cls, moment: datetime, zone: str) -> Month:
        """The local month of a moment."""
        local = moment.astimezone(ZoneInfo(zone))
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> Month:
        """The month after this one."""
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def start(self, zone: str) -> datetime:
        """Its first moment, in UTC."""
        return datetime(self.year, self.month, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC)


WEB_CHANNEL = "web"


@dataclass(frozen=True)
class CaseFilters:
    """What a list is narrowed to; None (or False) means no narrowing."""

    category: str | None = None
    district: str | None = None
    text: str | None = None
    status: ComplaintStatus | None = None
    open_only: bool = False  # open and escalated cases (the inbox's default)
    type: ComplaintType | None = None
    overdue: bool = False
    assignee_id: int | None = None
    month: Month | None = None  # registered in this local month
    # Filed through the portal's own form (WEB_CHANNEL) or a partner's key (its id, as text).
    channel: str | None = None

    def but(self, **changes: Any) -> CaseFilters:
        """These filters with some changed."""
        return dataclasses.replace(self, **changes)


def _zone() -> str:
    return str(current_app.config["TIMEZONE"])


def _conditions(filters: CaseFilters) -> list[sa.ColumnElement[bool]]:
    equal = ((Complaint.category_code, filters.category), (Complaint.district_code,
                                                           filters.district),
             (Complaint.status, filters.status), (Complaint.type, filters.type),
             (Complaint.assigned_to_id, filters.assignee_id))
    conditions = [column == value for column, value in equal if value is not None]
    if filters.text:
        conditions.append(Complaint.public_summary.contains(filters.text, autoescape=True))
    if filters.open_only:
        conditions.append(status_in(INBOX_VALUES, "inbox_statuses"))  # ix_complaints_inbox
    if filters.channel == WEB_CHANNEL:
        conditions.append(Complaint.api_key_id.is_(None))
    elif filters.channel is not None:
        conditions.append(Complaint.api_key_id == int(filters.channel))
    if filters.month is not None:
        zone = _zone()
        conditions += [Complaint.registered_at >= filters.month.start(zone),
                       Complaint.registered_at < filters.month.next().start(zone)]
    return conditions


def _narrowed(query: sa.Select[Complaint], filters: CaseFilters
              ) -> sa.Select[Complaint]:
    return query.where(*_conditions(filters))


def due_before(moment: datetime) -> sa.ColumnElement[bool]:
    """Open cases with a deadline not met before ``moment`` (the first contact or the reply):
    at ``now``, the overdue ones."""
    return sa.and_(Complaint.status.in_(OPEN), sa.or_(
        sa.and_(Complaint.first_contacted_at.is_(None), Complaint.first_contact_due_at < moment),
        sa.and_(Complaint.replied_at.is_(None), Complaint.reply_due_at < moment)))


PUBLISHED = LISTED  # the partial indexes' own expression (models.LISTED)


def public_cases(filters: CaseFilters) -> sa.Select[Complaint]:
    """Published cases (consented and approved), newest first."""
    query = sa.select(Complaint).where(*PUBLISHED)
    return _narrowed(query, filters).options(
        selectinload(Complaint.events), selectinload(Complaint.category),
        selectinload(Complaint.district)).order_by(Complaint.registered_at.desc(),
                                                   Complaint.id.desc())


@dataclass(frozen=True)
class Facets:
    """How many published cases each value of each filter would show, the other filters
    staying as they are."""

    category: Counter[str]
    district: Counter[str]
    status: Counter[ComplaintStatus]
    month: Counter[Month]


def _grouped(column: sa.orm.InstrumentedAttribute[Any], filters: CaseFilters) -> Counter[Any]:
    rows = db.session.execute(sa.select(column, sa.func.count()).where(
        *PUBLISHED, *_conditions(filters)).group_by(column))
    return Counter({value: count for value, count in rows})


def _by_month(filters: CaseFilters) -> Counter[Month]:
    """Cases per local month: the months between the first and the last case, each a range of
    ``registered_at`` (exact in any time zone, on every database), counted in one GROUP BY."""
    where = (*PUBLISHED, *_conditions(filters))
    first, last = db.session.execute(sa.select(
        sa.func.min(Complaint.registered_at), sa.func.max(Complaint.registered_at)).where(
        *where)).one()
    if first is None or last is None:
        return Counter()
    zone, months = _zone(), []
    month, final = Month.of(_aware(first), zone), Month.of(_aware(last), zone)
    while month <= final:
        months.append(month)
        month = month.next()
    index = sa.case(*((Complaint.registered_at < m.next().start(zone), i)
                      for i, m in enumerate(months)), else_=len(months) - 1).label("month")
    numbered = sa.select(index).where(*where).subquery()
    rows = db.session.execute(sa.select(numbered.c.month, sa.func.count()).group_by(
        numbered.c.month))
    return Counter({months[int(i)]: count for i, count in rows})


def _aware(moment: datetime) -> datetime:
    """Aggregates skip the column type: SQLite gives naive UTC (or even text) back."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def public_facets(filters: CaseFilters) -> Facets:
    """Counts for every filter of the public list, each leaving its own filter out."""
    return Facets(
        category=_grouped(Complaint.category_code, filters.but(category=None)),
        district=_grouped(Complaint.district_code, filters.but(district=None)),
        status=_grouped(Complaint.status, filters.but(status=None)),
        month=_by_month(filters.but(month=None)))


def public_counts(filters: CaseFilters) -> tuple[int, Facets]:
    """How many published cases the filters show, and the counts of every filter: counted once
    for each state of the public data (``page_cache.public_state``) and kept, so that the pages
    of one list, its other language and its next reader do not count the cases again."""
    def count() -> tuple[int, Facets]:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
            *PUBLISHED, *_conditions(filters))) or 0
        return total, public_facets(filters)

    state = page_cache.public_state()
    if state is None:
        return count()
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()[:32]
    return remember(f"complaints:public-counts:{state}:{digest}", count)


def inbox(filters: CaseFilters, now: datetime) -> sa.Select[Complaint]:
    """Cases for staff: those staff act on (open) first, soonest answer deadline first; then
    the others (answered, with the committee, finished), which wait on someone else."""
    query = _narrowed(sa.select(Complaint), filters)
    if filters.overdue:
        query = query.where(due_before(now))
    waiting = waiting_last("inbox_waiting")  # the order of ix_complaints_inbox
    return query.options(selectinload(Complaint.category), selectinload(Complaint.district),
                         selectinload(Complaint.assigned_to),
                         selectinload(Complaint.api_key)).order_by(
        waiting, Complaint.reply_due_at, Complaint.id)


class CommitteeStatus(StrEnum):
    """Which of the committee's cases a list shows."""

    ALL = "all"  # pending first
    PENDING = "pending"
    OVERDUE = "overdue"  # pending, past the committee's deadline
    DECIDED = "decided"


@dataclass(frozen=True)
class CommitteeFilters:
    """What the committee's list is narrowed to; None means no narrowing."""

    status: CommitteeStatus = CommitteeStatus.ALL
    category: str | None = None
    district: str | None = None
    # Escalated in [start, end): a month of the portal's time zone, in UTC.
    escalated_from: datetime | None = None
    escalated_until: datetime | None = None


def _with_the_committee(filters: CommitteeFilters) -> list[sa.ColumnElement[bool]]:
    """The committee's cases narrowed by everything but their status (what the counts share)."""
    where: list[sa.ColumnElement[bool]] = [Complaint.status.in_(WITH_THE_COMMITTEE)]
    equal = ((Complaint.category_code, filters.category),
             (Complaint.district_code, filters.district))
    where += [column == value for column, value in equal if value is not None]
    if filters.escalated_from is not None:
        where.append(Complaint.escalated_at >= filters.escalated_from)
    if filters.escalated_until is not None:
        where.append(Complaint.escalated_at < filters.escalated_until)
    return where


PENDING = Complaint.status == ComplaintStatus.ESCALATED


def _committee_overdue(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(PENDING, Complaint.committee_due_at < now)


def committee_queue(filters: CommitteeFilters, now: datetime) -> sa.Select[Complaint]:
    """Cases taken to the users' committee: pending first, soonest deadline first; then the
    decided ones, latest decision first."""
    query = sa.select(Complaint).where(*_with_the_committee(filters))
    if filters.status is CommitteeStatus.PENDING:
        query = query.where(PENDING)
    elif filters.status is CommitteeStatus.OVERDUE:
        query = query.where(_committee_overdue(now))
    elif filters.status is CommitteeStatus.DECIDED:
        query = query.where(Complaint.status == ComplaintStatus.DECIDED)
    due = sa.case((PENDING, Complaint.committee_due_at))  # NULL for decided cases
    decided = sa.case((PENDING, sa.null()), else_=Complaint.closed_at)  # NULL for pending ones
    # "IS NULL" first: SQLite and PostgreSQL put NULLs at opposite ends of an ordering.
    return query.options(
        selectinload(Complaint.category), selectinload(Complaint.district),
        selectinload(Complaint.decision)).order_by(
        sa.case((PENDING, 0), else_=1), due.is_(None), due, decided.is_(None), decided.desc(),
        Complaint.registered_at, Complaint.id)


@dataclass(frozen=True)
class CommitteeCounts:
    """How many of the committee's cases (under the filters other than status) are where."""

    pending: int
    overdue: int
    decided: int

    @property
    def total(self) -> int:
        """Pending and decided together."""
        return self.pending + self.decided


def committee_counts(filters: CommitteeFilters, now: datetime) -> CommitteeCounts:
    """Pending, overdue and decided cases, counted by the database in one statement."""
    def number(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    row = db.session.execute(sa.select(
        number(PENDING), number(_committee_overdue(now)),
        number(Complaint.status == ComplaintStatus.DECIDED)).where(
        *_with_the_committee(filters))).one()
    return CommitteeCounts(int(row[0]), int(row[1]), int(row[2]))


def first_escalation() -> datetime | None:
    """When the first case still on record was taken to the committee."""
    return db.session.scalar(sa.select(sa.func.min(Complaint.escalated_at)))
