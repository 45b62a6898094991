"""``GET /api/v1/stats/complaints[.csv]``, ``/api/v1/stats/times[.csv]``,
``/api/v1/stats/catalogue`` and the monthly snapshots ``/api/v1/stats/snapshots/<month>.zip``.

Every figure comes from the catalogue after disclosure control; a request outside it is a 400
naming the parameter."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.core import apidoc
from portal.core.api import ApiError, csv_response, only_arguments, same_for_everyone
from portal.core.apidoc import LANG, Param, documented
from portal.core.clock import local_today
from portal.core.page_cache import cacheable
from portal.stats import catalogue, figures, opendata, query, snapshots
from portal.stats.blueprint import api
from portal.stats.models import StatsRun


def _run() -> StatsRun:
    run = figures.current_run()
    if run is None:
        raise ApiError(503, "The statistics have not been computed yet.")
    return run


COUNT_ARGUMENTS = ("group_by", "period", *catalogue.DIMENSIONS)
TIME_ARGUMENTS = ("group_by", "period")

TAG = "stats"
ENVELOPE: dict[str, Any] = {
    "period": {"type": "string"}, "group_by": {"type": "array", "items": {"type": "string"}},
    "k": {"type": "integer"}, "extracted_at": {"type": "string"},
    "time_zone": {"type": "string"}, "licence": {"type": "object"},
    "citation": {"type": "string"}, "rows": {"type": "array", "items": {"type": "object"}}}
ENVELOPED = {"type": "object", "required": ["k", "extracted_at", "licence", "rows"],
             "properties": ENVELOPE}
GROUP_BY = Param("group_by", _l("Up to three dimensions, comma-separated (see the "
                                "catalogue)."))
PERIOD = Param("period", _l("A year (2026), quarter (2026-Q3), month (2026-07) or a range "
                            "of one of them (2025-01..2025-12); default: the latest."))
FILTERS = [Param(code, _l("Narrow to this value of the dimension (its code)."))
           for code in catalogue.DIMENSIONS]
CSV_ANSWER = apidoc.Answer(_l("The same rows as CSV (UTF-8 with a byte-order mark)."),
                           {apidoc.CSV: None})


def _checked(run: StatsRun, parse: Any) -> Any:
    try:
        return parse(request.args, run, local_today())
    except query.QueryError as error:
        raise ApiError(error.status, error.message, error.parameter) from None


def _counts() -> tuple[StatsRun, query.Query, list[dict[str, Any]]]:
    only_arguments(COUNT_ARGUMENTS)
    run = _run()  # before the periods: without a refresh no period is published (503, not 404)
    checked: query.Query = _checked(run, query.parse)
    return run, checked, opendata.count_rows(run, checked)


@api.get("/stats/complaints")
@documented(TAG, _l("Complaint counts by up to three dimensions"),
            params=[GROUP_BY, PERIOD, *FILTERS, LANG],
            ok={**ENVELOPED, "properties": {**ENVELOPE, "filters": {"type": "object"},
                                            "table": {"type": "string"}}},
            errors=(404,))
@open_to_all
@cacheable
def complaints() -> Response:
    """Counts of complaints by up to three dimensions for a period or a range of periods."""
    run, checked, rows = _counts()
    return jsonify(opendata.envelope(run, rows, period=checked.period_text,
                                     group_by=list(checked.group_by), filters=checked.filters,
                                     table=checked.table.code))


@api.get("/stats/complaints.csv")
@documented(TAG, _l("Complaint counts as CSV"), params=[GROUP_BY, PERIOD, *FILTERS, LANG],
            ok=CSV_ANSWER, errors=(404,))
@open_to_all
@cacheable
def complaints_csv() -> Response:
    """The same counts as CSV (UTF-8 with a byte-order mark; suppressed counts empty)."""
    run, checked, rows = _counts()
    header = opendata.columns(checked.table.dims)
    narrowed = "".join(f"_{dim}-{code}" for dim, code in checked.filters.items())
    name = f"complaints_{checked.table.code.replace(',', '-')}_{checked.period_text}{narrowed}"
    return _download(run, name.replace("..", "_"), csv_response(
        "", header, ([opendata.csv_value(row[column]) for column in header] for row in rows)))


def _download(run: StatsRun, name: str, response: Response) -> Response:
    """A CSV download that says where it comes from, as a file has no envelope: its name ends
    with the moment of extraction, ``Last-Modified`` gives that moment and a ``Link`` header
    the licence."""
    response.headers["Content-Disposition"] = (
        f"attachment; filename={name}_extracted-{run.extracted_at:%Y%m%dT%H%MZ}.csv")
    response.last_modified = run.extracted_at
    response.headers["Link"] = f'<{opendata.LICENCE["path"]}>; rel="license"'
    return response


def _times() -> tuple[StatsRun, str | None, list[Any], list[dict[str, Any]]]:
    only_arguments(TIME_ARGUMENTS)  # times are not published by filter: a filter is refused
    run = _run()
    dim, periods = _checked(run, query.parse_times)
    rows = [opendata.time_row(line) for period in periods
            for line in figures.times(run, dim, period)]
    return run, dim, periods, rows


@api.get("/stats/times")
@documented(TAG, _l("Working days to a first contact and to the reply"),
            params=[GROUP_BY, PERIOD, LANG], ok=ENVELOPED, errors=(404,))
@open_to_all
@cacheable
def times() -> Response:
    """Median and 90th percentile of working days to a first contact and to the reply."""
    run, dim, periods, rows = _times()
    text = str(periods[0]) if len(periods) == 1 else f"{periods[0]}..{periods[-1]}"
    return jsonify(opendata.envelope(run, rows, period=text, group_by=[dim] if dim else []))


@api.get("/stats/times.csv")
@documented(TAG, _l("Working days to a first contact and to the reply, as CSV"),
            params=[GROUP_BY, PERIOD, LANG], ok=CSV_ANSWER, errors=(404,))
@open_to_all
@cacheable
def times_csv() -> Response:
    """The same times as CSV."""
    run, dim, periods, rows = _times()
    text = str(periods[0]) if len(periods) == 1 else f"{periods[0]}_{periods[-1]}"
    return _download(run, f"times_{dim or 'total'}_{text}", csv_response(
        "", opendata.TIME_COLUMNS,
        ([opendata.csv_value(row[c]) for c in opendata.TIME_COLUMNS] for row in rows)))


@api.get("/stats/catalogue")
@documented(TAG, _l("The published tables and every dimension with its codes"), params=[LANG],
            ok={"type": "object", "required": ["dimensions", "tables", "licence"],
                "properties": {"k": {"type": ["integer", "null"]},
                               "first_month": {"type": ["string", "null"]},
                               "last_month": {"type": ["string", "null"]},
                               "dimensions": {"type": "array", "items": {"type": "object"}},
                               "tables": {"type": "array", "items": {"type": "object"}},
                               "licence": {"type": "object"}}})
@open_to_all
@cacheable
def catalogue_index() -> Response:
    """Every published table with the period lengths it is published for, and the dimensions."""
    only_arguments(())
    run = figures.current_run()
    return jsonify({
        "k": run.min_cell if run else None,
        "first_month": run.first_month.isoformat()[:7] if run and run.first_month else None,
        "last_month": run.last_month.isoformat()[:7] if run and run.last_month else None,
        "dimensions": [{"name": d.code, "title": str(d.title), "description": str(d.description),
                        "values": [{"code": code, "name": label}
                                   for code, label in figures.vocabulary(d.code)]}
                       for d in catalogue.DIMENSIONS.values()],
        "tables": [{"dimensions": list(t.dims), "periods": [g.name.lower()
                                                            for g in t.granularities]}
                   for t in catalogue.TABLES.values()],
        "licence": opendata.LICENCE})


@api.get("/stats/snapshots")
@documented(TAG, _l("The monthly snapshots"), params=[LANG],
            ok={"type": "object", "required": ["snapshots"], "properties": {"snapshots": {
                "type": "array", "items": {"type": "object", "required": [
                    "month", "sha256", "url"]}}}})
@open_to_all
@cacheable
def snapshot_index() -> Response:
    """The monthly snapshots, each with its address and SHA-256."""
    only_arguments(())
    return jsonify({"snapshots": [
        {"month": s.month, "created_at": opendata.iso(s.created_at), "sha256": s.sha256,
         "size": s.size, "url": url_for("stats_api.snapshot", month=s.month, _external=True)}
        for s in snapshots.listed()]})


@api.get("/stats/snapshots/<month>.zip")
@documented(TAG, _l("A month's snapshot, a zip with a Frictionless data package"),
            params=[Param("month", _l("The month, YYYY-MM."), location="path"), LANG],
            ok=apidoc.Answer(_l("The zip; it never changes."), {"application/zip": None}),
            errors=(404,))
@open_to_all
def snapshot(month: str) -> Response:
    """A month's snapshot: a zip with a Frictionless ``datapackage.json``; never changes."""
    only_arguments(())
    found = snapshots.find(month)
    if found is None:
        abort(404)
    response = Response(found.data, mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename=opower-stats-{found.month}.zip",
        "ETag": f'"{found.sha256}"', "Cache-Control": "public, max-age=31536000, immutable"})
    # If-None-Match: 304 without the bytes
    return same_for_everyone(response).make_conditional(request)
