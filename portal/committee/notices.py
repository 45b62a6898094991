"""Notices of irregular service (曝光): the committee makes public what went wrong, anonymised,
with the unit responsible, its finding and the corrective action due by a date, resting on a
published decision; updates follow until one closes the notice.

Like decisions, a notice and each update are drafted by one member and published by another,
and never change once published (closing sets the notice's ``closed_on``, the one change a
published notice undergoes). Services check, ``flush()`` and raise ``CommitteeError``; they
never commit.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.committee import services
from portal.committee.decisions import member_for
from portal.committee.enums import DecisionOutcome, NoticeState
from portal.committee.meetings import _markdown, local_date
from portal.committee.models import Decision, Notice, NoticeUpdate
from portal.committee.services import CommitteeError, _text
from portal.complaints.redaction import redact
from portal.core import numbering, publication
from portal.core.publication import PublicationStatus
from portal.extensions import db

COUNTER_SERIES = "committee_notice"
PREFIX = "UCN"
NUMBER = re.compile(r"UCN-\d{4}-\d{3,}")
PUBLISHED_IS_FINAL = _l("A published notice never changes: what has happened since is told in "
                        "an update.")
PERSONAL_DATA = _l("This text contains what looks like personal data (a phone, ID, account or "
                   "tracking number, or an email address). A notice is anonymised: remove it.")


class Action(enum.Enum):
    """What a member may do with a notice or an update."""

    EDIT = "edit"
    PUBLISH = "publish"
    DELETE = "delete"
    UPDATE = "update"


@dataclass(frozen=True)
class NoticeData:
    """What a member enters for a notice."""

    decision_number: str
    title_zh: str
    unit_zh: str
    happened_on: date
    facts_zh: str
    finding_zh: str
    action_zh: str
    action_due: date
    title_en: str | None = None
    unit_en: str | None = None
    facts_en: str | None = None
    finding_en: str | None = None
    action_en: str | None = None


@dataclass(frozen=True)
class UpdateData:
    """What a member enters for an update of a notice."""

    body_zh: str
    body_en: str | None = None
    closes: bool = False


def state_of(notice: Notice, today: date) -> NoticeState:
    """Closed, overdue (deadline passed, not closed) or open."""
    if notice.closed_on is not None:
        return NoticeState.CLOSED
    return NoticeState.OVERDUE if notice.action_due < today else NoticeState.OPEN


def state_clause(state: NoticeState, today: date) -> sa.ColumnElement[bool]:
    """SQL: the notices in ``state`` on ``today``."""
    if state is NoticeState.CLOSED:
        return Notice.closed_on.is_not(None)
    if state is NoticeState.OVERDUE:
        return sa.and_(Notice.closed_on.is_(None), Notice.action_due < today)
    return sa.and_(Notice.closed_on.is_(None), Notice.action_due >= today)


def _anonymised(value: str | None, field: str, required: bool, markdown: bool = True,
                maximum: int = 200) -> str | None:
    cleaned = (_markdown(value, field, required) if markdown
               else _text(value, maximum, field, required=required))
    if cleaned is not None and redact(cleaned) != cleaned:
        raise CommitteeError(PERSONAL_DATA, field)
    return cleaned


def _decision(number: str) -> Decision:
    from portal.committee.decisions import by_number

    found = by_number(number.strip())
    if found is None:
        raise CommitteeError(_l("Give the number of a published decision of the committee, "
                                "such as UC-2026-007."), "decision_number")
    if found.outcome is not DecisionOutcome.ADOPTED:
        raise CommitteeError(_l("Decision %(number)s was rejected: a notice rests on an "
                                "adopted decision.", number=found.number), "decision_number")
    return found


def _apply(notice: Notice, data: NoticeData) -> None:
    decision = _decision(data.decision_number)
    decided = format_date(decision.decided_on, "long")
    if data.happened_on > decision.decided_on:
        raise CommitteeError(_l("What the notice tells must have happened before the decision "
                                "it rests on (%(date)s).", date=decided), "happened_on")
    if data.action_due < decision.decided_on:
        raise CommitteeError(_l("The deadline of the corrective action cannot come before the "
                                "decision (%(date)s).", date=decided), "action_due")
    if data.happened_on.year < 2000 or data.action_due.year > 2100:
        raise CommitteeError(_l("Enter a date between 2000 and 2100."), "action_due")
    notice.decision = decision
    notice.title_zh = _anonymised(data.title_zh, "title_zh", True, markdown=False) or ""
    notice.title_en = _anonymised(data.title_en, "title_en", False, markdown=False)
    notice.unit_zh = _anonymised(data.unit_zh, "unit_zh", True, markdown=False) or ""
    notice.unit_en = _anonymised(data.unit_en, "unit_en", False, markdown=False)
    notice.happened_on = data.happened_on
    notice.facts_zh = _anonymised(data.facts_zh, "facts_zh", True) or ""
    notice.facts_en = _anonymised(data.facts_en, "facts_en", False)
    notice.finding_zh = _anonymised(data.finding_zh, "finding_zh", True) or ""
    notice.finding_en = _anonymised(data.finding_en, "finding_en", False)
    notice.action_zh = _anonymised(data.action_zh, "action_zh", True) or ""
    notice.action_en = _anonymised(data.action_en, "action_en", False)
    notice.action_due = data.action_due


def allowed_actions(notice: Notice, user: User | None, now: datetime) -> set[Action]:
    """What ``user`` may do with ``notice`` now."""
    try:
        member_for(user, now)
    except CommitteeError:
        return set()
    if notice.is_published:
        return set() if notice.closed_on is not None else {Action.UPDATE}
    if user is not None and notice.drafted_by_id == user.id:
        return {Action.EDIT, Action.DELETE}  # only its drafter throws a draft away
    return {Action.EDIT, Action.PUBLISH}


def update_actions(update: NoticeUpdate, user: User | None, now: datetime) -> set[Action]:
    """What ``user`` may do with a draft update now."""
    if update.is_published:
        return set()
    try:
        member_for(user, now)
    except CommitteeError:
        return set()
    if user is not None and update.drafted_by_id == user.id:
        return {Action.DELETE}
    # a draft left when another update closed the notice can only be thrown away
    return set() if update.notice.closed_on is not None else {Action.PUBLISH}


def _lock_draft(notice_id: int, draft: Notice | NoticeUpdate) -> None:
    """Refuse a published notice or update, read again under the lock on the notice that their
    publishers take: a draft read before another member published it must not change or vanish
    afterwards."""
    final = CommitteeError(PUBLISHED_IS_FINAL, "status")
    publication.guard_unpublished(draft, final)
    publication.lock_row(Notice, notice_id, draft)
    publication.guard_unpublished(draft, final)


def create_draft(data: NoticeData, user: User | None, now: datetime) -> Notice:
    """A member's draft notice."""
    member_for(user, now)
    notice = Notice(status=PublicationStatus.DRAFT,
                    drafted_by_id=user.id if user is not None else None)
    _apply(notice, data)
    db.session.add(notice)
    db.session.flush()
    return notice


