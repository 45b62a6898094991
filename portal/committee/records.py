"""How a published term, a meeting (agenda, then attendance and minutes), a published decision
(or amendment), a notice of irregular service and each of its updates read in the transparency
log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.committee.models import Decision, Meeting, Notice, NoticeUpdate, Term
from portal.committee.services import apportionment_of
from portal.core.publication import PublicationStatus
from portal.extensions import db
from portal.transparency.records import RecordKind, fixed, register_kind


def term_key(term: Term) -> str:
    """``committee-term:<id>``."""
    return f"committee-term:{term.id}"


def term_content(term: Term) -> dict[str, Any]:
    """A published term as its public page shows it: dates, seats, fees and the seats each
    class receives."""
    totals = apportionment_of(term).totals()
    return {
        "starts_on": term.starts_on, "ends_on": term.ends_on, "total_seats": term.total_seats,
        "minimum_seats": term.minimum_seats, "reference_year": term.reference_year,
        "method": "largest_remainder",
        "classes": [{"customer_class": row.customer_class.value, "fees": fixed(row.fees, 2),
                     "source": row.source, "source_url": row.source_url,
                     "seats": totals[row.customer_class.value]}
                    for row in sorted(term.fees, key=lambda row: row.customer_class.value)],
    }


def _published_terms() -> Iterable[tuple[Any, datetime]]:
    terms = db.session.scalars(
        sa.select(Term).where(Term.status == PublicationStatus.PUBLISHED)
        .options(selectinload(Term.fees)).order_by(Term.published_at, Term.id))
    return [(term, term.published_at or term.created_at) for term in terms]


def meeting_key(meeting: Meeting) -> str:
    """``committee-meeting:<id>``."""
    return f"committee-meeting:{meeting.id}"


def meeting_content(meeting: Meeting) -> dict[str, Any]:
    """A meeting as its public page shows it: when and where, the agenda, and once it has taken
    place who attended and the minutes (each version of the agenda is kept in the log)."""
    return {"starts_at": meeting.starts_at, "place": meeting.place, "agenda": meeting.agenda,
            "attendees": [{"member_id": m.id, "name": m.name}
                          for m in sorted(meeting.attendees, key=lambda m: m.id)],
            "minutes": meeting.minutes}


def _meetings() -> Iterable[tuple[Any, datetime]]:
    found = db.session.scalars(sa.select(Meeting).options(selectinload(Meeting.attendees))
                               .order_by(Meeting.created_at, Meeting.id))
    return [(meeting, meeting.created_at) for meeting in found]


def decision_key(decision: Decision) -> str:
    """``committee-decision:UC-2026-007``."""
    return f"committee-decision:{decision.number}"


def decision_content(decision: Decision) -> dict[str, Any]:
    """A published decision as its public page shows it (complaints by their public
    permalink only: a tracking number is the complainant's)."""
    return {
        "number": decision.number, "amends": decision.amends.number if decision.amends else None,
        "decided_on": decision.decided_on, "meeting_id": decision.meeting_id,
        "title_zh": decision.title_zh, "title_en": decision.title_en,
        "category": decision.category.value, "body_zh": decision.body_zh,
        "body_en": decision.body_en,
        "outcome": decision.outcome.value,
        "votes": {"for": decision.votes_for, "against": decision.votes_against,
                  "abstain": decision.votes_abstain, "absent": decision.votes_absent},
        "roll_call": [{"member_id": v.member_id, "vote": v.vote.value}
                      for v in decision.roll_call],
        "complaints": [c.public_id for c in decision.complaints if c.public_id],
        "tariffs": [t.code for t in decision.tariffs],
        "fee_items": [f.code for f in decision.fee_items],
        "attachments": [{"title": a.title, "sha256": a.sha256, "size": a.size}
                        for a in decision.attachments],
    }


def _published_decisions() -> Iterable[tuple[Any, datetime]]:
    decisions = db.session.scalars(
        sa.select(Decision).where(Decision.status == PublicationStatus.PUBLISHED)
        .options(selectinload(Decision.roll_call), selectinload(Decision.complaints),
                 selectinload(Decision.tariffs), selectinload(Decision.fee_items),
                 selectinload(Decision.attachments), selectinload(Decision.amends))
        .order_by(Decision.published_at, Decision.id))
    return [(decision, decision.published_at or decision.created_at) for decision in decisions]


def notice_key(notice: Notice) -> str:
    """``committee-notice:UCN-2026-003``."""
    return f"committee-notice:{notice.number}"


def notice_content(notice: Notice) -> dict[str, Any]:
    """A published notice as its public page shows it; ``closed_on`` is set by the update that
    closes it (the log then holds the notice again, closed)."""
    return {
        "number": notice.number, "decision": notice.decision.number,
        "title_zh": notice.title_zh, "title_en": notice.title_en,
        "unit_zh": notice.unit_zh, "unit_en": notice.unit_en, "happened_on": notice.happened_on,
        "facts_zh": notice.facts_zh, "facts_en": notice.facts_en,
        "finding_zh": notice.finding_zh, "finding_en": notice.finding_en,
        "action_zh": notice.action_zh, "action_en": notice.action_en,
        "action_due": notice.action_due, "closed_on": notice.closed_on,
    }


def _published_notices() -> Iterable[tuple[Any, datetime]]:
    notices = db.session.scalars(
        sa.select(Notice).where(Notice.status == PublicationStatus.PUBLISHED)
        .options(selectinload(Notice.decision)).order_by(Notice.published_at, Notice.id))
    return [(notice, notice.published_at or notice.created_at) for notice in notices]


def update_key(update: NoticeUpdate) -> str:
    """``committee-notice:UCN-2026-003:update:<id>``."""
    return f"committee-notice:{update.notice.number}:update:{update.id}"


def update_content(update: NoticeUpdate) -> dict[str, Any]:
    """A published update of a notice."""
    return {"notice": update.notice.number, "body_zh": update.body_zh,
            "body_en": update.body_en, "closes": update.closes}


def _published_updates() -> Iterable[tuple[Any, datetime]]:
    updates = db.session.scalars(
        sa.select(NoticeUpdate).where(NoticeUpdate.status == PublicationStatus.PUBLISHED)
        .options(selectinload(NoticeUpdate.notice))
        .order_by(NoticeUpdate.published_at, NoticeUpdate.id))
    return [(update, update.published_at or update.created_at) for update in updates]


def register(app: Flask) -> None:
    """Make the log record every published term, decision (amendments included), notice and
    update of a notice."""
    register_kind(app, RecordKind("committee_term", _l("Committee term and seats"), Term,
                                  term_key, term_content, _published_terms,
                                  page=lambda key: url_for("committee.term_seats",
                                                           term_id=int(key.split(":")[1]))))
    register_kind(app, RecordKind("committee_meeting", _l("Committee meeting"), Meeting,
                                  meeting_key, meeting_content, _meetings,
                                  page=lambda key: url_for("committee.meeting",
                                                           meeting_id=int(key.split(":")[1]))))
    register_kind(app, RecordKind("committee_decision", _l("Committee decision"), Decision,
                                  decision_key, decision_content, _published_decisions,
                                  page=lambda key: url_for("committee.decision",
                                                           number=key.split(":")[1])))
    register_kind(app, RecordKind("committee_notice", _l("Notice of irregular service"),
                                  Notice, notice_key, notice_content, _published_notices,
                                  page=_notice_page))
    register_kind(app, RecordKind("committee_notice_update",
                                  _l("Update of a notice of irregular service"), NoticeUpdate,
                                  update_key, update_content, _published_updates,
                                  page=_notice_page))


def _notice_page(key: str) -> str:
    """``committee-notice:<number>[:update:<id>]``: the notice's page."""
    return url_for("committee.notice", number=key.split(":")[1])
