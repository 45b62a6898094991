"""Read-only queries of the committee's public lists: decisions searched and filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.committee.enums import DecisionOutcome
from portal.committee.models import Decision
from portal.core.publication import PublicationStatus

PAGE_SIZE = 20


@dataclass(frozen=True)
class DecisionFilters:
    """What a reader searches for; None narrows nothing."""

    words: str | None = None
    start: date | None = None
    end: date | None = None
    outcome: DecisionOutcome | None = None


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
    return query.options(selectinload(Decision.amends), selectinload(Decision.amendments)) \
        .order_by(Decision.decided_on.desc(), Decision.year.desc(), Decision.sequence.desc())


def filters_of(form: Any, valid: bool) -> DecisionFilters:
    """The filters a valid search form names (an invalid one narrows nothing)."""
    if not valid:
        return DecisionFilters()
    outcome = DecisionOutcome(form.outcome.data) if form.outcome.data else None
    return DecisionFilters((form.q.data or "").strip() or None, form.start.data, form.end.data,
                           outcome)