def update_draft(notice: Notice, data: NoticeData, user: User | None, now: datetime) -> Notice:
    """Change a draft notice; a published one is refused. The member who changes it becomes
    its drafter: whoever wrote the text as it stands cannot publish it (two people)."""
    _lock_draft(notice.id, notice)
    member_for(user, now)
    _apply(notice, data)
    notice.drafted_by_id = user.id if user is not None else None
    db.session.flush()
    return notice


def check_deletion(record: Notice | NoticeUpdate, user: User | None, now: datetime) -> None:
    """Whether ``user`` may throw the draft notice or update away now: only the member who
    drafted it may."""
    from portal.committee.decisions import ONLY_THE_DRAFTER_DELETES

    publication.guard_unpublished(record, CommitteeError(PUBLISHED_IS_FINAL, "status"))
    member_for(user, now)
    if user is None or record.drafted_by_id != user.id:
        raise CommitteeError(ONLY_THE_DRAFTER_DELETES)


def delete_draft(notice: Notice, user: User | None, now: datetime) -> None:
    """Throw a draft notice away (after the publishers' lock: not one published meanwhile)."""
    _lock_draft(notice.id, notice)
    check_deletion(notice, user, now)
    db.session.delete(notice)
    db.session.flush()


def _two_people(drafted_by_id: int | None, user: User | None) -> None:
    if user is not None and drafted_by_id == user.id:
        raise CommitteeError(_l("Another member must publish this: the member who drafted it "
                                "cannot publish it too."))


def check_publication(notice: Notice, user: User | None, now: datetime) -> None:
    """Whether ``user`` may publish ``notice`` now (a dry run of ``publish_notice``)."""
    publication.guard_unpublished(notice, CommitteeError(
        _l("This notice is already published."), "status"))
    member_for(user, now)
    _two_people(notice.drafted_by_id, user)


