"""Open311 GeoReport v2 under ``/open311/v2``: discovery, services, a service's definition,
service requests read and filed. Every call answers JSON or XML (``.json`` / ``.xml``), errors
in the specification's format."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.complaints.enums import ComplaintStatus
from portal.core import page_cache, transactions
from portal.core.api import argument_problem
from portal.core.apidoc import Param, documented
from portal.core.formatting import deadline_end
from portal.core.models import utcnow
from portal.core.page_cache import cacheable
from portal.extensions import limiter
from portal.open311 import catalogue, filing, keys, reading, schemas
from portal.open311.blueprint import open311
from portal.open311.formats import (
    FORMATS,
    Open311Error,
    error_response,
    format_of,
    respond,
)
from portal.open311.models import ApiKey
from portal.open311.schemas import FORMAT, JURISDICTION, LANG, TAG, both

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the services or this endpoint last changed as the specification means it (discovery).
CHANGESET = "2026-11-29T00:00:00Z"
REPLAY_WINDOW = timedelta(days=1)
# How late the default search (the last 90 days) may let an old case go.
WINDOW_SLACK = timedelta(minutes=1)


@open311.errorhandler(Open311Error)
def _refused(error: Open311Error) -> Response:
    return error_response(format_of(request.path), [error])


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, _("Ask for .json or .xml: the portal serves no other format."))
    return fmt


def _presented() -> str:
    """The key the request names: a POST's form field (or, as some clients send it, the query
    string's), a GET's query string."""
    if request.method == "POST":
        fields = filing.sent()
        return (fields.get("api_key", "") if fields is not None else "") or \
            request.args.get("api_key", "")
    return request.args.get("api_key", "")


def _current_key() -> ApiKey | None:
    """The key the request presents, looked up once (None: none, or not one of ours). Never
    raises: the rate limiter calls it first, and takes an error there for its store failing;
    a body too large is refused by the view itself."""
    if "open311_key" not in g:
        try:
            presented = _presented()
        except HTTPException:
            presented = ""
        g.open311_key = keys.find(presented) if presented else None
    found: ApiKey | None = g.open311_key
    return found


def _key(required: bool) -> ApiKey | None:
    """The request's key, active; Open311Error 403 if one is needed or one that is not valid
    was given. A request with a valid key counts as one of its uses."""
    if not _presented():
        if required:
            raise Open311Error(403, _("An api_key is needed to file a service request: the "
                                      "portal's administrators give one to each partner "
                                      "channel."))
        return None
    key = _current_key()
    if key is None or not key.active:
        raise Open311Error(403, _("This api_key is not valid: it is unknown or was revoked."))
    keys.record_use(key, utcnow())
    return key


def _key_limit() -> str:
    key = _current_key()
    return (key.rate_limit if key is not None and key.rate_limit else
            str(current_app.config["OPEN311_KEY_LIMIT"]))


def _limit_key() -> str:
    key = _current_key()
    return f"open311-key:{key.id}" if key is not None else get_remote_address()


def _read_limit() -> str:
    return str(current_app.config["OPEN311_READ_LIMIT"])


limit_by_key = limiter.limit(_key_limit, key_func=_limit_key, methods=["POST"])
# One count of reads per client address for every call, on the blueprint: checked before the
# page cache answers (a limit on a view is checked only when the view runs).
limiter.shared_limit(_read_limit, scope="open311-reads", methods=["GET", "HEAD"])(open311)


def _check_jurisdiction(values: Any) -> None:
    given = values.get("jurisdiction_id", "")
    if given and given.lower() != jurisdiction().lower():
        raise Open311Error(404, _("This endpoint serves the jurisdiction “%(ours)s” only.",
                                  ours=jurisdiction()))


def jurisdiction() -> str:
    """The jurisdiction_id of this endpoint."""
    return str(current_app.config["OPEN311_JURISDICTION"] or current_app.config["SERVER_NAME"]
               or "localhost")


@open311.get("/discovery.<fmt>")
@documented(TAG, _l("Discovery: the endpoint, its specification and formats"),
            params=[FORMAT, JURISDICTION, schemas.ANY_KEY, LANG],
            ok=both(_l("The discovery document."), schemas.DISCOVERY),
            errors=(404, 429))
@open_to_all
@cacheable
def discovery(fmt: str) -> Response:
    """Where the endpoint is, which specification and formats it serves, how to get a key."""
    fmt = _format(fmt)
    _only(READS)
    _check_jurisdiction(request.args)
    return respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": _("Service hotline %(hotline)s; the portal's address: %(url)s",
                     hotline=current_app.config["SERVICE_HOTLINE"],
                     url=url_for("pages.home", _external=True)),
        "key_service": _("Partner channels (hotlines, civic apps) get a key from the portal's "
                         "administrators; reading needs none."),
        "endpoints": [{"specification": SPECIFICATION,
                       "url": url_for("open311.discovery", fmt=fmt, _external=True)
                       .rsplit("/", 1)[0],
                       "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}]})


@open311.get("/services.<fmt>")
@documented(TAG, _l("The services: one per complaint category"),
            params=[FORMAT, JURISDICTION, schemas.ANY_KEY, LANG],
            ok=both(_l("The services."), schemas.SERVICES),
            errors=(400, 404, 429))
@open_to_all
@cacheable
def services(fmt: str) -> Response:
    """One service per complaint category."""
    fmt = _format(fmt)
    _only(READS)
    _check_jurisdiction(request.args)
    return respond(fmt, "services", catalogue.service_list())


@open311.get("/services/<service_code>.<fmt>")
@documented(TAG, _l("A service's definition: the attributes a request takes"),
            params=[Param("service_code", _l("A service's code."), location="path"), FORMAT,
                    JURISDICTION, schemas.ANY_KEY, LANG],
            ok=both(_l("The service's attributes."), schemas.DEFINITION),
            errors=(400, 404, 429))
@open_to_all
@cacheable
def service_definition(service_code: str, fmt: str) -> Response:
    """A service's attributes: the type, the district and the optional fields."""
    fmt = _format(fmt)
    _only(READS)
    _check_jurisdiction(request.args)
    category = catalogue.find_service(service_code)
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” is not a service; GET services "
                                  "lists them.", code=service_code[:40]))
    return respond(fmt, "service_definition", catalogue.definition(category))


