"""What the public pages and the API show of commitments: one place that reads the request's
parameters (month range, district) and turns figures into rows, so that the page, its
downloads and the API always agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.commitments import computed
from portal.commitments.models import (
    Commitment,
    CommitmentVersion,
    Measurement,
    MeasurementImport,
)
from portal.commitments.performance import (
    ALL,
    Figure,
    Judge,
    Row,
    latest_month,
    latest_months,
    min_cell,
    months_back,
    rows,
    rows_of,
    states_of,
    version_on,
)
from portal.complaints.models import District
from portal.core.clock import local_today
from portal.core.formatting import datetime_filter, zone_name
from portal.core.publication import PublicationStatus
from portal.core.text import bracketed
from portal.extensions import db
from portal.stats import figures as stats_figures
from portal.stats.periods import FIRST_YEAR, Granularity, Period

MAX_MONTHS = 60
OVERVIEW_MONTHS = 12


class ParameterError(ValueError):
    """A parameter out of range: the message (translated) and the parameter's name."""

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.message, self.parameter = message, parameter


def districts() -> list[District]:
    """Every district, in their usual order."""
    return list(db.session.scalars(sa.select(District).order_by(District.position)))


def parse_month(text: str | None, parameter: str) -> date | None:
    """``YYYY-MM`` -> its first day; None when not given."""
    if text is None or text == "":
        return None
    period = Period.parse(text)
    if period is None or period.granularity is not Granularity.MONTH:
        raise ParameterError(_("Write the month as YYYY-MM, for example 2026-10."), parameter)
    return period.first_day


def parse_period(text: str | None) -> Period | None:
    """``?period=`` (a month, quarter or year) for the figures by district, else None: the
    selected months together (the latest quarter published, for a complaint promise)."""
    if not text:
        return None
    period = Period.parse(text)
    if period is None:
        raise ParameterError(period_message(), "period")
    return period


def unavailable_message(commitment: Commitment, period: Period) -> str:
    """Why a period's figures by district cannot be given yet."""
    if computed.is_computed(commitment):
        return _("%(period)s is not published yet: choose a quarter or a year whose months the "
                 "statistics have published.", period=str(period))
    return _("%(period)s has not ended, or not every month of it is reported yet: choose a "
             "month, or a period that has ended.", period=str(period))


def period_message() -> str:
    """The message for a malformed period."""
    return _("Write the period as a year (2026), a quarter (2026-Q3) or a month (2026-10).")


def once(args: Any, names: tuple[str, ...]) -> None:
    """Refuse a parameter given more than once (a query string's ``MultiDict``)."""
    for name in names:
        if hasattr(args, "getlist") and len(args.getlist(name)) > 1:
            raise ParameterError(_("Give %(name)s only once.", name=name), name)


@dataclass(frozen=True)
class Selection:
    """The months and the district asked for."""

    first: date
    last: date
    district: str  # ALL: every district


def select(args: Any, commitment: Commitment, known: list[District]) -> Selection:
    """``from``, ``to`` (months, inclusive) and ``district`` from the query string; by default
    the last twelve months with figures, every district. A parameter given twice is refused
    rather than one of its values silently chosen."""
    once(args, ("from", "to", "district"))
    district = args.get("district", "") or ALL
    if district != ALL and district not in {d.code for d in known}:
        raise ParameterError(_("Unknown district code."), "district")
    if district != ALL and computed.is_computed(commitment):
        raise ParameterError(_("By district, the figures of this commitment are published "
                               "for quarters and years only (one district's month would rest "
                               "on too few cases): see the table by district on its page."),
                             "district")
    newest = latest(commitment) or _last_ended_month()
    last = parse_month(args.get("to"), "to") or newest
    first = parse_month(args.get("from"), "from") or months_back(last, OVERVIEW_MONTHS)[0] \
        .first_day
    first = max(first, date(FIRST_YEAR, 1, 1))  # the default range never starts before
    if first > last:
        raise ParameterError(_("“from” must not be after “to”."), "from")
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count > MAX_MONTHS:
        raise ParameterError(_("Ask for at most %(count)s months at a time.", count=MAX_MONTHS),
                             "from")
    return Selection(first, last, district)


def judge_of(commitment: Commitment, known: list[District]) -> Judge:
    """What judges the commitment's figures: its imported measurements, or the statistics'
    published cells for a complaint commitment (``computed``)."""
    if computed.is_computed(commitment):
        return computed.ComputedJudge(commitment, known, computed.statistics_run())
    return Judge(commitment, known)


