"""Rules of complaints: filing, tracking, the workflow, handling, privacy. Services only flush
and raise ``ComplaintError``; the request commits once (``portal.core.transactions``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypedDict, Unpack, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.complaints import actions, attachments, codes, workflow
from portal.complaints.actions import Action
from portal.complaints.actions import allowed_actions as allowed_actions  # the service layer's
from portal.complaints.attachments import CleanFile
from portal.complaints.enums import (
    FINISHED_STATUSES,
    ActorKind,
    ComplaintStatus,
    ComplaintType,
    EventKind,
    FindingOutcome,
)
from portal.complaints.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintEvent,
    District,
)
from portal.complaints.redaction import redact
from portal.complaints.workdays import reply_due
from portal.core import domains, numbering, protection
from portal.core.errors import DomainError
from portal.extensions import db

MAX_DESCRIPTION = 4000
# Tracking numbers count per year in the shared counters (portal/core/numbering.py).
COUNTER_SERIES = "complaint"
FINISHED = FINISHED_STATUSES
MAX_CASE_FILES = 20
# The committee's reasons: long enough to say why (a Chinese sentence), as long as a reply.
MIN_REASONS = 20
MAX_REASONS = 4000


class ComplaintError(DomainError):
    """A complaint rule was broken."""


def require(complaint: Complaint, actor: ActorKind, action: Action, now: datetime) -> None:
    """Raise ComplaintError (saying why) unless ``actor`` may take ``action`` now."""
    problem = actions.refusal(complaint, actor, action, now)
    if problem is not None:
        raise ComplaintError(problem)


@dataclass(frozen=True)
class Filing:
    """What a person sends (already validated by the form)."""

    type: ComplaintType
    category_code: str
    district_code: str
    subject: str
    description: str
    occurred_on: date | None = None
    location: str | None = None
    account_number: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    consent_contact: bool = False
    consent_publish: bool = False
    language: str = "zh_Hans_CN"
    api_key_id: int | None = None  # filed by a partner channel (Open311)


@dataclass(frozen=True)
class Receipt:
    """What the complainant gets back once: the tracking number and the secret code."""

    complaint: Complaint
    code: str
    duplicate: bool = False

    @property
    def formatted_code(self) -> str:
        """``ABCD-EFGH-JKMN-PQRS``."""
        return codes.format_code(self.code)


@dataclass(frozen=True)
class Category:
    """A complaint category as read once per process (reference data the migrations load)."""

    code: str
    name_zh: str
    name_en: str
    first_contact_hours: int
    reply_working_days: int

    def name(self, language: str) -> str:
        """The name in ``language`` (Chinese otherwise)."""
        return self.name_en if language.startswith("en") else self.name_zh


@dataclass(frozen=True)
class DistrictInfo:
    """A district as read once per process."""

    code: str
    name_zh: str
    name_en: str

    def name(self, language: str) -> str:
        """The name in ``language`` (Chinese otherwise)."""
        return self.name_en if language.startswith("en") else self.name_zh


REFERENCE_SECONDS = 300


@dataclass(frozen=True)
class _Reference:
    loaded_at: float
    categories: tuple[Category, ...]
    districts: tuple[DistrictInfo, ...]


def _reference() -> _Reference:
    """Categories and districts, read at most every five minutes per process: every complaint
    page needs them, and only a migration changes them."""
    cached: _Reference | None = current_app.extensions.get("complaint_reference")
    if cached is not None and time.monotonic() - cached.loaded_at < REFERENCE_SECONDS:
        return cached
    categories = tuple(Category(c.code, c.name_zh, c.name_en, c.first_contact_hours,
                                c.reply_working_days)
                       for c in db.session.scalars(sa.select(ComplaintCategory)
                                                   .order_by(ComplaintCategory.position)))
    districts = tuple(DistrictInfo(d.code, d.name_zh, d.name_en)
                      for d in db.session.scalars(sa.select(District)
                                                  .order_by(District.position)))
    cached = _Reference(time.monotonic(), categories, districts)
    current_app.extensions["complaint_reference"] = cached
    return cached


def categories() -> list[Category]:
    """Every category, in the published order."""
    return list(_reference().categories)


def districts() -> list[DistrictInfo]:
    """Every district, in the published order."""
    return list(_reference().districts)


def _category(code: str) -> Category | None:
    return next((c for c in _reference().categories if c.code == code), None)


def _district(code: str) -> DistrictInfo | None:
    return next((d for d in _reference().districts if d.code == code), None)


def _config(name: str) -> object:
    return current_app.config[name]


class EventFacts(TypedDict, total=False):
    """What an event records besides its kind, actor and time."""

    actor: User | None
    body: str | None
    from_status: ComplaintStatus | None
    to_status: ComplaintStatus | None
    rating: int | None
    resolved: bool | None
    assignee: User | None
    outcome: FindingOutcome | None


def _event(complaint: Complaint, kind: EventKind, actor_kind: ActorKind, now: datetime,
           **facts: Unpack[EventFacts]) -> ComplaintEvent:
    """Record an event with its typed facts (a status change, a rating, an assignee)."""
    actor, assignee = facts.get("actor"), facts.get("assignee")
    event = ComplaintEvent(kind=kind, actor_kind=actor_kind, actor_id=actor.id if actor else None,
                           body=facts.get("body"), from_status=facts.get("from_status"),
                           to_status=facts.get("to_status"), rating=facts.get("rating"),
                           resolved=facts.get("resolved"),
                           assignee_id=assignee.id if assignee else None,
                           outcome=facts.get("outcome"), created_at=now)
    complaint.events.append(event)
    return event


def submit_complaint(filing: Filing, submission_key: str, now: datetime) -> Receipt:
    """Register a complaint, or find the one this form already created (a double submit)."""
    pepper = str(_config("CODE_PEPPER"))
    code = codes.code_for(submission_key, pepper)
    digest = codes.key_digest(submission_key)
    existing = db.session.scalar(sa.select(Complaint).where(
        Complaint.submission_digest == digest))
    if existing is not None:
        return Receipt(existing, code, duplicate=True)
    category = _category(filing.category_code)
    district = _district(filing.district_code)
    if category is None or district is None:
        raise ComplaintError(_l("Choose a category and a district from the lists."))
    if len(filing.description) > MAX_DESCRIPTION:
        raise ComplaintError(_l("The description is longer than 4,000 characters."))
    zone = str(_config("TIMEZONE"))
    year = now.astimezone(ZoneInfo(zone)).year
    sequence = numbering.next_number(COUNTER_SERIES, year)
    complaint = Complaint(
        tracking_number=codes.tracking_number(year, sequence), year=year, sequence=sequence,
        submission_digest=digest,
        code_hash=codes.hash_code(code, pepper),
        type=filing.type, category_code=category.code, district_code=district.code,
        subject=filing.subject.strip(), description=filing.description.strip(),
        occurred_on=filing.occurred_on, location=(filing.location or "").strip() or None,
        account_number_enc=protection.encrypt(filing.account_number),
        contact_name_enc=protection.encrypt(filing.contact_name),
        contact_phone_enc=protection.encrypt(filing.contact_phone),
        contact_email_enc=protection.encrypt(filing.contact_email),
        consent_contact=filing.consent_contact, consent_publish=filing.consent_publish,
        language=filing.language, api_key_id=filing.api_key_id,
        status=ComplaintStatus.REGISTERED, registered_at=now,
        first_contact_due_at=now + timedelta(hours=category.first_contact_hours),
        reply_due_at=reply_due(now, category.reply_working_days, zone), reopen_count=0)
    _event(complaint, EventKind.STATUS, ActorKind.COMPLAINANT, now,
           to_status=ComplaintStatus.REGISTERED)
    db.session.add(complaint)
    db.session.flush()
    db.session.execute(sa.update(ComplaintAttachment).where(
        ComplaintAttachment.submission_digest == digest,
        ComplaintAttachment.complaint_id.is_(None)).values(complaint_id=complaint.id,
                                                           submission_digest=None))
    return Receipt(complaint, code)


def pending_attachments(submission_key: str) -> list[ComplaintAttachment]:
    """Files uploaded with a form that has not been sent yet."""
    return list(db.session.scalars(sa.select(ComplaintAttachment).where(
        ComplaintAttachment.submission_digest == codes.key_digest(submission_key),
        ComplaintAttachment.complaint_id.is_(None)).order_by(ComplaintAttachment.id)))


def _store(files: list[CleanFile], already: int, now: datetime, **owner: object
           ) -> list[ComplaintAttachment]:
    rows = [ComplaintAttachment(filename=file.filename(already + index + 1),
                                media_type=file.media_type, size=len(file.data),
                                sha256=file.sha256, data=file.data, created_at=now, **owner)
            for index, file in enumerate(files)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def stage_attachments(submission_key: str, files: list[CleanFile], now: datetime
                      ) -> list[ComplaintAttachment]:
    """Keep cleaned files with a form until it is sent (at most 5 in all)."""
    already = len(pending_attachments(submission_key))
    if already + len(files) > attachments.MAX_FILES:
        raise ComplaintError(_l("At most 5 files can be attached."))
    return _store(files, already, now, submission_digest=codes.key_digest(submission_key))


def unstage_attachment(submission_key: str, attachment_id: int) -> None:
    """Remove one file kept with a form that is not sent yet; a file of any other form (or of
    a sent complaint) is refused and nothing is removed. The files left are numbered again."""
    pending = pending_attachments(submission_key)
    target = next((row for row in pending if row.id == attachment_id), None)
    if target is None:
        raise ComplaintError(_l("This file is not attached to your complaint; nothing was "
                                "removed."), "attachments")
    db.session.delete(target)
    for index, row in enumerate((row for row in pending if row is not target), start=1):
        row.filename = f"attachment-{index}.{attachments.EXTENSIONS[row.media_type]}"
    db.session.flush()


def purge_stale_uploads(now: datetime) -> int:
    """Delete files of forms that were never sent (older than a day)."""
    result = db.session.execute(sa.delete(ComplaintAttachment).where(
        ComplaintAttachment.complaint_id.is_(None),
        ComplaintAttachment.created_at < now - timedelta(days=1)))
    return int(getattr(result, "rowcount", 0) or 0)


def find_by_number(number: str) -> Complaint | None:
    """The case with this tracking number, for staff and committee (who need no code)."""
    return db.session.scalar(sa.select(Complaint).where(Complaint.tracking_number == number))


def find_for_tracking(number: str, code: str) -> Complaint | None:
    """The complaint if number and code match; None otherwise, with the same work either way."""
    pepper = str(_config("CODE_PEPPER"))
    complaint = db.session.scalar(sa.select(Complaint).where(
        Complaint.tracking_number == codes.normalize_tracking_number(number)))
    normalized = codes.normalize_code(code)
    stored = complaint.code_hash if complaint is not None else codes.UNKNOWN_HASH
    if not codes.verify_code(normalized, stored, pepper) or complaint is None:
        return None
    if codes.needs_rehash(complaint.code_hash):
        complaint.code_hash = codes.hash_code(normalized, pepper)
        db.session.flush()
    return complaint


class StepDetails(TypedDict, total=False):
    """Who makes a status change and why."""

    actor: User | None
    reason: str | None


class _Step(StepDetails, total=False):
    by_reply: bool  # REPLIED is reached only by writing a reply
    outcome: FindingOutcome | None  # the committee's decision


# Status changes that depend on time as well as on the workflow table: the same rules decide
# whether the case page offers them (``actions.allowed_actions``).
TIMELY = {ComplaintStatus.ESCALATED: actions.escalation_refusal,
          ComplaintStatus.REOPENED: actions.reopen_refusal}


def change_status(complaint: Complaint, target: ComplaintStatus, actor_kind: ActorKind,
                  now: datetime, **details: Unpack[StepDetails]) -> None:
    """Move a case through the workflow table, recording who, when and why."""
    _change_status(complaint, target, actor_kind, now,
                   _Step(actor=details.get("actor"), reason=details.get("reason")))


def check_status_change(complaint: Complaint, target: ComplaintStatus, actor_kind: ActorKind,
                        now: datetime, reason: str | None = None) -> None:
    """Raise ComplaintError (saying why) unless ``change_status`` would make this change; a
    page asks this before it asks for a confirmation, so that it never confirms a refusal."""
    _check_change(complaint, target, actor_kind, now, _Step(reason=reason))


def _check_change(complaint: Complaint, target: ComplaintStatus, actor_kind: ActorKind,
                  now: datetime, details: _Step) -> None:
    reason = details.get("reason")
    if not workflow.allowed(complaint.status, target, actor_kind) or (
            target in workflow.BY_REPLY_ONLY and not details.get("by_reply")):
        raise ComplaintError(actions.NOT_POSSIBLE)
    if target in workflow.REASON_REQUIRED and not (reason or "").strip():
        raise ComplaintError(_l("Give a reason for this step."))
    problem = TIMELY[target](complaint, now) if target in TIMELY else None
    if problem is not None:
        raise ComplaintError(problem)


def _change_status(complaint: Complaint, target: ComplaintStatus, actor_kind: ActorKind,
                   now: datetime, details: _Step) -> None:
    current, reason, actor = complaint.status, details.get("reason"), details.get("actor")
    _check_change(complaint, target, actor_kind, now, details)
    _claim_status(complaint, current, target)
    _apply_status(complaint, target, actor_kind, now)
    complaint.status = target
    _event(complaint, EventKind.STATUS, actor_kind, now, actor=actor,
           body=(reason or "").strip() or None, from_status=current, to_status=target,
           outcome=details.get("outcome"))
    db.session.flush()


def _claim_status(complaint: Complaint, current: ComplaintStatus, target: ComplaintStatus
                  ) -> None:
    """Move the case from ``current`` to ``target`` only if it is still at ``current``: two
    steps sent at the same moment (a withdrawal and a rejection) were both checked against the
    status they read, and only the first may apply. On PostgreSQL the second UPDATE waits for
    the first transaction and then finds the new status; SQLite runs one writer at a time."""
    claimed = cast("sa.CursorResult[Any]", db.session.execute(
        sa.update(Complaint).where(Complaint.id == complaint.id, Complaint.status == current)
        .values(status=target).execution_options(
            synchronize_session=False,
            # judged with the case's own row (complaints.publicity), rechecked at the commit
            public_change=False)))
    if claimed.rowcount != 1:
        raise ComplaintError(actions.NOT_POSSIBLE)


def _apply_status(complaint: Complaint, target: ComplaintStatus, actor_kind: ActorKind,
                  now: datetime) -> None:
    """The dates and counters that a status change moves."""
    if target is ComplaintStatus.REOPENED:
        complaint.reopen_count += 1
        complaint.replied_at = None
        complaint.closed_at = None
        complaint.rating = complaint.resolved = None  # the next answer is rated afresh
        category = complaint.category
        complaint.reply_due_at = reply_due(now, category.reply_working_days,
                                           str(_config("TIMEZONE")))
    if target is ComplaintStatus.REPLIED:
        complaint.replied_at = now
    if target in FINISHED:
        complaint.closed_at = now
    elif target is ComplaintStatus.ESCALATED:
        complaint.closed_at = None  # with the committee, the case is open again
        complaint.escalated_at = now
        complaint.committee_due_at = committee_due(now)
    if actor_kind is ActorKind.STAFF and complaint.first_contacted_at is None:
        complaint.first_contacted_at = now


def check_step(complaint: Complaint, action: Action, now: datetime,
               reason: str | None = None) -> None:
    """Raise ComplaintError (saying why) unless ``take_step`` would take this step now."""
    require(complaint, ActorKind.COMPLAINANT, action, now)
    check_status_change(complaint, actions.STEPS[action], ActorKind.COMPLAINANT, now, reason)


def take_step(complaint: Complaint, action: Action, now: datetime,
              reason: str | None = None) -> None:
    """The complainant withdraws, reopens or escalates the case."""
    require(complaint, ActorKind.COMPLAINANT, action, now)
    change_status(complaint, actions.STEPS[action], ActorKind.COMPLAINANT, now, reason=reason)


def committee_due(escalated_at: datetime) -> datetime:
    """When the committee should have decided a case escalated at ``escalated_at``: the end of
    the ``COMMITTEE_WORKING_DAYS``-th working day after that day, local time."""
    return reply_due(escalated_at, int(str(_config("COMMITTEE_WORKING_DAYS"))),
                     str(_config("TIMEZONE")))


def decide(complaint: Complaint, member: User, outcome: FindingOutcome | None, reasons: str,
           now: datetime) -> None:
    """The users' committee decides an escalated case: its outcome, with its reasons."""
    require(complaint, ActorKind.COMMITTEE, Action.DECIDE, now)
    if not isinstance(outcome, FindingOutcome):
        raise ComplaintError(_l("Choose the committee's finding."))
    reasons = reasons.strip()
    if len(reasons) < MIN_REASONS:
        raise ComplaintError(_l("Give the reasons in at least %(count)s characters, so that the "
                                "complainant understands the decision.", count=MIN_REASONS))
    if len(reasons) > MAX_REASONS:
        raise ComplaintError(_l("At most 4,000 characters."))
    _change_status(complaint, ComplaintStatus.DECIDED, ActorKind.COMMITTEE, now,
                   _Step(actor=member, reason=reasons, outcome=outcome))


