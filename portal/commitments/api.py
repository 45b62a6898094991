"""``GET /api/v1/commitments``, ``/api/v1/commitments/<code>``,
``/api/v1/commitments/<code>/performance[.csv]`` (month by month) and
``/api/v1/commitments/<code>/districts[.csv]`` (by district for a period): the same figures as
the pages, after the same disclosure control; a parameter out of range is a 400 naming it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.commitments import computed, report, services
from portal.commitments.blueprint import api
from portal.commitments.models import Commitment
from portal.commitments.performance import min_cell
from portal.core.api import ApiError, csv_response, only_arguments
from portal.core.clock import local_today
from portal.stats.opendata import LICENCE, csv_value, iso

PERFORMANCE_ARGUMENTS = ("from", "to", "district")
DISTRICT_ARGUMENTS = ("from", "to", "period")


def _commitment(code: str) -> Commitment:
    commitment = services.get_commitment(code)
    if commitment is None or not report.published_versions(commitment):
        raise ApiError(404, _("No published commitment has the code “%(code)s”.",
                              code=code[:40]), "code")
    return commitment


def _summary(commitment: Commitment) -> dict[str, Any]:
    version = report.current_version(commitment, local_today())
    return {"code": commitment.code, "source": commitment.source.value,
            "current": report.version_row(version) if version else None,
            "url": url_for("commitments_api.commitment", code=commitment.code, _external=True),
            "page": url_for("commitments.show", code=commitment.code, _external=True)}


@api.get("/commitments")
@open_to_all
def commitments() -> Response:
    """Every published commitment with the version in force today."""
    only_arguments(())
    return jsonify(commitments=[_summary(c) for c in services.public_commitments()])


@api.get("/commitments/<code>")
@open_to_all
def commitment(code: str) -> Response:
    """One commitment with every published version, newest first."""
    only_arguments(())
    found = _commitment(code)
    return jsonify({**_summary(found), "versions": [
        report.version_row(v) for v in report.published_versions(found)]})


def _performance(code: str) -> tuple[Commitment, report.Selection, list[dict[str, Any]]]:
    only_arguments(PERFORMANCE_ARGUMENTS)
    found = _commitment(code)
    known = report.districts()
    try:
        selection = report.select(request.args, found, known)
    except report.ParameterError as refused:
        raise ApiError(400, refused.message, refused.parameter) from None
    return found, selection, [report.figure_row(f)
                              for f in report.monthly(found, selection, known)]


@api.get("/commitments/<code>/performance")
@open_to_all
def performance(code: str) -> Response:
    """Month by month, for every district or one: cases, cases within the target, share
    within the target, median, 90th percentile and verdict; counts under k (``below_k``) and
    hidden ones are null."""
    found, selection, rows = _performance(code)
    imported = report.last_import(found)
    page = url_for("commitments.show", code=found.code, _external=True)
    return jsonify({"commitment": found.code, "from": f"{selection.first:%Y-%m}",
                    "to": f"{selection.last:%Y-%m}", "district": selection.district or None,
                    "k": min_cell(), "imported_at": iso(imported) if imported else None,
                    "source": found.source.value,
                    "licence": LICENCE, "citation": report.citation(found, imported, page),
                    "rows": rows})


def _csv(name: str, rows: list[dict[str, Any]], imported: datetime | None) -> Response:
    """Rows as a CSV download: ``Last-Modified`` when the figures were imported (extracted),
    and the licence in a ``Link`` header."""
    response = csv_response(name, report.FIELDS, (
        [csv_value(row[f]) for f in report.FIELDS] for row in rows))
    if imported is not None:
        response.last_modified = imported
    response.headers["Link"] = f'<{LICENCE["path"]}>; rel="license"'
    return response


def _moment_name(commitment: Commitment) -> str:
    return "extracted" if computed.is_computed(commitment) else "imported"


@api.get("/commitments/<code>/performance.csv")
@open_to_all
def performance_csv(code: str) -> Response:
    """The same as CSV (UTF-8 with a byte-order mark; empty where suppressed). A file has no
    envelope: its name ends with when the figures were imported (extracted from the complaints,
    for a complaint promise), ``Last-Modified`` gives that moment and a ``Link`` header the
    licence."""
    found, selection, rows = _performance(code)
    imported = report.last_import(found)
    name = (f"opower-commitment-{found.code}-{selection.first:%Y-%m}-{selection.last:%Y-%m}"
            f"{'-' + selection.district if selection.district else ''}"
            f"{f'_{_moment_name(found)}-{imported:%Y%m%dT%H%MZ}' if imported else ''}.csv")
    return _csv(name, rows, imported)


def _by_district(code: str) -> tuple[Commitment, str, list[dict[str, Any]]]:
    """The figures by district of ``period`` (a year, quarter or month), or of the months
    ``from``-``to`` together; by default as the page shows them."""
    only_arguments(DISTRICT_ARGUMENTS)
    found = _commitment(code)
    known = report.districts()
    try:
        period = report.parse_period(request.args.get("period"))
        selection = report.select(request.args, found, known)
    except report.ParameterError as refused:
        raise ApiError(400, refused.message, refused.parameter) from None
    period = period or report.default_period(found)
    figures = report.districts_table(found, period, selection, known)
    if figures is None:
        assert period is not None
        raise ApiError(400, report.unavailable_message(found, period), "period")
    label = str(period) if period else f"{selection.first:%Y-%m}/{selection.last:%Y-%m}"
    return found, label, [report.figure_row(f) for f in figures]


@api.get("/commitments/<code>/districts")
@open_to_all
def districts(code: str) -> Response:
    """Every district and each for one period (the first row: every district), as the
    commitment page's table by district; counts under k and hidden ones are null."""
    found, label, rows = _by_district(code)
    imported = report.last_import(found)
    page = url_for("commitments.show", code=found.code, _external=True)
    return jsonify({"commitment": found.code, "period": label, "k": min_cell(),
                    "imported_at": iso(imported) if imported else None,
                    "source": found.source.value, "licence": LICENCE,
                    "citation": report.citation(found, imported, page), "rows": rows})


@api.get("/commitments/<code>/districts.csv")
@open_to_all
def districts_csv(code: str) -> Response:
    """The same as CSV (UTF-8 with a byte-order mark; empty where suppressed)."""
    found, label, rows = _by_district(code)
    imported = report.last_import(found)
    name = (f"opower-commitment-{found.code}-districts-{label.replace('/', '-')}"
            f"{f'_{_moment_name(found)}-{imported:%Y%m%dT%H%MZ}' if imported else ''}.csv")
    return _csv(name, rows, imported)