# What every read takes: a key is accepted (and ignored) where it changes nothing, since many
# clients send it with every call.
READS = {"jurisdiction_id", "api_key", "lang"}


def _only(known: set[str]) -> None:
    problem = argument_problem(known)
    if problem is not None:
        raise Open311Error(400, problem[0], problem[1])


@open311.get("/requests.<fmt>")
@documented(TAG, _l("Published service requests, newest first"),
            description=_l("Cases whose complainants agreed to publication, with the approved "
                           "summary; the last 90 days unless dates are given."),
            params=[FORMAT, *schemas.SEARCH],
            ok=both(_l("The service requests found."), schemas.REQUESTS),
            errors=(400, 403, 404, 429))
@open_to_all
@cacheable
def requests(fmt: str) -> Response:
    """Published cases (and, for a key, the cases it filed, by their tracking numbers)."""
    fmt = _format(fmt)
    _check_jurisdiction(request.args)
    now = utcnow()
    search = reading.parse(request.args, now)
    if not request.args.get("start_date") and not request.args.get("end_date"):
        # The last 90 days: a case leaves the answer as time passes.
        page_cache.valid_until(now + WINDOW_SLACK)
    key = _key(required=False)
    return _private(respond(fmt, "service_requests", reading.find(search, key)), key)


@open311.get("/requests/<service_request_id>.<fmt>")
@documented(TAG, _l("One service request"),
            params=[Param("service_request_id", _l("A public number (or, with api_key, a "
                                                   "tracking number its key filed)."),
                          location="path"), FORMAT, JURISDICTION, schemas.API_KEY, LANG],
            ok=both(_l("A list of one service request."), schemas.REQUESTS),
            errors=(400, 403, 404, 429))
@open_to_all
@cacheable
def one_request(service_request_id: str, fmt: str) -> Response:
    """One service request, as a list of one (the specification's shape)."""
    fmt = _format(fmt)
    _only(READS)
    _check_jurisdiction(request.args)
    key = _key(required=False)
    row = reading.find_one(service_request_id, key)
    if row is None:
        raise Open311Error(404, _("There is no public service request “%(id)s”.",
                                  id=service_request_id[:40]))
    return _private(respond(fmt, "service_requests", [row]), key)


