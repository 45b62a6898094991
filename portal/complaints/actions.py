"""What the complainant, a staff member or the users' committee may do with a case now.

Decided here once: the pages ask ``allowed_actions`` which forms to show, and the services ask
``refusal`` (through ``services.require``) before they change anything, so that a rule such as
"an open case is escalated only once a deadline has passed" is never written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.complaints import workflow
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.complaints.models import Complaint

S = ComplaintStatus


class Action(StrEnum):
    """Something done to a case; the value is the last part of the action's URL."""

    INFORMATION = "information"
    RATE = "rate"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"
    ESCALATE = "escalate"
    STATUS = "status"
    REPLY = "reply"
    NOTE = "note"
    ASSIGN = "assign"
    CONTACT = "contact"
    SUMMARY = "summary"
    DECIDE = "decide"


A = Action
ACTIONS: dict[ActorKind, tuple[Action, ...]] = {
    ActorKind.COMPLAINANT: (A.INFORMATION, A.RATE, A.REOPEN, A.ESCALATE, A.WITHDRAW),
    ActorKind.STAFF: (A.STATUS, A.REPLY, A.NOTE, A.ASSIGN, A.CONTACT, A.SUMMARY),
    ActorKind.COMMITTEE: (A.DECIDE,),
}
# The complainant's steps that are status changes.
STEPS = {A.WITHDRAW: S.WITHDRAWN, A.REOPEN: S.REOPENED, A.ESCALATE: S.ESCALATED}
CLOSED_FOR_GOOD = frozenset({S.WITHDRAWN, S.DECIDED})
ANSWERED = frozenset({S.REPLIED, S.CLOSED})

NOT_POSSIBLE = _l("This step is not possible for the case as it stands.")
Refusal = object | None


def _information(complaint: Complaint, _now: datetime) -> Refusal:
    if complaint.status in CLOSED_FOR_GOOD:
        return _l("This case is finished; information can no longer be added.")
    return None


def _rate(complaint: Complaint, _now: datetime) -> Refusal:
    if complaint.status not in ANSWERED:
        return _l("An answer can be rated once the case has been answered.")
    if complaint.rating is not None:
        return _l("You have already rated this answer.")
    return None


def _step(target: ComplaintStatus) -> Callable[[Complaint, datetime], Refusal]:
    def rule(complaint: Complaint, _now: datetime) -> Refusal:
        allowed = workflow.allowed(complaint.status, target, ActorKind.COMPLAINANT)
        return None if allowed else NOT_POSSIBLE
    return rule


def reopen_refusal(complaint: Complaint, now: datetime) -> Refusal:
    """Why the complainant may not reopen the case now (None: they may)."""
    if not workflow.allowed(complaint.status, S.REOPENED, ActorKind.COMPLAINANT):
        return NOT_POSSIBLE
    if complaint.reopen_count >= 1:
        return _l("A case can be reopened only once.")
    if complaint.resolved:
        return _l("You rated this case as resolved.")
    answered = complaint.replied_at or complaint.closed_at
    days = int(str(current_app.config["REOPEN_DAYS"]))
    if answered is None or now - answered > timedelta(days=days):
        return _l("A case can be reopened within %(days)s days of its answer.", days=days)
    return None


def escalation_refusal(complaint: Complaint, now: datetime) -> Refusal:
    """Why the complainant may not take the case to the committee now (None: they may)."""
    if not workflow.allowed(complaint.status, S.ESCALATED, ActorKind.COMPLAINANT):
        return NOT_POSSIBLE
    if complaint.status in workflow.ESCALATE_WHEN_OVERDUE and not complaint.overdue(now):
        return _l("An open case can be taken to the users' committee once a deadline has "
                  "passed.")
    return None


def _status(complaint: Complaint, _now: datetime) -> Refusal:
    return None if workflow.next_statuses(complaint.status, ActorKind.STAFF) else NOT_POSSIBLE


def _reply(complaint: Complaint, _now: datetime) -> Refusal:
    if complaint.status in CLOSED_FOR_GOOD:
        return _l("This case is finished; it can no longer be answered.")
    return None


def _always(_complaint: Complaint, _now: datetime) -> Refusal:
    return None


def _contact(complaint: Complaint, _now: datetime) -> Refusal:
    if complaint.contact_purged_at is None and (complaint.has_contact
                                                or complaint.account_number_enc):
        return None
    return _l("This case has no contact details to show.")


def _summary(complaint: Complaint, _now: datetime) -> Refusal:
    return None if complaint.consent_publish else _l(
        "The complainant did not agree to publication.")


def _decide(complaint: Complaint, _now: datetime) -> Refusal:
    allowed = workflow.allowed(complaint.status, S.DECIDED, ActorKind.COMMITTEE)
    return None if allowed else NOT_POSSIBLE


RULES: dict[Action, Callable[[Complaint, datetime], Refusal]] = {
    A.INFORMATION: _information, A.RATE: _rate, A.WITHDRAW: _step(S.WITHDRAWN),
    A.REOPEN: reopen_refusal, A.ESCALATE: escalation_refusal,
    A.STATUS: _status, A.REPLY: _reply, A.NOTE: _always, A.ASSIGN: _always,
    A.CONTACT: _contact, A.SUMMARY: _summary, A.DECIDE: _decide,
}


def refusal(complaint: Complaint, actor: ActorKind, action: Action, now: datetime) -> Refusal:
    """Why ``actor`` may not take ``action`` on the case now (a translated message), or None."""
    if action not in ACTIONS.get(actor, ()):
        return NOT_POSSIBLE
    return RULES[action](complaint, now)


def allowed_actions(complaint: Complaint, actor: ActorKind, now: datetime) -> frozenset[Action]:
    """The actions ``actor`` may take on the case now."""
    return frozenset(action for action in ACTIONS.get(actor, ())
                     if RULES[action](complaint, now) is None)