def latest(commitment: Commitment) -> date | None:
    """The newest month with figures."""
    if computed.is_computed(commitment):
        return computed.latest_month(computed.statistics_run())
    return latest_month(commitment.id)


def default_period(commitment: Commitment) -> Period | None:
    """The period the table by district shows unless one is asked for: for a complaint
    commitment, whose districts are published by quarter, the latest quarter published;
    otherwise none (the months chosen, together)."""
    run = computed.statistics_run()
    newest = latest(commitment)
    if not computed.is_computed(commitment) or run is None or newest is None:
        return None
    quarter = Period(newest.year, Granularity.QUARTER, (newest.month + 2) // 3)
    if not stats_figures.is_published(run, quarter):
        quarter = quarter.previous()
    return quarter if stats_figures.is_published(run, quarter) else None


def monthly(commitment: Commitment, selection: Selection,
            known: list[District]) -> list[Figure]:
    """One figure per month of the selection, for its district (or every district)."""
    judge = judge_of(commitment, known)
    found = rows(commitment.id, selection.first, _next(selection.last))
    figures = []
    for month in months_back(selection.last, _count(selection)):
        inside = [row for row in found if row.month == month.first_day]
        figures.append(judge.figure(month, selection.district, inside))
    return figures


def by_district(commitment: Commitment, period: Period, known: list[District]
                ) -> list[Figure] | None:
    """The figures of a calendar period (month, quarter or year), every district and each;
    None if not every month of it is reported yet (a period in course)."""
    found = rows(commitment.id, period.first_day, period.end)
    judge = judge_of(commitment, known)
    if not judge.covers(period, found):
        return None
    months = [Period(period.year, Granularity.MONTH, month) for month in period.months]
    return [judge.span(months, code, found) for code in [ALL, *(d.code for d in known)]]


def districts_table(commitment: Commitment, period: Period | None, selection: Selection,
                    known: list[District]) -> list[Figure] | None:
    """The table by district the page and the API show: of ``period``, else of the selected
    months together (``by_district``, ``by_district_over``)."""
    if period is not None:
        return by_district(commitment, period, known)
    return by_district_over(commitment, selection, known)


def by_district_over(commitment: Commitment, selection: Selection,
                     known: list[District]) -> list[Figure]:
    """The figures of the selected months together, every district and each (a district's
    only where each month's count of it is published)."""
    judge = judge_of(commitment, known)
    found = rows(commitment.id, selection.first, _next(selection.last))
    months = months_back(selection.last, _count(selection))
    return [judge.span(months, code, found) for code in [ALL, *(d.code for d in known)]]


Overview = tuple[Commitment, CommitmentVersion | None, tuple[Figure, Figure] | None]


def overview(commitments: list[Commitment], known: list[District], today: date
             ) -> list[Overview]:
    """Each commitment with its version in force and ``last_twelve``, the imported figures of
    them all read in a few queries (not a few per commitment)."""
    newest = latest_months()
    imported = [c.id for c in commitments if not computed.is_computed(c) and c.id in newest]
    found: dict[int, list[Row]] = {}
    states: dict[int, dict[int, dict[tuple[str, str], str]]] = {}
    if imported:
        first = min(months_back(newest[i], OVERVIEW_MONTHS)[0].first_day for i in imported)
        end = max(_next(newest[i]) for i in imported)
        found, states = rows_of(imported, first, end), states_of(imported, first, end)
    entries: list[Overview] = []
    for commitment in commitments:
        version = current_version(commitment, today)
        if commitment.id not in found:
            entries.append((commitment, version, last_twelve(commitment, known)))
            continue
        judge = judge_of(commitment, known)
        judge.preload(states[commitment.id])
        latest_one = newest[commitment.id]
        months = months_back(latest_one, OVERVIEW_MONTHS)
        mine = [row for row in found[commitment.id] if row.month >= months[0].first_day]
        entries.append((commitment, version, (
            judge.span(months, ALL, mine),
            judge.figure(months[-1], ALL, [r for r in mine if r.month == latest_one]))))
    return entries


def last_twelve(commitment: Commitment, known: list[District]) -> tuple[Figure, Figure] | None:
    """The last twelve months with figures together, and the latest month alone (every
    district); None without figures."""
    newest = latest(commitment)
    if newest is None:
        return None
    months = months_back(newest, OVERVIEW_MONTHS)
    found = rows(commitment.id, months[0].first_day, _next(newest))
    judge = judge_of(commitment, known)
    return (judge.span(months, ALL, found),
            judge.figure(months[-1], ALL, [r for r in found if r.month == newest]))


def _last_ended_month() -> date:
    today = local_today()
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


def _next(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _count(selection: Selection) -> int:
    return ((selection.last.year - selection.first.year) * 12 + selection.last.month
            - selection.first.month + 1)


def number(value: Decimal | None) -> str | None:
    """A decimal without trailing zeros (``31``, ``31.5``), None stays None."""
    if value is None:
        return None
    text = f"{value.normalize():f}"
    return text


def figure_row(figure: Figure) -> dict[str, Any]:
    """A figure as the API and the downloads give it."""
    return {"period": figure.period, "district": figure.district or None,
            "cases": figure.cases, "within_target": figure.within,
            "below_k": figure.state == "small",
            "suppressed": figure.state in ("small", "hidden"),
            "share_within_target": number(figure.share), "median": number(figure.median),
            "p90": number(figure.p90), "verdict": figure.verdict.value}


FIELDS = ("period", "district", "cases", "within_target", "below_k", "suppressed",
          "share_within_target",
          "median", "p90", "verdict")


def shown_cases(figure: Figure) -> str:
    """The number of cases as the tables show it: the count, "<k", "hidden" or "–"."""
    if figure.cases is not None:
        return f"{figure.cases:,}"
    if figure.state == "small":
        return f"<{min_cell()}"
    if figure.state == "hidden":
        return _("hidden")
    return "–"


def version_row(version: CommitmentVersion) -> dict[str, Any]:
    """A published version as the API gives it."""
    return {
        "version": version.number, "title_zh": version.title_zh, "title_en": version.title_en,
        "explanation_zh": version.explanation_zh, "explanation_en": version.explanation_en,
        "measure": version.measure.value, "unit": version.unit.value,
        "compliance": number(version.compliance),
        "targets": [{"area_type": t.area_type.value if t.area_type else None,
                     "value": number(t.value)} for t in version.targets],
        "effective_from": version.effective_from.isoformat(),
        "effective_to": version.effective_to.isoformat() if version.effective_to else None,
        "basis": {"number": version.basis_number, "title": version.basis_title,
                  "url": version.basis_url},
        "published_at": version.published_at.isoformat() if version.published_at else None,
    }


def published_versions(commitment: Commitment) -> list[CommitmentVersion]:
    """The published versions, newest first."""
    return sorted((v for v in commitment.versions if v.status is PublicationStatus.PUBLISHED),
                  key=lambda v: v.number, reverse=True)


def current_version(commitment: Commitment, today: date) -> CommitmentVersion | None:
    """The version in force today (else the nearest published)."""
    return version_on(commitment, today)


def upcoming(commitment: Commitment) -> CommitmentVersion | None:
    """The next published version, if one starts after today."""
    today = local_today()
    later = [v for v in published_versions(commitment) if v.effective_from > today]
    return min(later, key=lambda v: v.effective_from) if later else None


def last_import(commitment: Commitment) -> datetime | None:
    """When the figures of a commitment were last imported (what the pages show dates
    from); for a complaint commitment, when the statistics were last extracted."""
    if computed.is_computed(commitment):
        return computed.extracted_at(computed.statistics_run())
    found: datetime | None = db.session.scalar(
        sa.select(sa.func.max(MeasurementImport.imported_at))
        .join(Measurement, Measurement.import_id == MeasurementImport.id)
        .where(Measurement.commitment_id == commitment.id))
    return found


def citation(commitment: Commitment, imported: datetime | None, url: str) -> str:
    """How to cite a commitment's figures: its code and title, the page as shown (``url``,
    with the months, district and period chosen) and when the figures were last imported
    (extracted, for a complaint promise)."""
    version = version_on(commitment, local_today())
    code = commitment.code
    if version is not None:
        english = get_locale() is not None and str(get_locale()).startswith("en")
        title = version.title_en if english else version.title_zh
        code = f"{code} “{title}”" if english else f"{code}“{title}”"
    if imported is not None and computed.is_computed(commitment):
        return _("Demo Power Supply Co., Open Power Service, service commitment %(code)s, "
                 "figures extracted from the complaints on %(moment)s, %(url)s, licensed CC BY "
                 "4.0.", code=code,
                 moment=datetime_filter(imported) + bracketed(zone_name()), url=url)
    if imported is None:
        return _("Demo Power Supply Co., Open Power Service, service commitment %(code)s, "
                 "%(url)s, licensed CC BY 4.0.", code=code, url=url)
    return _("Demo Power Supply Co., Open Power Service, service commitment %(code)s, figures "
             "imported %(moment)s, %(url)s, licensed CC BY 4.0.", code=code,
             moment=datetime_filter(imported) + bracketed(zone_name()), url=url)
