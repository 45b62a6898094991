"""Vocabulary of the users' committee, each value with its translated title."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.enums import TitledEnum


class MemberRole(TitledEnum):
    """What a member does on the committee."""

    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    MEMBER = "member"


MemberRole.TITLES = {"chair": _l("Chair"), "vice_chair": _l("Vice-chair"),
                     "member": _l("Member")}


class Vote(TitledEnum):
    """How one member voted on a decision (absent: not at the meeting, or not voting)."""

    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"
    ABSENT = "absent"


Vote.TITLES = {"for": _l("For"), "against": _l("Against"), "abstain": _l("Abstained"),
               "absent": _l("Absent")}


class DecisionOutcome(TitledEnum):
    """Whether a decision was adopted: by more than half of the members seated that day."""

    ADOPTED = "adopted"
    REJECTED = "rejected"


DecisionOutcome.TITLES = {"adopted": _l("Adopted"), "rejected": _l("Rejected")}


class DecisionCategory(TitledEnum):
    """What a decision is about, for readers who search the decisions."""

    FEES = "fees"
    SERVICE = "service"
    COMPLAINTS = "complaints"
    COMMITMENTS = "commitments"
    COMMITTEE = "committee"


DecisionCategory.TITLES = {"fees": _l("Fees and tariffs"), "service": _l("Quality of service"),
                           "complaints": _l("Complaints"),
                           "commitments": _l("Service commitments"),
                           "committee": _l("The committee's own affairs")}


class NoticeState(TitledEnum):
    """Where a notice of irregular service stands: its corrective action is due, overdue (the
    deadline has passed and the notice is not closed) or done (closed)."""

    OPEN = "open"
    OVERDUE = "overdue"
    CLOSED = "closed"


NoticeState.TITLES = {"open": _l("Corrective action under way"),
                      "overdue": _l("Corrective action overdue"), "closed": _l("Closed")}
