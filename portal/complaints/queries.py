"""The case lists, read-only: public cases, the staff inbox, the committee's queue and counts.

Each list is one ``select`` with its related rows loaded by ``selectinload`` (one query per
relation, whatever the page's length) and is shown a page at a time with ``db.paginate``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.complaints.enums import ComplaintStatus, ComplaintType
from portal.complaints.models import Complaint
from portal.extensions import db

PUBLIC_PAGE_SIZE = 20
INBOX_PAGE_SIZE = 20
COMMITTEE_PAGE_SIZE = 20
OPEN = [status for status in ComplaintStatus if status.is_open]
WITH_THE_COMMITTEE = [ComplaintStatus.ESCALATED, ComplaintStatus.DECIDED]


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

    def but(self, **changes: Any) -> CaseFilters:
        """These filters with some changed."""
        return dataclasses.replace(self, **changes)


def _narrowed(query: sa.Select[Complaint], filters: CaseFilters
              ) -> sa.Select[Complaint]:
    equal = ((Complaint.category_code, filters.category), (Complaint.district_code,
                                                           filters.district),
             (Complaint.status, filters.status), (Complaint.type, filters.type),
             (Complaint.assigned_to_id, filters.assignee_id))
    query = query.where(*(column == value for column, value in equal if value is not None))
    if filters.text:
        query = query.where(Complaint.public_summary.contains(filters.text, autoescape=True))
    if filters.open_only:
        query = query.where(Complaint.status.in_([*OPEN, ComplaintStatus.ESCALATED]))
    return query


def _overdue(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Complaint.status.in_(OPEN), sa.or_(
        sa.and_(Complaint.first_contacted_at.is_(None), Complaint.first_contact_due_at < now),
        sa.and_(Complaint.replied_at.is_(None), Complaint.reply_due_at < now)))


def public_cases(filters: CaseFilters) -> sa.Select[Complaint]:
    """Published cases (consented and approved), newest first."""
    query = sa.select(Complaint).where(Complaint.consent_publish.is_(True),
                                       Complaint.summary_approved_at.is_not(None))
    return _narrowed(query, filters).options(
        selectinload(Complaint.events), selectinload(Complaint.category),
        selectinload(Complaint.district)).order_by(Complaint.registered_at.desc(),
                                                   Complaint.id.desc())


def inbox(filters: CaseFilters, now: datetime) -> sa.Select[Complaint]:
    """Cases for staff, soonest answer deadline first."""
    query = _narrowed(sa.select(Complaint), filters)
    if filters.overdue:
        query = query.where(_overdue(now))
    return query.options(selectinload(Complaint.category), selectinload(Complaint.district),
                         selectinload(Complaint.assigned_to)).order_by(Complaint.reply_due_at,
                                                                       Complaint.id)


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