def add_information(complaint: Complaint, text: str, now: datetime,
                    files: list[CleanFile] | None = None) -> None:
    """The complainant adds information (text, files or both) to a case not yet finished."""
    require(complaint, ActorKind.COMPLAINANT, Action.INFORMATION, now)
    if not text.strip() and not files:
        raise ComplaintError(_l("Write the information you want to add."))
    if files and len(files) > attachments.MAX_FILES:
        raise ComplaintError(_l("At most 5 files can be attached."))
    if files and len(complaint.attachments) + len(files) > MAX_CASE_FILES:
        raise ComplaintError(_l("A case can hold at most 20 files."))
    event = _event(complaint, EventKind.INFORMATION, ActorKind.COMPLAINANT, now,
                   body=text.strip() or None)
    db.session.flush()
    if files:
        _store(files, len(complaint.attachments), now, complaint_id=complaint.id,
               event_id=event.id)
        db.session.expire(complaint, ["attachments"])


def rate(complaint: Complaint, rating: int, resolved: bool, now: datetime) -> None:
    """The complainant rates the answer; a resolved case is closed."""
    if complaint.status not in {ComplaintStatus.REPLIED, ComplaintStatus.CLOSED}:
        raise ComplaintError(_l("An answer can be rated once the case has been answered."))
    if not 1 <= rating <= 5:
        raise ComplaintError(_l("Choose a rating from 1 to 5."))
    if complaint.rating is not None:
        raise ComplaintError(_l("You have already rated this answer."))
    complaint.rating, complaint.resolved = rating, resolved
    _event(complaint, EventKind.RATED, ActorKind.COMPLAINANT, now, rating=rating,
           resolved=resolved)
    if resolved and complaint.status is ComplaintStatus.REPLIED:
        change_status(complaint, ComplaintStatus.CLOSED, ActorKind.COMPLAINANT, now)
    db.session.flush()


