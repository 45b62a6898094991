"""Public pages of the service commitments: the overview and a page per commitment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from portal.accounts.roles import open_to_all
from portal.commitments import computed, report, services
from portal.commitments.blueprint import public
from portal.commitments.chart import trend
from portal.commitments.models import Commitment, CommitmentVersion
from portal.commitments.performance import ALL, required_share
from portal.complaints.models import District
from portal.core.clock import local_today
from portal.core.page_cache import cacheable
from portal.core.vendor import allow_plotly
from portal.stats.periods import Period


def _commitment_or_404(code: str) -> Commitment:
    commitment = services.get_commitment(code)
    if commitment is None or not report.published_versions(commitment):
        abort(404)
    return commitment


@public.get("/")
@open_to_all
@cacheable
def overview() -> Any:
    """Every commitment with its target and the last twelve months' figures."""
    entries = report.overview(services.public_commitments(), report.districts(),
                              local_today())
    return render_template("commitments/overview.html", entries=entries)


def _required_lines(version: CommitmentVersion | None, district: str,
                    known: list[District]) -> list[tuple[str, Decimal]]:
    """The share required, as the chart's dashed lines: one, or one per area type where they
    differ (every district of a share commitment)."""
    if version is None:
        return []
    area = next((d.area_type for d in known if d.code == district), None)
    required = required_share(version, area)
    if required is not None:
        return [(_("Share required"), required)]
    return [(_("Share required: %(area)s", area=t.area_type.title if t.area_type
               else _("other districts")), t.value) for t in version.targets]


def _shown(selection: report.Selection, period: Period | None) -> dict[str, str]:
    """The page's parameters as shown: what a citation links to."""
    shown = {"from": f"{selection.first:%Y-%m}", "to": f"{selection.last:%Y-%m}"}
    if selection.district:
        shown["district"] = selection.district
    if period is not None:
        shown["period"] = str(period)
    return shown


def _downloads(code: str, selection: report.Selection, period: Period | None
               ) -> dict[str, str]:
    """The page's tables as data: month by month, and by district."""
    arguments: dict[str, Any] = dict(_shown(selection, None))
    by_district: dict[str, Any] = {"period": str(period)} if period else {
        "from": arguments["from"], "to": arguments["to"]}
    return {"csv": url_for("commitments_api.performance_csv", code=code, **arguments),
            "json": url_for("commitments_api.performance", code=code, **arguments),
            "districts_csv": url_for("commitments_api.districts_csv", code=code, **by_district),
            "districts_json": url_for("commitments_api.districts", code=code, **by_district)}


@public.get("/<code>/versions/<int:number>")
@open_to_all
@cacheable
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
@cacheable
def show(code: str) -> Any:
    """A commitment: what it promises, its trend, the figures by month and by district."""
    commitment = _commitment_or_404(code)
    known = report.districts()
    version = report.current_version(commitment, local_today())
    refusals: list[report.ParameterError] = []
    try:
        selection = report.select(request.args, commitment, known)
    except report.ParameterError as refused:
        refusals.append(refused)
        selection = report.select({}, commitment, known)
    try:  # a wrong period keeps the months chosen, and the period typed is shown again
        report.once(request.args, ("period",))
        period = report.parse_period(request.args.get("period"))
    except report.ParameterError as refused:
        refusals.append(refused)
        period = None
    error = refusals[0].message if refusals else None
    period_error = next((r.message for r in refusals if r.parameter == "period"), None)
    period = period or report.default_period(commitment)
    months = report.monthly(commitment, selection, known)
    lines = _required_lines(version, selection.district, known)
    chart = trend(months, lines) if any(f.share is not None for f in months) else None
    if chart is not None:
        allow_plotly()
    return render_template(
        "commitments/commitment.html", downloads=_downloads(code, selection, period),
        commitment=commitment, version=version, upcoming=report.upcoming(commitment),
        versions=report.published_versions(commitment), selection=selection, months=months,
        districts=known, period=period, chart=chart, error=error, all_districts=ALL,
        by_district=report.districts_table(commitment, period, selection, known),
        computed=computed.is_computed(commitment), shown_cases=report.shown_cases,
        period_error=period_error,
        period_typed=request.args.get("period", "")[:40] if period_error else None,
        unavailable=report.unavailable_message(commitment, period) if period else None,
        citation=report.citation(commitment, report.last_import(commitment),
                                 url_for("commitments.show", code=code, _external=True,
                                         **_shown(selection, period)))), \
        400 if error else 200
