"""The values of the statistics' own dimensions (outcomes of a case), with translated titles.

A case's type, category, district and status keep the complaints domain's vocabulary; these
say what became of it: whether the first contact and the answer came within their deadlines,
the complainant's rating and verdict, whether the case went to the users' committee and what
the committee found.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.enums import TitledEnum


class DeadlineOutcome(TitledEnum):
    """Whether the answer came within the reply deadline."""

    MET = "met"
    LATE = "late"
    OVERDUE = "overdue"
    WAITING = "waiting"
    NONE = "none"


DeadlineOutcome.TITLES = {
    "met": _l("Answered within the deadline"), "late": _l("Answered after the deadline"),
    "overdue": _l("Not answered, deadline passed"),
    "waiting": _l("Not answered yet, within the deadline"),
    "none": _l("No answer due (not accepted or withdrawn)")}


class ReplyTarget(TitledEnum):
    """Whether the first answer came within the deadline the case was given when filed, as the
    reply commitment counts it: a late first answer and a deadline passed without one both
    miss it."""

    WITHIN = "within"
    MISSED = "missed"
    NONE = "none"


ReplyTarget.TITLES = {
    "within": _l("First answer within the deadline"),
    "missed": _l("First answer late, or none by the deadline"),
    "none": _l("Not counted: rejected or withdrawn before the deadline, or not due yet")}


class ContactTarget(TitledEnum):
    """Whether the first contact came within its deadline (hours), as the first-contact
    commitment counts it; ``unknown`` for the months made final before it was counted."""

    WITHIN = "within"
    MISSED = "missed"
    NONE = "none"
    UNKNOWN = "unknown"


ContactTarget.TITLES = {
    "within": _l("Contacted within the deadline"),
    "missed": _l("Contacted late, or not contacted by the deadline"),
    "none": _l("Not counted: rejected or withdrawn before the deadline, or not due yet"),
    "unknown": _l("Not recorded: the month was final before first contacts were counted")}


class ChannelValue(TitledEnum):
    """How the case reached the portal: its own form, or a partner channel's key (Open311).
    Every case filed before partner channels existed came through the form."""

    PORTAL = "portal"
    PARTNER = "partner"


ChannelValue.TITLES = {"portal": _l("The portal's form"),
                       "partner": _l("A partner channel (Open311)")}


class RatingValue(TitledEnum):
    """The complainant's rating of the answer, or none."""

    FIVE = "5"
    FOUR = "4"
    THREE = "3"
    TWO = "2"
    ONE = "1"
    NONE = "none"


RatingValue.TITLES = {"5": _l("5 - very satisfied"), "4": _l("4 - satisfied"),
                      "3": _l("3 - neutral"), "2": _l("2 - dissatisfied"),
                      "1": _l("1 - very dissatisfied"), "none": _l("Not rated")}


class ResolvedValue(TitledEnum):
    """Whether the complainant said the problem was resolved, or gave no rating."""

    YES = "yes"
    NO = "no"
    NONE = "none"


ResolvedValue.TITLES = {"yes": _l("Resolved"), "no": _l("Not resolved"),
                        "none": _l("Not rated")}


class EscalatedValue(TitledEnum):
    """Whether the complainant took the case to the users' committee."""

    YES = "yes"
    NO = "no"


EscalatedValue.TITLES = {"yes": _l("Taken to the users' committee"),
                         "no": _l("Not taken to the committee")}


class FindingValue(TitledEnum):
    """What the users' committee found, or no finding."""

    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"
    NONE = "none"


FindingValue.TITLES = {"upheld": _l("Upheld"), "partly_upheld": _l("Partly upheld"),
                       "not_upheld": _l("Not upheld"), "none": _l("No committee finding")}
