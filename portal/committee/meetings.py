"""The committee's meetings: when and where, the agenda (public before the meeting), who
attended and the minutes (public after it). Services check, ``flush()`` and raise
``CommitteeError``; they never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.committee.models import CommitteeMember, Meeting, Term
from portal.committee.services import CommitteeError, _text, seated_on, term_on
from portal.core import page_cache, publication
from portal.core.markdown import render_markdown
from portal.core.models import utcnow
from portal.extensions import db

MAX_TEXT = 20_000
MINUTES_ARE_FINAL = _l("The minutes of this meeting are published: they never change. A "
                       "correction is a decision of the committee.")


def local_date(moment: datetime) -> date:
    """The day of ``moment`` where the portal's customers live."""
    return moment.astimezone(ZoneInfo(str(current_app.config["TIMEZONE"]))).date()


@dataclass(frozen=True)
class MeetingData:
    """What a member enters for a meeting."""

    starts_at: datetime  # UTC-aware
    place: str
    agenda: str


def _markdown(value: str | None, field: str, required: bool) -> str | None:
    """Markdown as typed (rendered safely when shown); control characters are refused."""
    cleaned = _text(value, MAX_TEXT, field, required=required)
    if cleaned is not None:
        render_markdown(cleaned)  # text the renderer cannot take is refused here, not shown
    return cleaned


def _term_of(starts_at: datetime) -> Term:
    term = term_on(local_date(starts_at))
    if term is None:
        raise CommitteeError(_l("No published term of the committee covers this date."),
                             "starts_at")
    return term


def create_meeting(data: MeetingData, author: User | None,
                   now: datetime | None = None) -> Meeting:
    """Schedule a meeting within a published term, with its agenda (public at once, and in the
    transparency log)."""
    term = _term_of(data.starts_at)
    meeting = Meeting(term=term, starts_at=data.starts_at,
                      place=_text(data.place, 200, "place") or "",
                      agenda=_markdown(data.agenda, "agenda", True) or "",
                      created_by_id=author.id if author is not None else None)
    db.session.add(meeting)
    db.session.flush()
    publication.announce(meeting, author, now or utcnow())
    return meeting


def update_meeting(meeting: Meeting, data: MeetingData, now: datetime,
                   author: User | None = None) -> Meeting:
    """Change the date, place or agenda of a meeting that has not taken place yet (the log
    keeps each version)."""
    if meeting.starts_at <= now:
        raise CommitteeError(_l("This meeting has taken place: its date, place and agenda can "
                                "no longer change."), "starts_at")
    if has_decisions(meeting):
        raise CommitteeError(_l("Decisions refer to this meeting: its date can no longer "
                                "change."), "starts_at")
    term = _term_of(data.starts_at)
    meeting.term = term
    meeting.starts_at = data.starts_at
    meeting.place = _text(data.place, 200, "place") or ""
    meeting.agenda = _markdown(data.agenda, "agenda", True) or ""
    db.session.flush()
    publication.announce(meeting, author, now)
    return meeting


def has_decisions(meeting: Meeting) -> bool:
    """Whether a decision (draft or published) refers to the meeting."""
    from portal.committee.models import Decision

    return db.session.scalar(sa.select(Decision.id).where(
        Decision.meeting_id == meeting.id).limit(1)) is not None


def seated_at(meeting: Meeting) -> list[CommitteeMember]:
    """The members seated on the meeting's day."""
    return seated_on(meeting.term, local_date(meeting.starts_at))


def record_minutes(meeting: Meeting, minutes: str, attendee_ids: Sequence[int],
                   now: datetime, author: User | None = None) -> Meeting:
    """After the meeting: its minutes and who of the members seated that day attended, public
    and final (in the transparency log): published minutes never change."""
    if meeting.minutes is not None:
        raise CommitteeError(MINUTES_ARE_FINAL, "minutes")
    if meeting.starts_at > now:
        raise CommitteeError(_l("Minutes and attendance are recorded after the meeting."),
                             "minutes")
    seated = {member.id: member for member in seated_at(meeting)}
    unknown = [member_id for member_id in attendee_ids if member_id not in seated]
    if unknown:
        raise CommitteeError(_l("Only members seated on the day of the meeting can attend it."),
                             "attendees")
    meeting.minutes = _markdown(minutes, "minutes", True)
    meeting.attendees = [seated[member_id] for member_id in sorted(set(attendee_ids))]
    db.session.flush()
    publication.announce(meeting, author, now)
    return meeting


def upcoming(now: datetime, limit: int | None = None) -> Sequence[Meeting]:
    """Meetings still to come, soonest first."""
    query = sa.select(Meeting).where(Meeting.starts_at > now).order_by(Meeting.starts_at)
    if limit is not None:
        query = query.limit(limit)
    found = db.session.scalars(query).all()
    # A page that shows them changes when the first begins.
    page_cache.valid_until(found[0].starts_at if found else None)
    return found


def past_query(now: datetime) -> sa.Select[Any]:
    """Meetings that have taken place, latest first (a list that grows: paginated)."""
    return sa.select(Meeting).where(Meeting.starts_at <= now).options(
        selectinload(Meeting.attendees)).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
