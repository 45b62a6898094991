"""The dashboard's filters, read from the query string (GET: no CSRF token): every view is a
permalink. A value the statistics do not know is refused with a message (400), never ignored."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from portal.core.formatting import date_filter, month_filter
from portal.core.forms import PortalForm
from portal.stats import figures
from portal.stats.models import StatsRun
from portal.stats.periods import Granularity, Period

FILTERS = ("type", "category", "district")


def published_periods(run: StatsRun | None) -> list[Period]:
    """Every published period, newest first: years, then quarters, then months."""
    if run is None or run.first_month is None or run.last_month is None:
        return []
    found = []
    for granularity in Granularity:
        first = Period(run.first_month.year, granularity,
                       {Granularity.YEAR: 0, Granularity.QUARTER: (run.first_month.month + 2) // 3,
                        Granularity.MONTH: run.first_month.month}[granularity])
        period = first
        while period.first_day <= run.last_month:
            if figures.is_published(run, period):
                found.append(period)
            period = period.next()
    return sorted(found, key=lambda p: (p.granularity, p.first_day), reverse=True)


class DashboardForm(PortalForm):
    """Period and filters of the dashboard."""

    class Meta:
        csrf = False

    period = SelectField(_l("Period"), choices=[], validate_choice=False)
    type = SelectField(_l("Type"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    district = SelectField(_l("District"), choices=[], validate_choice=False)

    def __init__(self, run: StatsRun | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.period.choices = [(str(p), _choice(p, run)) for p in published_periods(run)]
        for name in FILTERS:
            getattr(self, name).choices = [("", str(_l("All"))), *figures.vocabulary(name)]


def _choice(period: Period, run: StatsRun | None) -> str:
    """A period as the list offers it, saying when it holds only part of its months (the
    first year and quarter start with the first case), so that it is not compared as whole."""
    first = run.first_month if run is not None else None
    if first is not None and period.first_day < first and period.granularity is not \
            Granularity.MONTH:
        return _("%(period)s (from %(month)s)", period=period_name(period),
                 month=month_filter(first))
    day = run.first_day if run is not None else None
    if day is not None and day.day > 1 and period.first_day == day.replace(day=1):
        return _("%(period)s (from %(month)s)", period=period_name(period),
                 month=date_filter(day))
    return period_name(period)


def period_name(period: Period) -> str:
    """``2026年第3季度`` / ``Q3 2026``, ``2026年7月`` / ``July 2026``, ``2026年`` / ``2026``."""
    if period.granularity is Granularity.QUARTER:
        return _("Q%(quarter)s %(year)s", quarter=period.number, year=period.year)
    if period.granularity is Granularity.MONTH:
        return month_filter(period.first_day)
    return _("Year %(year)s", year=period.year)