CONTENT = ("decision_id", "title_zh", "title_en", "unit_zh", "unit_en", "happened_on",
           "facts_zh", "facts_en", "finding_zh", "finding_en", "action_zh", "action_en",
           "action_due")


def fingerprint(notice: Notice) -> str:
    """What a member confirms publishing: every part of the draft notice that becomes public."""
    return publication.fingerprint({"status": notice.status.value,
                                    **{name: getattr(notice, name) for name in CONTENT}})


def update_fingerprint(update: NoticeUpdate) -> str:
    """What a member confirms publishing: the draft update's text and whether it closes."""
    return publication.fingerprint({"status": update.status.value, "notice": update.notice_id,
                                    "body": [update.body_zh, update.body_en],
                                    "closes": update.closes})


def publish_notice(notice: Notice, user: User | None, now: datetime,
                   published_at: datetime | None = None, seen: str | None = None) -> None:
    """Publish a draft drafted by another member: it takes the year's next number, becomes
    public and final, and enters the transparency log in the same transaction. ``seen``, the
    ``fingerprint`` the member confirmed, refuses a draft changed since."""
    check_publication(notice, user, now)
    publication.lock_row(Notice, notice.id, notice)
    check_publication(notice, user, now)
    services.check_seen(fingerprint(notice), seen)
    year = local_date(published_at or now).year
    sequence = numbering.next_number(COUNTER_SERIES, year)
    notice.year, notice.sequence = year, sequence
    notice.number = numbering.formatted(PREFIX, year, sequence)
    publication.publish(notice, user, now, published_at)


def _open_published(notice: Notice) -> None:
    if not notice.is_published:
        raise CommitteeError(_l("Updates follow a published notice; change the draft itself "
                                "instead."), "status")
    if notice.closed_on is not None:
        raise CommitteeError(_l("This notice is closed: it takes no more updates."), "status")


def draft_update(notice: Notice, data: UpdateData, user: User | None,
                 now: datetime) -> NoticeUpdate:
    """A member's draft update of a published, open notice."""
    member_for(user, now)
    _open_published(notice)
    if data.closes and any(u.closes and not u.is_published for u in notice.updates):
        raise CommitteeError(_l("An update that closes this notice already awaits a second "
                                "member: publish or delete it first."), "closes")
    update = NoticeUpdate(
        status=PublicationStatus.DRAFT, drafted_by_id=user.id if user is not None else None,
        body_zh=_anonymised(data.body_zh, "body_zh", True) or "",
        body_en=_anonymised(data.body_en, "body_en", False), closes=data.closes)
    notice.updates.append(update)
    db.session.flush()
    return update


def delete_update(update: NoticeUpdate, user: User | None, now: datetime) -> None:
    """Throw a draft update away (after the publishers' lock)."""
    _lock_draft(update.notice_id, update)
    check_deletion(update, user, now)
    db.session.delete(update)
    db.session.flush()


def check_update_publication(update: NoticeUpdate, user: User | None, now: datetime) -> None:
    """Whether ``user`` may publish ``update`` now."""
    publication.guard_unpublished(update, CommitteeError(
        _l("This update is already published."), "status"))
    member_for(user, now)
    _two_people(update.drafted_by_id, user)
    _open_published(update.notice)


def publish_update(update: NoticeUpdate, user: User | None, now: datetime,
                   published_at: datetime | None = None, seen: str | None = None) -> None:
    """Publish an update drafted by another member; an update that ``closes`` closes the
    notice on the local day of publication (serialised on the notice: closed once). ``seen``,
    the ``update_fingerprint`` the member confirmed, refuses a draft changed since."""
    check_update_publication(update, user, now)
    publication.lock_row(Notice, update.notice_id, update.notice, update)
    check_update_publication(update, user, now)
    services.check_seen(update_fingerprint(update), seen)
    if update.closes:
        update.notice.closed_on = local_date(published_at or now)
    publication.publish(update, user, now, published_at)
    if update.closes:  # the notice reads differently in the log now: closed
        publication.announce(update.notice, user, now)


def by_number(number: str) -> Notice | None:
    """The published notice with this number."""
    if not NUMBER.fullmatch(number):
        return None
    return db.session.scalar(sa.select(Notice).where(
        Notice.number == number, Notice.status == PublicationStatus.PUBLISHED))


def resting_on(decision: Decision) -> list[Notice]:
    """The published notices that rest on ``decision``, oldest first."""
    return list(db.session.scalars(sa.select(Notice).where(
        Notice.decision_id == decision.id, Notice.status == PublicationStatus.PUBLISHED)
        .order_by(Notice.published_at, Notice.id)))
