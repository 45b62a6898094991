"""Public pages of the service commitments: the overview and a page per commitment."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for

from portal.accounts.roles import open_to_all
from portal.commitments import report, services
from portal.commitments.blueprint import public
from portal.commitments.chart import trend
from portal.commitments.enums import Source
from portal.commitments.models import Commitment
from portal.commitments.performance import ALL, latest_month, required_share
from portal.core.clock import local_today
from portal.core.vendor import allow_plotly
from portal.stats.periods import Granularity, Period


def _commitment_or_404(code: str) -> Commitment:
    commitment = services.get_commitment(code)
    if commitment is None or not report.published_versions(commitment):
        abort(404)
    return commitment


@public.get("/")
@open_to_all
def overview() -> Any:
    """Every commitment with its target and the last twelve months' figures."""
    today = local_today()
    known = report.districts()
    entries = []
    for commitment in services.public_commitments():
        version = report.current_version(commitment, today)
        entries.append((commitment, version, report.last_twelve(commitment, known)))
    return render_template("commitments/overview.html", entries=entries,
                           computed=Source.IMPORTED)


def _period(text: str | None, commitment: Commitment) -> tuple[Period | None, str | None]:
    """The period of the table by district: ``?period=`` (a month, quarter or year), by
    default the latest month with figures."""
    if text:
        period = Period.parse(text)
        if period is None:
            return None, "period"
        return period, None
    latest = latest_month(commitment.id)
    return (Period(latest.year, Granularity.MONTH, latest.month) if latest else None), None


@public.get("/<code>/versions/<int:number>")
@open_to_all
def show_version(code: str, number: int) -> Any:
    """One published version, with its own stable address for citing."""
    commitment = _commitment_or_404(code)
    version = next((v for v in report.published_versions(commitment) if v.number == number),
                   None)
    if version is None:
        abort(404)
    return render_template("commitments/version.html", commitment=commitment,
                           version=version, versions=report.published_versions(commitment))


@public.get("/<code>")
@open_to_all
def show(code: str) -> Any:
    """A commitment: what it promises, its trend, the figures by month and by district."""
    commitment = _commitment_or_404(code)
    known = report.districts()
    today = local_today()
    version = report.current_version(commitment, today)
    error, status = None, 200
    try:
        selection = report.select(request.args, commitment, known)
    except report.ParameterError as refused:
        error, status = refused.message, 400
        selection = report.select({}, commitment, known)
    period, bad_period = _period(request.args.get("period"), commitment)
    if bad_period:
        error, status = report.period_message(), 400
        period, _ignored = _period(None, commitment)
    months = report.monthly(commitment, selection, known)
    required = (required_share(version, next(
        (d.area_type for d in known if d.code == selection.district), None))
        if version else None)
    chart = trend(months, required) if any(f.share is not None for f in months) else None
    if chart is not None:
        allow_plotly()
    arguments: dict[str, Any] = {"from": f"{selection.first:%Y-%m}",
                                 "to": f"{selection.last:%Y-%m}",
                                 "district": selection.district or None}
    downloads = {"csv": url_for("commitments_api.performance_csv", code=code, **arguments),
                 "json": url_for("commitments_api.performance", code=code, **arguments)}
    return render_template(
        "commitments/commitment.html", downloads=downloads, commitment=commitment, version=version,
        versions=report.published_versions(commitment), selection=selection, months=months,
        districts=known, by_district=report.by_district(commitment, period, known)
        if period else [], period=period, chart=chart, required=required, error=error,
        all_districts=ALL, shown_cases=report.shown_cases), status
