"""Vocabulary of complaints, each value with its translated title."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.enums import TitledEnum


class ComplaintType(TitledEnum):
    """What the person is sending."""

    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"


ComplaintType.TITLES = {"complaint": _l("Complaint"), "report": _l("Report of misconduct"),
                        "suggestion": _l("Suggestion")}


class ComplaintStatus(TitledEnum):
    """Where a case stands; the allowed moves are in ``workflow.TRANSITIONS``."""

    REGISTERED = "registered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    CLOSED = "closed"
    REOPENED = "reopened"
    WITHDRAWN = "withdrawn"
    ESCALATED = "escalated"
    DECIDED = "decided"

    @property
    def is_open(self) -> bool:
        """Still waiting for the supplier to act."""
        return self in OPEN_STATUSES

    @property
    def is_finished(self) -> bool:
        """Done with: closed, withdrawn, not accepted or decided; its deadlines have ended."""
        return self in FINISHED_STATUSES


ComplaintStatus.TITLES = {
    "registered": _l("Registered"), "accepted": _l("Accepted"),
    "rejected": _l("Not accepted"), "in_progress": _l("Being handled"),
    "replied": _l("Answered"), "closed": _l("Closed"), "reopened": _l("Reopened"),
    "withdrawn": _l("Withdrawn"), "escalated": _l("With the users' committee"),
    "decided": _l("Decided by the committee"),
}
OPEN_STATUSES = frozenset({ComplaintStatus.REGISTERED, ComplaintStatus.ACCEPTED,
                           ComplaintStatus.IN_PROGRESS, ComplaintStatus.REOPENED})
FINISHED_STATUSES = frozenset({ComplaintStatus.CLOSED, ComplaintStatus.WITHDRAWN,
                               ComplaintStatus.REJECTED, ComplaintStatus.DECIDED})


class ActorKind(TitledEnum):
    """Who did something to a case."""

    COMPLAINANT = "complainant"
    STAFF = "staff"
    COMMITTEE = "committee"


ActorKind.TITLES = {"complainant": _l("You"), "staff": _l("Customer service"),
                    "committee": _l("Users' committee")}


class EventKind(TitledEnum):
    """What happened to a case."""

    STATUS = "status"
    REPLY = "reply"
    NOTE = "note"
    INFORMATION = "information"
    ASSIGNED = "assigned"
    CONTACT_VIEWED = "contact_viewed"
    RATED = "rated"
    SUMMARY_APPROVED = "summary_approved"


EventKind.TITLES = {
    "status": _l("Status changed"), "reply": _l("Reply"), "note": _l("Internal note"),
    "information": _l("More information"), "assigned": _l("Assigned"),
    "contact_viewed": _l("Contact details viewed"), "rated": _l("Answer rated"),
    "summary_approved": _l("Public summary approved"),
}
# Events a complainant (and, for published cases, the public) may see.
PUBLIC_EVENTS = frozenset({EventKind.STATUS, EventKind.REPLY, EventKind.INFORMATION,
                           EventKind.RATED})


class FindingOutcome(TitledEnum):
    """What the users' committee found on a case taken to it."""

    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


FindingOutcome.TITLES = {"upheld": _l("Upheld"), "partly_upheld": _l("Partly upheld"),
                         "not_upheld": _l("Not upheld")}


class AreaType(TitledEnum):
    """A district's kind of area, which sets the repair-time target."""

    URBAN = "urban"
    RURAL = "rural"
    REMOTE = "remote"


AreaType.TITLES = {"urban": _l("Urban"), "rural": _l("Rural"), "remote": _l("Remote")}
