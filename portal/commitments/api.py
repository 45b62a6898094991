"""``GET /api/v1/commitments``, ``/api/v1/commitments/<code>``,
``/api/v1/commitments/<code>/performance[.csv]`` (month by month) and
``/api/v1/commitments/<code>/districts[.csv]`` (by district for a period): the same figures as
the pages, after the same disclosure control; a parameter out of range is a 400 naming it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.commitments import computed, report, services
from portal.commitments.blueprint import api
from portal.commitments.models import Commitment
from portal.commitments.performance import min_cell
from portal.core import apidoc
from portal.core.api import ApiError, csv_response, only_arguments
from portal.core.apidoc import LANG, Param, documented
from portal.core.clock import local_today
from portal.core.page_cache import cacheable
from portal.stats.opendata import LICENCE, csv_value, iso

PERFORMANCE_ARGUMENTS = ("from", "to", "district")
DISTRICT_ARGUMENTS = ("from", "to", "period")

TAG = "commitments"
NUMBER: dict[str, Any] = {"type": ["string", "null"], "description": _l("A decimal as text.")}
NULLABLE_TEXT: dict[str, Any] = {"type": ["string", "null"]}
VERSION = apidoc.schema("CommitmentVersion", {"type": "object", "required": [
    "version", "title_zh", "measure", "unit", "targets", "effective_from"], "properties": {
    "version": {"type": "integer"}, "title_zh": {"type": "string"},
    "title_en": NULLABLE_TEXT, "explanation_zh": NULLABLE_TEXT,
    "explanation_en": NULLABLE_TEXT, "measure": {"type": "string"},
    "unit": {"type": "string"}, "compliance": NUMBER,
    "targets": {"type": "array", "items": {"type": "object", "properties": {
        "area_type": NULLABLE_TEXT, "value": NUMBER}}},
    "effective_from": {"type": "string", "format": "date"},
    "effective_to": {"type": ["string", "null"], "format": "date"},
    "basis": {"type": "object"}, "published_at": NULLABLE_TEXT}})
SUMMARY: dict[str, Any] = {"type": "object", "required": ["code", "source", "current", "url"],
                           "properties": {"code": {"type": "string"},
                                          "source": {"type": "string"},
                                          "current": {"oneOf": [VERSION, {"type": "null"}]},
                                          "url": {"type": "string"},
                                          "page": {"type": "string"}}}
FIGURE = apidoc.schema("CommitmentFigure", {"type": "object", "required": [
    "period", "cases", "suppressed", "verdict"], "properties": {
    "period": {"type": "string"}, "district": NULLABLE_TEXT,
    "cases": {"type": ["integer", "null"]}, "within_target": {"type": ["integer", "null"]},
    "below_k": {"type": "boolean"}, "suppressed": {"type": "boolean"},
    "share_within_target": NUMBER, "median": NUMBER, "p90": NUMBER,
    "verdict": {"type": "string"}}})
FIGURES_OF: dict[str, Any] = {
    "commitment": {"type": "string"}, "k": {"type": "integer"},
    "imported_at": NULLABLE_TEXT, "source": {"type": "string"}, "licence": {"type": "object"},
    "citation": {"type": "string"}, "rows": {"type": "array", "items": FIGURE}}
CODE = Param("code", _l("A commitment's code, e.g. REPAIR-ARRIVAL."), location="path")
MONTHS = [Param("from", _l("The first month, YYYY-MM (default: a year before the last).")),
          Param("to", _l("The last month, YYYY-MM (default: the latest published)."))]
CSV_ANSWER = apidoc.Answer(_l("The same rows as CSV (UTF-8 with a byte-order mark)."),
                           {apidoc.CSV: None})


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
@documented(TAG, _l("Every published commitment"), params=[LANG],
            ok={"type": "object", "required": ["commitments"], "properties": {
                "commitments": {"type": "array", "items": SUMMARY}}})
@open_to_all
@cacheable
def commitments() -> Response:
    """Every published commitment with the version in force today."""
    only_arguments(())
    return jsonify(commitments=[_summary(c) for c in services.public_commitments()])


@api.get("/commitments/<code>")
@documented(TAG, _l("A commitment with its published versions"), params=[CODE, LANG],
            ok={**SUMMARY, "properties": {**SUMMARY["properties"], "versions": {
                "type": "array", "items": VERSION}}}, errors=(404,))
@open_to_all
@cacheable
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
@documented(TAG, _l("A commitment's measured performance, month by month"),
            params=[CODE, *MONTHS, Param("district", _l("A district's code (imported "
                                                        "commitments only).")), LANG],
            ok={"type": "object", "required": ["commitment", "from", "to", "rows"],
                "properties": {**FIGURES_OF, "from": {"type": "string"},
                               "to": {"type": "string"}, "district": NULLABLE_TEXT}},
            errors=(404,))
@open_to_all
@cacheable
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
@documented(TAG, _l("A commitment's measured performance as CSV"),
            params=[CODE, *MONTHS, Param("district", _l("A district's code.")), LANG],
            ok=CSV_ANSWER, errors=(404,))
@open_to_all
@cacheable
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
@documented(TAG, _l("A commitment's performance by district for a period"),
            params=[CODE, *MONTHS, Param("period", _l("A year (2026) or quarter (2026-Q2) "
                                                      "instead of months.")), LANG],
            ok={"type": "object", "required": ["commitment", "period", "rows"],
                "properties": {**FIGURES_OF, "period": {"type": "string"}}},
            errors=(404,))
@open_to_all
@cacheable
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
@documented(TAG, _l("A commitment's performance by district as CSV"),
            params=[CODE, *MONTHS, Param("period", _l("A year or a quarter.")), LANG],
            ok=CSV_ANSWER, errors=(404,))
@open_to_all
@cacheable
def districts_csv(code: str) -> Response:
    """The same as CSV (UTF-8 with a byte-order mark; empty where suppressed)."""
    found, label, rows = _by_district(code)
    imported = report.last_import(found)
    name = (f"opower-commitment-{found.code}-districts-{label.replace('/', '-')}"
            f"{f'_{_moment_name(found)}-{imported:%Y%m%dT%H%MZ}' if imported else ''}.csv")
    return _csv(name, rows, imported)