def _private(response: Response, key: ApiKey | None) -> Response:
    """What a key reads is for that partner only: no shared cache may keep it."""
    if key is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@open311.after_request
def _keyed_answers_are_private(response: Response) -> Response:
    """No answer to a call that carries an api_key (valid or not) is kept by anyone: its
    address holds a partner's secret."""
    if request.method in ("GET", "HEAD") and _presented():
        response.headers["Cache-Control"] = "private, no-store"
    return response


@open311.post("/requests.<fmt>")
@documented(TAG, _l("File a complaint for a partner channel"),
            description=_l("Needs a partner's api_key. The answer gives the tracking number "
                           "and, this once, the complainant's secret code. An "
                           "Idempotency-Key header makes a request sent again file nothing "
                           "new (200)."),
            params=[FORMAT, LANG, Param("api_key", _l("The partner's key, if not in the form."
                                                      )),
                    Param("Idempotency-Key", _l("The same value for a request "
                                                              "sent again (optional)."),
                                        location="header")],
            body=schemas.FILING, status=201,
            ok=both(_l("Filed: the tracking number and the secret code."), schemas.CREATED),
            more={200: both(_l("Filed before with this Idempotency-Key: the same answer."),
                            schemas.CREATED)},
            errors=(400, 403, 404, 409, 413, 415, 429))
@limit_by_key
@open_to_all
def create_request(fmt: str) -> Response:
    """File a complaint for a partner channel: the answer carries the tracking number as
    service_request_id and, this once, the secret code with which the complainant follows it."""
    fmt = _format(fmt)
    fields = filing.sent()
    if fields is None:
        raise filing.not_a_form()
    key = _key(required=True)
    assert key is not None
    try:
        _check_jurisdiction(fields)
        receipt = filing.file(fields, key, request.headers.get("Idempotency-Key"), utcnow())
    except (filing.Invalid, Open311Error) as error:
        # Nothing of the request is kept but the count of the key's uses.
        transactions.rollback()
        keys.record_use(key, utcnow())
        transactions.keep_despite_refusal()
        return error_response(fmt, error.errors if isinstance(error, filing.Invalid)
                              else [error])
    case = receipt.complaint
    # The code is only ever in the answer to the filing itself: a retry of the same request
    # (same key, Idempotency-Key and complaint) within a day, while nothing has happened to
    # the case, gets that answer again, as a client whose first answer was lost needs; later,
    # or by any other call, never.
    replay = not receipt.duplicate or (utcnow() - case.registered_at <= REPLAY_WINDOW
                                       and case.status is ComplaintStatus.REGISTERED)
    body = {"service_request_id": case.tracking_number, "service_notice": _notice(
        case.first_contact_due_at, case.reply_due_at, receipt.duplicate, replay),
        "account_id": None, "secret_code": receipt.formatted_code if replay else None}
    response = respond(fmt, "service_requests", [body], 200 if receipt.duplicate else 201)
    response.headers["Cache-Control"] = "no-store"  # it carries the secret code
    return response


def _local(moment: datetime) -> str:
    """A deadline where the portal is, with its offset from UTC: ``2026-12-03 23:59 (UTC+08:00)``
    (a deadline at midnight is the end of the day before)."""
    local = deadline_end(moment).astimezone(ZoneInfo(str(current_app.config["TIMEZONE"])))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def _notice(contact_due: datetime, reply_due: datetime, duplicate: bool, replay: bool) -> str:
    if duplicate and not replay:
        return _("This request was filed before with the same Idempotency-Key, more than a "
                 "day ago or the case has moved on since: its secret code is no longer given.")
    if duplicate:
        return _("This request was filed before with the same Idempotency-Key: this is its "
                 "first answer again, secret code included. First contact by %(contact)s, an "
                 "answer by %(reply)s.", contact=_local(contact_due), reply=_local(reply_due))
    return _("Registered. First contact by %(contact)s, an answer by %(reply)s. The "
             "complainant follows the case with the tracking number and the secret code; "
             "give the code to the complainant and keep no copy.", contact=_local(contact_due),
             reply=_local(reply_due))
