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