def rate_answer(complaint: Complaint, rating: int, resolved: bool, now: datetime) -> None:
    """The complainant rates the answer, if the case may be rated now."""
    require(complaint, ActorKind.COMPLAINANT, Action.RATE, now)
    rate(complaint, rating, resolved, now)


def reply(complaint: Complaint, staff: User | None, text: str, now: datetime) -> None:
    """A public reply from staff; a case being handled becomes answered."""
    require(complaint, ActorKind.STAFF, Action.REPLY, now)
    if not text.strip():
        raise ComplaintError(_l("Write the reply."))
    _event(complaint, EventKind.REPLY, ActorKind.STAFF, now, actor=staff, body=text.strip())
    if complaint.first_contacted_at is None:
        complaint.first_contacted_at = now
    if complaint.status is ComplaintStatus.IN_PROGRESS:
        _change_status(complaint, ComplaintStatus.REPLIED, ActorKind.STAFF, now,
                       {"actor": staff, "by_reply": True})
    db.session.flush()


def add_note(complaint: Complaint, staff: User, text: str, now: datetime) -> None:
    """An internal note, never shown to the complainant or the public."""
    if not text.strip():
        raise ComplaintError(_l("Write the note."))
    _event(complaint, EventKind.NOTE, ActorKind.STAFF, now, actor=staff, body=text.strip())
    db.session.flush()


