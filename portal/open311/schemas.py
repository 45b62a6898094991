"""The shapes of Open311's answers, for the API's description (``core.apidoc``)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.core import apidoc
from portal.core.apidoc import Answer, Param
from portal.open311.blueprint import PREFIX

TAG = "open311"
TEXT: dict[str, Any] = {"type": "string"}
MAYBE_TEXT: dict[str, Any] = {"type": ["string", "null"]}
MOMENT: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
XML = "text/xml"

ERRORS = apidoc.schema("Open311Errors", {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"], "properties": {
        "code": {"type": "integer"}, "description": TEXT}}})


def _error_answer(status: int) -> Answer:
    headers = {"Retry-After": _l("Seconds to wait.")} if status in (429, 503) else {}
    return Answer("", {apidoc.JSON: ERRORS, XML: None}, headers)


apidoc.error_answers(PREFIX, _error_answer)


def both(description: Any, body: dict[str, Any]) -> Answer:
    """An answer in JSON (with its schema) or XML, as the path's extension asks."""
    return Answer(description, {apidoc.JSON: body, XML: None})


FORMAT = Param("fmt", _l("The format: json or xml."),
               {"type": "string", "enum": ["json", "xml"]}, location="path")
JURISDICTION = Param("jurisdiction_id", _l("This endpoint's jurisdiction (optional)."))
LANG = apidoc.LANG
ANY_KEY = Param("api_key", _l("A partner's key: accepted, and not needed here."))
API_KEY = Param("api_key", _l("A partner's key: also finds the cases it filed, by their "
                              "tracking numbers."))

DISCOVERY = apidoc.schema("Open311Discovery", {
    "type": "object", "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {"changeset": TEXT, "contact": TEXT, "key_service": TEXT, "endpoints": {
        "type": "array", "items": {"type": "object", "required": [
            "specification", "url", "changeset", "type", "formats"], "properties": {
            "specification": TEXT, "url": TEXT, "changeset": TEXT, "type": TEXT,
            "formats": {"type": "array", "items": TEXT}}}}}})
SERVICES = apidoc.schema("Open311Services", {"type": "array", "items": {
    "type": "object", "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {"service_code": TEXT, "service_name": TEXT, "description": TEXT,
                   "metadata": {"type": "boolean"}, "type": {"enum": ["realtime"]},
                   "keywords": TEXT, "group": TEXT}}})
DEFINITION = apidoc.schema("Open311ServiceDefinition", {
    "type": "object", "required": ["service_code", "attributes"], "properties": {
        "service_code": TEXT, "attributes": {"type": "array", "items": {
            "type": "object", "required": ["variable", "code", "datatype", "required",
                                           "order", "description", "values"],
            "properties": {"variable": {"type": "boolean"}, "code": TEXT, "datatype": {
                "enum": ["string", "number", "datetime", "text", "singlevaluelist",
                         "multivaluelist"]}, "required": {"type": "boolean"},
                "datatype_description": TEXT, "order": {"type": "integer"},
                "description": TEXT, "values": {"type": "array", "items": {
                    "type": "object", "required": ["key", "name"],
                    "properties": {"key": TEXT, "name": TEXT}}}}}}}})
REQUESTS = apidoc.schema("Open311ServiceRequests", {"type": "array", "items": {
    "type": "object", "required": ["service_request_id", "status", "service_code",
                                   "requested_datetime"],
    "properties": {"service_request_id": TEXT, "status": {"enum": ["open", "closed"]},
                   "status_notes": MAYBE_TEXT, "service_name": MAYBE_TEXT,
                   "service_code": TEXT, "description": MAYBE_TEXT,
                   "agency_responsible": MAYBE_TEXT, "service_notice": MAYBE_TEXT,
                   "requested_datetime": MOMENT, "updated_datetime": MOMENT,
                   "expected_datetime": MOMENT, "address": MAYBE_TEXT,
                   "address_id": MAYBE_TEXT, "zipcode": MAYBE_TEXT,
                   "lat": {"type": ["number", "null"]}, "long": {"type": ["number", "null"]},
                   "media_url": MAYBE_TEXT}}})
CREATED = apidoc.schema("Open311Created", {"type": "array", "minItems": 1, "maxItems": 1,
                                           "items": {
    "type": "object", "required": ["service_request_id", "service_notice"], "properties": {
        "service_request_id": TEXT, "service_notice": TEXT, "account_id": MAYBE_TEXT,
        "secret_code": {"type": ["string", "null"], "description": _l(
            "The complainant's secret code: in the answer to the filing only (and to a retry "
            "of it within a day).")}}}})
FILING = {"type": "object", "required": ["api_key", "service_code", "description"],
          "properties": {
              "api_key": TEXT, "jurisdiction_id": TEXT, "service_code": TEXT,
              "description": {"type": "string", "maxLength": 4000},
              "attribute[district]": TEXT, "attribute[type]": {
                  "enum": ["complaint", "report", "suggestion"]},
              "attribute[subject]": {"type": "string", "maxLength": 200},
              "attribute[occurred_on]": TEXT, "attribute[account_number]": TEXT,
              "attribute[consent_contact]": {"enum": ["yes", "no"]},
              "attribute[consent_publish]": {"enum": ["yes", "no"]},
              "address_string": {"type": "string", "maxLength": 200},
              "lat": TEXT, "long": TEXT, "first_name": TEXT, "last_name": TEXT,
              "phone": TEXT, "email": TEXT, "device_id": TEXT, "account_id": TEXT},
          "examples": [{"api_key": "ops_" + "0" * 43, "service_code": "BIZ-FEE",
                        "attribute[district]": "CENTRAL",
                        "description": "营业厅收取临时接电费 200 元，没有说明依据。"}]}
SEARCH = [
    Param("service_request_id", _l("Public numbers (or, with api_key, tracking numbers), "
                                   "comma-separated, at most 100; they override the other "
                                   "filters.")),
    Param("service_code", _l("Services, comma-separated.")),
    Param("start_date", _l("Registered at or after this W3C moment (or day).")),
    Param("end_date", _l("Registered at or before this moment; at most 90 days after "
                         "start_date.")),
    Param("status", _l("open, closed or both, comma-separated.")),
    JURISDICTION, API_KEY, LANG]
