"""Read-only queries of the committee's public lists: decisions and notices searched and
filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.committee.enums import DecisionCategory, DecisionOutcome, NoticeState
from portal.committee.models import Decision, Notice
from portal.core.publication import PublicationStatus

PAGE_SIZE = 20


@dataclass(frozen=True)
class DecisionFilters:
    """What a reader searches for; None narrows nothing."""

    words: str | None = None
    start: date | None = None
    end: date | None = None
    outcome: DecisionOutcome | None = None
    category: DecisionCategory | None = None


def _like(words: str) -> str:
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def published_decisions(filters: DecisionFilters) -> sa.Select[Any]:
    """Published decisions matching ``filters``, newest first, with what the list shows."""
    query = sa.select(Decision).where(Decision.status == PublicationStatus.PUBLISHED)
    for word in (filters.words or "").split():
        pattern = _like(word.lower())
        query = query.where(sa.or_(*(sa.func.lower(column).like(pattern, escape="\\")
                                     for column in (Decision.number, Decision.title_zh,
                                                    Decision.title_en, Decision.body_zh,
                                                    Decision.body_en))))
    if filters.start is not None:
        query = query.where(Decision.decided_on >= filters.start)
    if filters.end is not None:
        query = query.where(Decision.decided_on <= filters.end)
    if filters.outcome is not None:
        query = query.where(Decision.outcome == filters.outcome)
    if filters.category is not None:
        query = query.where(Decision.category == filters.category)
    return query.options(selectinload(Decision.amends), selectinload(Decision.amendments)) \
        .order_by(Decision.decided_on.desc(), Decision.year.desc(), Decision.sequence.desc())


def filters_of(form: Any, valid: bool) -> DecisionFilters:
    """The filters a valid search form names (an invalid one narrows nothing)."""
    if not valid:
        return DecisionFilters()
    outcome = DecisionOutcome(form.outcome.data) if form.outcome.data else None
    category = DecisionCategory(form.category.data) if form.category.data else None
    return DecisionFilters((form.q.data or "").strip() or None, form.start.data, form.end.data,
                           outcome, category)


@dataclass(frozen=True)
class NoticeFilters:
    """What a reader searches for in the notices; None narrows nothing."""

    words: str | None = None
    start: date | None = None
    end: date | None = None
    state: NoticeState | None = None


def published_notices(filters: NoticeFilters, today: date) -> sa.Select[Any]:
    """Published notices matching ``filters``, newest first (``today`` decides which are
    overdue)."""
    from portal.committee.notices import state_clause

    query = sa.select(Notice).where(Notice.status == PublicationStatus.PUBLISHED)
    for word in (filters.words or "").split():
        pattern = _like(word.lower())
        query = query.where(sa.or_(*(sa.func.lower(column).like(pattern, escape="\\")
                                     for column in (Notice.number, Notice.title_zh,
                                                    Notice.title_en, Notice.unit_zh,
                                                    Notice.unit_en, Notice.facts_zh,
                                                    Notice.facts_en, Notice.finding_zh,
                                                    Notice.finding_en, Notice.action_zh,
                                                    Notice.action_en)),
                                   Notice.decision_id.in_(sa.select(Decision.id).where(
                                       sa.func.lower(Decision.number).like(
                                           pattern, escape="\\")))))
    if filters.start is not None:
        query = query.where(Notice.published_at >= _start_of(filters.start))
    if filters.end is not None:
        query = query.where(Notice.published_at < _start_of(filters.end + timedelta(days=1)))
    if filters.state is not None:
        query = query.where(state_clause(filters.state, today))
    return query.options(selectinload(Notice.decision)).order_by(
        Notice.published_at.desc(), Notice.id.desc())


def _start_of(day: date) -> datetime:
    """The first moment of ``day`` where the portal's customers live, in UTC."""
    zone = ZoneInfo(str(current_app.config["TIMEZONE"]))
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def notice_filters_of(form: Any, valid: bool) -> NoticeFilters:
    """The filters a valid notice search names (an invalid one narrows nothing)."""
    if not valid:
        return NoticeFilters()
    state = NoticeState(form.state.data) if form.state.data else None
    return NoticeFilters((form.q.data or "").strip() or None, form.start.data, form.end.data,
                         state)