def assign(complaint: Complaint, staff: User, assignee: User | None, now: datetime) -> None:
    """Give the case to a staff member (or to nobody); the same choice again records nothing."""
    if complaint.assigned_to_id == (assignee.id if assignee else None):
        return
    complaint.assigned_to_id = assignee.id if assignee else None
    _event(complaint, EventKind.ASSIGNED, ActorKind.STAFF, now, actor=staff, assignee=assignee)
    db.session.flush()


@dataclass(frozen=True)
class Contact:
    """Decrypted contact details."""

    name: str | None
    phone: str | None
    email: str | None
    account_number: str | None


def view_contact(complaint: Complaint, staff: User, now: datetime) -> Contact:
    """Decrypt the contact details, recording who looked and when."""
    require(complaint, ActorKind.STAFF, Action.CONTACT, now)
    _event(complaint, EventKind.CONTACT_VIEWED, ActorKind.STAFF, now, actor=staff)
    db.session.flush()
    return Contact(protection.decrypt(complaint.contact_name_enc),
                   protection.decrypt(complaint.contact_phone_enc),
                   protection.decrypt(complaint.contact_email_enc),
                   protection.decrypt(complaint.account_number_enc))


def suggested_summary(complaint: Complaint) -> str:
    """A first draft of the public summary: the description with personal data redacted."""
    return redact(f"{complaint.subject}\n\n{complaint.description}")


