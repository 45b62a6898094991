"""Vocabulary of service commitments, each value with its translated title."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.enums import TitledEnum


class Measure(TitledEnum):
    """What a commitment promises of each case: done within a time, notice at least so long
    ahead, or (for a whole month) a share to reach."""

    MAX_DURATION = "max_duration"
    MIN_NOTICE = "min_notice"
    MIN_SHARE = "min_share"


Measure.TITLES = {
    "max_duration": _l("Time limit"),
    "min_notice": _l("Notice at least"),
    "min_share": _l("Share of at least"),
}


class Unit(TitledEnum):
    """The unit of a target."""

    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"
    PERCENT = "percent"


Unit.TITLES = {
    "minutes": _l("minutes"),
    "hours": _l("hours"),
    "days": _l("days"),
    "working_days": _l("working days"),
    "percent": _l("percent"),
}

# The units each measure may use: a time for durations and notices, a share for shares.
UNITS: dict[Measure, tuple[Unit, ...]] = {
    Measure.MAX_DURATION: (Unit.MINUTES, Unit.HOURS, Unit.DAYS, Unit.WORKING_DAYS),
    Measure.MIN_NOTICE: (Unit.HOURS, Unit.DAYS, Unit.WORKING_DAYS),
    Measure.MIN_SHARE: (Unit.PERCENT,),
}


class Source(TitledEnum):
    """Where a commitment's measurements come from: imported by staff month by month, or
    computed from the complaints' own events."""

    IMPORTED = "imported"
    COMPLAINT_CONTACT = "complaint_contact"
    COMPLAINT_REPLY = "complaint_reply"


Source.TITLES = {
    "imported": _l("Figures reported by the company each month"),
    "complaint_contact": _l("Computed from the complaints filed on this portal"),
    "complaint_reply": _l("Computed from the complaints filed on this portal"),
}


class Verdict(TitledEnum):
    """Whether a period's figures keep the promise."""

    MET = "met"
    MISSED = "missed"
    NOT_ENOUGH = "not_enough"
    HIDDEN = "hidden"
    NO_DATA = "no_data"


Verdict.TITLES = {
    "met": _l("Met"),
    "missed": _l("Missed"),
    "not_enough": _l("Not enough data"),
    "hidden": _l("Not shown"),
    "no_data": _l("No figures"),
}
