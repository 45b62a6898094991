"""The committee's numbered decisions: a member drafts, another member publishes, and a
published decision never changes (a correction is an amendment, itself a decision).

Services check, ``flush()`` and raise ``CommitteeError``; they never commit. What a member may
do next with a decision (``allowed_actions``) is decided here, once, for views and templates.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.committee import services
from portal.committee.enums import DecisionCategory, DecisionOutcome, Vote
from portal.committee.meetings import _markdown, local_date, seated_at
from portal.committee.models import (
    CommitteeMember,
    Decision,
    DecisionAttachment,
    DecisionVote,
    Meeting,
)
from portal.committee.services import MAX_ID, CommitteeError, _text
from portal.core import numbering, publication
from portal.core.publication import PublicationStatus
from portal.extensions import db

COUNTER_SERIES = "committee_decision"
PREFIX = "UC"
NUMBER = re.compile(r"UC-\d{4}-\d{3,}")
MAX_LINKS = 20
MAX_FILES = 5
PDF = "application/pdf"
ONLY_THE_DRAFTER_DELETES = _l("Only the member who drafted it can delete a draft; another "
                              "member may change it (and then becomes its drafter).")
PUBLISHED_IS_FINAL = _l("A published decision never changes. To correct it, draft an "
                        "amendment.")


class Action(enum.Enum):
    """What a member may do with a decision."""

    EDIT = "edit"
    PUBLISH = "publish"
    AMEND = "amend"
    DELETE = "delete"


@dataclass(frozen=True)
class DecisionData:
    """What a member enters for a decision."""

    meeting_id: int
    title_zh: str
    body_zh: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    votes_absent: int
    title_en: str | None = None
    body_en: str | None = None
    category: DecisionCategory = DecisionCategory.COMMITTEE
    # each seated member's vote, when the committee publishes the roll call
    roll_call: Mapping[int, Vote] | None = None
    complaints: Sequence[str] = ()
    tariffs: Sequence[str] = ()
    fee_items: Sequence[str] = ()
    attachments: Sequence[tuple[str, str, bytes]] = field(default=())  # title, type, bytes


def member_for(user: User | None, day: datetime) -> CommitteeMember:
    """The member an account acts as, seated on the local day of ``day``; refused otherwise."""
    today = local_date(day)
    found = None
    if user is not None and Role(user.role) is Role.COMMITTEE:
        found = next((m for m in db.session.scalars(sa.select(CommitteeMember).where(
            CommitteeMember.user_id == user.id)) if m.seated_on(today)), None)
    if found is None:
        raise CommitteeError(_l("Only an account linked to a member seated on the committee "
                                "today can do this."))
    return found


def allowed_actions(decision: Decision, user: User | None, now: datetime) -> set[Action]:
    """What ``user`` may do with ``decision`` now."""
    try:
        member_for(user, now)
    except CommitteeError:
        return set()
    if decision.is_published:
        return {Action.AMEND}
    if user is not None and decision.drafted_by_id == user.id:
        return {Action.EDIT, Action.DELETE}  # only its drafter throws a draft away
    return {Action.EDIT, Action.PUBLISH}


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id) if 0 < meeting_id <= MAX_ID else None
    if meeting is None:
        raise CommitteeError(_l("Choose a meeting of the committee."), "meeting_id")
    return meeting


def _check_votes(meeting: Meeting, data: DecisionData) -> None:
    counts = (data.votes_for, data.votes_against, data.votes_abstain, data.votes_absent)
    if any(count < 0 for count in counts):
        raise CommitteeError(_l("A number of votes cannot be negative."), "votes_for")
    seated = seated_at(meeting)
    if not seated:  # four zeros would add up: a decision of nobody
        raise CommitteeError(_l("No member was seated on the day of the meeting: the committee "
                                "could not decide anything that day."), "meeting_id")
    if sum(counts) != len(seated):
        raise CommitteeError(_l(
            "The votes for, against, abstentions and absences add up to %(total)s, but "
            "%(seated)s members were seated on the day of the meeting.",
            total=sum(counts), seated=len(seated)), "votes_for")
    if data.roll_call is None:
        return
    if set(data.roll_call) != {member.id for member in seated}:
        raise CommitteeError(_l("The roll call must give the vote of every member seated on "
                                "the day of the meeting, and of no one else."), "roll_call")
    tally = {vote: sum(1 for v in data.roll_call.values() if v is vote) for vote in Vote}
    if (tally[Vote.FOR], tally[Vote.AGAINST], tally[Vote.ABSTAIN], tally[Vote.ABSENT]) != counts:
        raise CommitteeError(_l("The roll call does not agree with the totals of the votes."),
                             "roll_call")


def _links(data: DecisionData) -> tuple[list[Any], list[Any], list[Any]]:
    from portal.complaints.models import Complaint
    from portal.fees.models import FeeItem, Tariff

    found: list[list[Any]] = []
    # a decision cites the complaints taken to the committee: the only ones its members see
    for model, column, values, name, message, scope in (
            (Complaint, Complaint.tracking_number, data.complaints, "complaints",
             _l("No complaint taken to the committee has the tracking number %(value)s."),
             Complaint.escalated_at.is_not(None)),
            (Tariff, Tariff.code, data.tariffs, "tariffs",
             _l("There is no tariff with the code %(value)s."), sa.true()),
            (FeeItem, FeeItem.code, data.fee_items, "fee_items",
             _l("There is no fee item with the code %(value)s."), sa.true())):
        wanted = list(dict.fromkeys(value.strip() for value in values if value.strip()))
        if len(wanted) > MAX_LINKS:
            raise CommitteeError(_l("At most %(count)s links of each kind.", count=MAX_LINKS),
                                 name)
        rows = {getattr(row, column.key): row for row in db.session.scalars(
            sa.select(model).where(column.in_(wanted), scope))} if wanted else {}
        missing = [value for value in wanted if value not in rows]
        if missing:
            shown = missing[0] if len(missing[0]) <= 40 else f"{missing[0][:40]}…"
            raise CommitteeError(str(message) % {"value": shown}, name)
        found.append([rows[value] for value in wanted])
    return found[0], found[1], found[2]


def _attachments(data: DecisionData, already: int) -> list[DecisionAttachment]:
    from portal.complaints.attachments import AttachmentError, clean_files

    if already + len(data.attachments) > MAX_FILES:
        raise CommitteeError(_l("A decision can carry at most %(count)s PDF files.",
                                count=MAX_FILES), "attachments")
    if not data.attachments:
        return []
    for _title, media_type, raw in data.attachments:
        if media_type != PDF or not raw.startswith(b"%PDF-"):
            raise CommitteeError(_l("Only PDF documents can be attached to a decision."),
                                 "attachments")
    rows = []
    outcomes = clean_files([raw for _title, _type, raw in data.attachments])
    for (title, _type, _raw), outcome in zip(data.attachments, outcomes, strict=True):
        if isinstance(outcome, AttachmentError):
            raise CommitteeError(outcome.message, "attachments")
        if outcome.media_type != PDF:
            raise CommitteeError(_l("Only PDF documents can be attached to a decision."),
                                 "attachments")
        rows.append(DecisionAttachment(
            title=_text(title, 200, "attachments") or "", size=len(outcome.data),
            sha256=hashlib.sha256(outcome.data).hexdigest(), data=outcome.data))
    return rows


def _apply(decision: Decision, data: DecisionData) -> None:
    meeting = _meeting(data.meeting_id)
    _check_votes(meeting, data)
    complaints, tariffs, fee_items = _links(data)
    new_files = _attachments(data, len(decision.attachments))
    decision.meeting = meeting
    decision.decided_on = local_date(meeting.starts_at)
    decision.title_zh = _text(data.title_zh, 200, "title_zh") or ""
    decision.title_en = _text(data.title_en, 200, "title_en", required=False)
    decision.category = DecisionCategory(data.category)
    decision.body_zh = _markdown(data.body_zh, "body_zh", True) or ""
    decision.body_en = _markdown(data.body_en, "body_en", False)
    decision.votes_for, decision.votes_against = data.votes_for, data.votes_against
    decision.votes_abstain, decision.votes_absent = data.votes_abstain, data.votes_absent
    seated = decision.seated
    decision.outcome = (DecisionOutcome.ADOPTED if data.votes_for * 2 > seated
                        else DecisionOutcome.REJECTED)
    decision.roll_call.clear()
    db.session.flush()
    for member_id, vote in sorted((data.roll_call or {}).items()):
        decision.roll_call.append(DecisionVote(member_id=member_id, vote=vote))
    decision.complaints = complaints
    decision.tariffs = tariffs
    decision.fee_items = fee_items
    decision.attachments.extend(new_files)


def create_draft(data: DecisionData, user: User | None, now: datetime,
                 amends: Decision | None = None) -> Decision:
    """A member's draft; an amendment names the published decision it corrects."""
    member_for(user, now)
    if amends is not None and not amends.is_published:
        raise CommitteeError(_l("Only a published decision can be amended; change the draft "
                                "itself instead."), "amends")
    decision = Decision(status=PublicationStatus.DRAFT,
                        drafted_by_id=user.id if user is not None else None)
    _apply(decision, data)
    db.session.add(decision)
    decision.amends = amends
    db.session.flush()
    return decision