def _unused_public_id() -> str:
    """A new public identifier that no case has (a clash of 40 random bits is rare; the unique
    index would refuse one that slipped through)."""
    while True:
        candidate = codes.new_public_id()
        if db.session.scalar(sa.select(Complaint.id).where(
                Complaint.public_id == candidate)) is None:
            return candidate


def find_published(public_id: str) -> Complaint | None:
    """The published case with this public identifier (as typed), else None."""
    normalized = codes.normalize_public_id(public_id)
    if normalized is None:
        return None
    complaint = db.session.scalar(sa.select(Complaint).where(Complaint.public_id == normalized))
    return complaint if complaint is not None and complaint.is_published else None


def approve_summary(complaint: Complaint, staff: User, summary: str, now: datetime) -> None:
    """Publish an anonymised summary (redacted again); only with the complainant's consent."""
    require(complaint, ActorKind.STAFF, Action.SUMMARY, now)
    if not summary.strip():
        raise ComplaintError(_l("Write the summary."))
    # Chosen first: looking for a free identifier flushes, and the database refuses a
    # published case without one. A summary approved again keeps its permalink.
    public_id = complaint.public_id or _unused_public_id()
    complaint.public_summary = redact(summary.strip())
    complaint.summary_approved_at = now
    complaint.public_id = public_id
    if complaint.listed_at is None and not any(
            hold(complaint) for hold in domains.registry().listing_holds):
        complaint.listed_at = now
    _event(complaint, EventKind.SUMMARY_APPROVED, ActorKind.STAFF, now, actor=staff)
    db.session.flush()


