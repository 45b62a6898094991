"""What every domain's API shares: JSON errors naming the parameter, CORS and caching for
public reading, pagination with ``Link`` headers, and CSV downloads safe for spreadsheets.

A domain makes its API blueprint with ``api_blueprint("fees_api", __name__)``; its routes live
under ``/api/v1``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal.core import apidoc, page_cache
from portal.core.paging import parse_page
from portal.core.templating import query_args
from portal.extensions import csrf

API_PREFIX = "/api/v1"
CACHE_SECONDS = 300
PER_PAGE_DEFAULT = 100
PER_PAGE_MAX = 500


class ApiError(Exception):
    """A request the API answers with 4xx and a JSON error naming the parameter."""

    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter


def _api_error(error: ApiError) -> tuple[Response, int]:
    body: dict[str, Any] = {"status": error.status, "message": error.message}
    if error.parameter is not None:  # "" too: a parameter without a name
        body["parameter"] = error.parameter
    return jsonify(error=body), error.status


ERROR = apidoc.schema("Error", {
    "type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "message"], "properties": {
            "status": {"type": "integer"}, "message": {"type": "string"},
            "title": {"type": "string"},
            "parameter": {"type": "string",
                          "description": _l("The parameter the message is about.")}}}}})


def _error_answer(status: int) -> apidoc.Answer:
    headers = {"Retry-After": _l("Seconds to wait.")} if status in (429, 503) else {}
    return apidoc.Answer("", {apidoc.JSON: ERROR}, headers)


apidoc.error_answers(API_PREFIX, _error_answer)
PAGING = [apidoc.Param("page", _l("The page, from 1."),
                       {"type": "integer", "minimum": 1, "maximum": 100_000}),
          apidoc.Param("per_page", _l("Items per page (at most 500)."),
                       {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX})]


def page_schema(key: str, item: dict[str, Any]) -> dict[str, Any]:
    """The schema of a page of ``paginated``: ``key`` holds the items."""
    return {"type": "object", "required": [key, "page", "per_page", "total", "links"],
            "properties": {key: {"type": "array", "items": item},
                           "page": {"type": "integer"}, "per_page": {"type": "integer"},
                           "total": {"type": "integer"},
                           "links": {"type": "object", "additionalProperties": {
                               "type": "string"}}}}


SAME_FOR_EVERYONE = "portal_same_for_everyone"


def same_for_everyone(response: Response) -> Response:
    """Mark a response that is the same in every language and for every visitor (a published
    file that never changes): no ``Vary`` on the language or the cookie, no session cookie."""
    setattr(response, SAME_FOR_EVERYONE, True)
    return response


def _open_to_all(response: Response) -> Response:
    """Anyone may read open data from any site; nothing here uses cookies."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers.setdefault("Access-Control-Expose-Headers", "Link, X-Total-Count")
        # A kept answer gets the page cache's (never late after a publication, unless
        # PORTAL_PAGE_CACHE_MAX_AGE says so).
        if response.status_code == 200 and not page_cache.in_use():
            response.headers.setdefault("Cache-Control", f"public, max-age={CACHE_SECONDS}")
    # Labels and messages follow the reader's language: a shared cache must keep one copy per
    # language (unless it is the same for everyone: ``same_for_everyone``).
    if not getattr(response, SAME_FOR_EVERYONE, False):
        response.vary.add("Accept-Language")
    return response


def api_blueprint(name: str, import_name: str, url_prefix: str = API_PREFIX) -> Blueprint:
    """A blueprint under ``/api/v1`` (or another prefix: Open311's) with the API's errors, CORS
    and caching headers."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)
    csrf.exempt(blueprint)
    blueprint.register_error_handler(ApiError, _api_error)
    blueprint.after_request(_open_to_all)
    return blueprint


# Understood by every page and call: the reader's language.
COMMON_ARGUMENTS = frozenset({"lang"})


def argument_problem(allowed: Iterable[str], args: MultiDict[str, str] | None = None
                     ) -> tuple[str, str] | None:
    """The first query parameter (of ``args``, default the request's) the call does not take,
    or one given twice: (message, parameter); None if there is none. Every API refuses it in
    its own error format."""
    args = request.args if args is None else args
    known = COMMON_ARGUMENTS | set(allowed)
    for name in args:
        if name not in known:
            takes = sorted(set(allowed))
            return (_("Unknown parameter “%(name)s”; this call takes: %(known)s.",
                      name=name[:40], known=", ".join(takes)) if takes else
                    _("Unknown parameter “%(name)s”; this call takes none.", name=name[:40]),
                    name)
        if len(args.getlist(name)) > 1:
            return _("Give %(name)s only once.", name=name[:40]), name
    return None


def only_arguments(allowed: Iterable[str]) -> None:
    """Refuse (400 naming the parameter) a query parameter the call does not take, or one
    given twice: a misspelt or repeated filter must not silently widen the answer."""
    problem = argument_problem(allowed)
    if problem is not None:
        raise ApiError(400, *problem)


def page_arguments() -> tuple[int, int]:
    """``page`` and ``per_page`` of the request, checked (400 naming the parameter if wrong)."""
    values = []
    for name, default, most in (("page", 1, 100_000), ("per_page", PER_PAGE_DEFAULT,
                                                        PER_PAGE_MAX)):
        raw = request.args.get(name, "")
        if not raw:
            values.append(default)
            continue
        value = parse_page(raw, most)
        if value is None:
            raise ApiError(400, _("%(name)s must be a whole number from 1 to %(most)s.",
                                  name=name, most=most), name)
        values.append(value)
    return values[0], values[1]


def paginated(pagination: Pagination, items: list[Any], key: str, endpoint: str,
              **arguments: Any) -> Response:
    """A JSON page of ``items`` with ``Link`` (RFC 8288) and ``X-Total-Count`` headers."""
    def link(page: int) -> str:
        return url_for(endpoint, **arguments, **_query(page, pagination.per_page),
                       _external=True)

    links = {"first": link(1), "last": link(max(pagination.pages, 1))}
    if pagination.has_prev:
        links["prev"] = link(pagination.page - 1)
    if pagination.has_next:
        links["next"] = link(pagination.page + 1)
    response = jsonify({key: items, "page": pagination.page, "per_page": pagination.per_page,
                        "total": pagination.total, "links": links})
    response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    response.headers["X-Total-Count"] = str(pagination.total)
    return response


def _query(page: int, per_page: int) -> dict[str, Any]:
    """The request's query with another page: keys that ``url_for`` would take as its own
    options (``_external``, ``_anchor``...) or as URL variables are dropped."""
    return query_args(page=page, per_page=per_page)


# The characters with which a spreadsheet reads a cell as a formula: OWASP's =, +, -, @, tab
# and carriage return, plus NUL (OWASP ASVS) and line feed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def csv_cell(value: Any) -> Any:
    """A cell as a spreadsheet should show it: text that could start a formula gets a ``'``.

    Numbers (int, Decimal) are written as they are, so that a negative number stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A UTF-8 CSV download (with a byte-order mark so that spreadsheet programs read Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
