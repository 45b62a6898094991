"""The case lists, read-only: public cases, the staff inbox, the committee's queue.

Each list is one ``select`` with its related rows loaded by ``selectinload`` (one query per
relation, whatever the page's length) and is shown a page at a time with ``db.paginate``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.complaints.enums import ComplaintStatus, ComplaintType
from portal.complaints.models import Complaint

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


def committee_queue() -> sa.Select[Complaint]:
    """Cases taken to the users' committee: undecided first, oldest first."""
    return sa.select(Complaint).where(Complaint.status.in_(WITH_THE_COMMITTEE)).options(
        selectinload(Complaint.category), selectinload(Complaint.district)).order_by(
        sa.case((Complaint.status == ComplaintStatus.ESCALATED, 0), else_=1),
        Complaint.registered_at, Complaint.id)