def _lock_draft(decision: Decision) -> None:
    """Refuse a published decision, read again under the lock that its publishers take: a
    draft read before another member published it must not change or vanish afterwards."""
    final = CommitteeError(PUBLISHED_IS_FINAL, "status")
    publication.guard_unpublished(decision, final)
    publication.lock_row(Decision, decision.id, decision)
    publication.guard_unpublished(decision, final)


def update_draft(decision: Decision, data: DecisionData, user: User | None,
                 now: datetime) -> Decision:
    """Change a draft; a published decision is refused. The member who changes it becomes its
    drafter: whoever wrote the text as it stands cannot publish it (two people)."""
    _lock_draft(decision)
    member_for(user, now)
    _apply(decision, data)
    decision.drafted_by_id = user.id if user is not None else None
    db.session.flush()
    return decision


def check_deletion(decision: Decision, user: User | None, now: datetime) -> None:
    """Whether ``user`` may throw the draft away now: only the member who drafted it may."""
    publication.guard_unpublished(decision, CommitteeError(PUBLISHED_IS_FINAL, "status"))
    member_for(user, now)
    if user is None or decision.drafted_by_id != user.id:
        raise CommitteeError(ONLY_THE_DRAFTER_DELETES)


def delete_draft(decision: Decision, user: User | None, now: datetime) -> None:
    """Throw a draft away (after the publishers' lock: not one published meanwhile)."""
    _lock_draft(decision)
    check_deletion(decision, user, now)
    db.session.delete(decision)
    db.session.flush()


