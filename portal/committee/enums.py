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