@dataclass(frozen=True)
class PublicEvent:
    """An event of a published case, as the public sees it: no names, text redacted."""

    created_at: datetime
    kind: EventKind
    actor_kind: ActorKind
    from_status: ComplaintStatus | None
    to_status: ComplaintStatus | None
    body: str | None
    rating: int | None = None
    resolved: bool | None = None
    outcome: FindingOutcome | None = None
    actor: None = None
    assignee: None = None


def public_events(complaint: Complaint) -> list[PublicEvent]:
    """Status changes and replies of a published case. Only what staff and the committee wrote
    is shown (redacted); the complainant's own words never are, beyond the approved summary."""
    events = []
    for e in complaint.events:
        if e.kind not in {EventKind.STATUS, EventKind.REPLY}:
            continue
        body = redact(e.body) if e.body and e.actor_kind in {ActorKind.STAFF,
                                                             ActorKind.COMMITTEE} else None
        events.append(PublicEvent(e.created_at, e.kind, e.actor_kind, e.from_status,
                                  e.to_status, body, outcome=e.outcome))
    return events


def purge_contacts(now: datetime) -> int:
    """Delete contact details of cases closed more than the retention period ago."""
    cutoff = now - timedelta(days=int(str(_config("CONTACT_RETENTION_DAYS"))))
    cases = db.session.scalars(sa.select(Complaint).where(
        Complaint.status.in_(FINISHED), Complaint.closed_at.is_not(None),
        Complaint.closed_at < cutoff, Complaint.contact_purged_at.is_(None))).all()
    for complaint in cases:
        complaint.contact_name_enc = complaint.contact_phone_enc = None
        complaint.contact_email_enc = complaint.account_number_enc = None
        complaint.contact_purged_at = now
    db.session.flush()
    return len(cases)


def rotate_data_key() -> int:
    """Re-encrypt every stored contact detail with the newest data key."""
    count = 0
    for complaint in db.session.scalars(sa.select(Complaint)):
        for field in ("contact_name_enc", "contact_phone_enc", "contact_email_enc",
                      "account_number_enc"):
            value = getattr(complaint, field)
            if value is not None:
                setattr(complaint, field, protection.rotate(value))
                count += 1
    db.session.flush()
    return count