def check_publication(decision: Decision, user: User | None, now: datetime) -> None:
    """Whether ``user`` may publish ``decision`` now (a dry run of ``publish_decision``)."""
    publication.guard_unpublished(decision, CommitteeError(
        _l("This decision is already published."), "status"))
    member_for(user, now)
    if user is not None and decision.drafted_by_id == user.id:
        raise CommitteeError(_l("Another member must publish this decision: the member who "
                                "drafted it cannot publish it too."))
    if decision.meeting.starts_at > now:
        raise CommitteeError(_l("A decision is published after the meeting that took it."))
    if decision.amends is not None and not decision.amends.is_published:
        raise CommitteeError(_l("Only a published decision can be amended."))
    # the members seated may have changed since the draft (a resignation recorded late)
    _check_votes(decision.meeting, data_of(decision))


def fingerprint(decision: Decision) -> str:
    """What a member confirms publishing: every part of the draft that becomes public."""
    return publication.fingerprint({
        "status": decision.status.value, "meeting": decision.meeting_id,
        "amends": decision.amends_id, "category": decision.category.value,
        "title": [decision.title_zh, decision.title_en],
        "body": [decision.body_zh, decision.body_en],
        "votes": [decision.votes_for, decision.votes_against, decision.votes_abstain,
                  decision.votes_absent],
        "roll_call": [[v.member_id, v.vote.value] for v in decision.roll_call],
        "complaints": [c.id for c in decision.complaints],
        "tariffs": [t.id for t in decision.tariffs],
        "fee_items": [f.id for f in decision.fee_items],
        "attachments": [[a.title, a.sha256] for a in decision.attachments]})


def publish_decision(decision: Decision, user: User | None, now: datetime,
                     published_at: datetime | None = None, seen: str | None = None) -> None:
    """Publish a draft drafted by another member: it takes the year's next number and becomes
    public and final; the transparency log records it in the same transaction. ``seen``, the
    ``fingerprint`` the member confirmed, refuses a draft changed since
    (``DraftChangedError``)."""
    check_publication(decision, user, now)
    publication.lock_row(Decision, decision.id, decision)
    check_publication(decision, user, now)
    services.check_seen(fingerprint(decision), seen)
    year = local_date(published_at or now).year
    sequence = numbering.next_number(COUNTER_SERIES, year)
    decision.year, decision.sequence = year, sequence
    decision.number = numbering.formatted(PREFIX, year, sequence)
    publication.publish(decision, user, now, published_at)


def data_of(decision: Decision) -> DecisionData:
    """A saved decision as entered (without its files, which stay)."""
    return DecisionData(
        meeting_id=decision.meeting_id, title_zh=decision.title_zh, title_en=decision.title_en,
        body_zh=decision.body_zh, body_en=decision.body_en, category=decision.category,
        votes_for=decision.votes_for,
        votes_against=decision.votes_against, votes_abstain=decision.votes_abstain,
        votes_absent=decision.votes_absent,
        roll_call={v.member_id: v.vote for v in decision.roll_call} or None,
        complaints=[c.tracking_number for c in decision.complaints],
        tariffs=[t.code for t in decision.tariffs], fee_items=[f.code for f in decision.fee_items])


def by_number(number: str) -> Decision | None:
    """The published decision with this number."""
    if not NUMBER.fullmatch(number):
        return None
    return db.session.scalar(sa.select(Decision).where(
        Decision.number == number, Decision.status == PublicationStatus.PUBLISHED))


def citing(complaint: Any) -> list[Decision]:
    """The published decisions that cite ``complaint``, oldest first (the complaint's pages
    list them: ``decisions_citing`` in templates)."""
    from portal.committee.models import decision_complaints

    return list(db.session.scalars(
        sa.select(Decision).join(decision_complaints,
                                 decision_complaints.c.decision_id == Decision.id)
        .where(decision_complaints.c.complaint_id == complaint.id,
               Decision.status == PublicationStatus.PUBLISHED)
        .order_by(Decision.year, Decision.sequence)))
