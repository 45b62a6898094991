"""POST requests: an Open311 service request turned into the complaint form's fields, checked
by the same form and filed by the same service as on the portal, with the channel recorded."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from datetime import datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from flask import current_app, g, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from portal.complaints import codes, services
from portal.complaints.forms import ComplaintForm
from portal.complaints.models import Complaint
from portal.core import protection
from portal.core.forms import CONTROL_CHARACTER_MESSAGE
from portal.core.input_guard import has_control_characters
from portal.core.text import joined
from portal.i18n import current_language
from portal.open311 import catalogue
from portal.open311.formats import Open311Error, parse_w3c
from portal.open311.models import ApiKey

# The specification's parameters that the portal reads; ``attribute[...]`` come on top.
# ``device_id`` and ``account_id`` name the person in the partner's own system: accepted,
# never stored. ``address_id`` has no meaning here; ``media_url`` is refused on its own.
PARAMETERS = frozenset({"api_key", "jurisdiction_id", "service_code", "lat", "long",
                        "address_string", "email", "device_id", "account_id", "first_name",
                        "last_name", "phone", "description", "lang", "media_url"})
REQUIRED = ("service_code", "attribute[district]", "description")
# Open311's parameter for each form field, to name it in an error.
NAMES = {"category": "service_code", "district": "attribute[district]",
         "type": "attribute[type]", "subject": "attribute[subject]",
         "description": "description", "occurred_on": "attribute[occurred_on]",
         "location": "address_string", "account_number": "attribute[account_number]",
         "contact_name": "first_name + last_name", "contact_phone": "phone",
         "contact_email": "email", "consent_contact": "attribute[consent_contact]",
         "consent_publish": "attribute[consent_publish]"}
SUBJECT_FROM_DESCRIPTION = 40
IDEMPOTENCY_MAX = 100
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
FORM = "application/x-www-form-urlencoded"
MAX_BODY = 64 * 1024
MAX_ERRORS = 20


class Invalid(Exception):
    """Everything wrong with a request, to be answered in one error list."""

    def __init__(self, errors: list[Open311Error]) -> None:
        super().__init__(errors[0].description)
        self.errors = errors[:MAX_ERRORS]  # a request of 5,000 wrong fields: the first 20


def _bad(message: str, parameter: str | None = None) -> Open311Error:
    return Open311Error(400, message, parameter)


def _named(parameter: str, message: object) -> str:
    """``parameter: message``, with the colon of the reader's language."""
    return f"{parameter}{'：' if current_language() == 'zh' else ': '}{message}"


def sent() -> MultiDict[str, str] | None:
    """The POST's fields, read once: a form body decoded as UTF-8 strictly (Werkzeug would keep
    undecodable bytes as ``%B1``-style text and file them so). None: not a UTF-8 form."""
    if "open311_form" not in g:
        g.open311_form = _decoded()
    found: MultiDict[str, str] | None = g.open311_form
    return found


def _decoded() -> MultiDict[str, str] | None:
    """Only a urlencoded form: Werkzeug decodes multipart parts leniently (GBK text would be
    filed as U+FFFD), and the specification's clients send urlencoded forms anyway."""
    if (request.content_length or 0) > MAX_BODY:
        raise RequestEntityTooLarge()  # a complaint is a few kB: no need to read 50 MB first
    charset = request.mimetype_params.get("charset", "utf-8").lower().replace("_", "-")
    if charset not in ("utf-8", "utf8") or request.mimetype != FORM:
        return None
    # Read at most one byte more than a body may hold: a chunked body has no Content-Length.
    body = request.stream.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise RequestEntityTooLarge()
    try:
        return MultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                   encoding="utf-8", errors="strict"))
    except UnicodeDecodeError:
        return None


def not_a_form() -> Open311Error:
    """What a body that is no UTF-8 form is answered (415)."""
    return Open311Error(415, _("Send the request as a form (application/x-www-form-urlencoded) "
                               "in UTF-8, with api_key among its fields and no files."))


def _attributes(fields: MultiDict[str, str], errors: list[Open311Error]) -> dict[str, str]:
    """``attribute[code]`` values, each checked against its list."""
    values: dict[str, str] = {}
    for name in fields:
        if not name.startswith("attribute["):
            continue
        code = name[len("attribute["):-1] if name.endswith("]") else ""
        attribute = catalogue.BY_CODE.get(code)
        if attribute is None:
            errors.append(_bad(_("%(name)s is not an attribute of this service; it takes: "
                                 "%(known)s.", name=name[:60],
                                 known=joined(list(catalogue.BY_CODE)))))
            continue
        value = fields[name].strip()
        keys = [key for key, _name in attribute.values()]
        if keys and value and value not in keys:
            errors.append(_bad(_("“%(value)s” is not a value of %(name)s; it takes: "
                                 "%(known)s.", value=value[:60], name=name,
                                 known=joined(keys)), name))
            continue
        values[code] = value
    return values


def _location(fields: MultiDict[str, str], errors: list[Open311Error]) -> str:
    """``address_string``, and ``lat``/``long`` written as text for the staff after it."""
    address = fields.get("address_string", "").strip()
    lat, long = fields.get("lat", "").strip(), fields.get("long", "").strip()
    if not (lat or long):
        return address
    try:
        latitude, longitude = float(lat), float(long)
    except ValueError:
        latitude = longitude = math.nan
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors.append(_bad(_("lat and long must both be given, as decimal degrees (lat from "
                             "-90 to 90, long from -180 to 180)."), "lat"))
        return address
    point = f"{latitude:.5f}, {longitude:.5f}"
    return f"{address} ({point})" if address else point


def _occurred(value: str, errors: list[Open311Error]) -> str:
    """The day it happened where the portal is: a day as given, a moment's day in
    PORTAL_TIMEZONE (the form asks for the day only)."""
    if not value:
        return ""
    zone = str(current_app.config["TIMEZONE"])
    moment = parse_w3c(value, zone)
    if moment is None or not 2000 <= moment.year <= 2100:  # the form's years; no overflow
        errors.append(_bad(_named("attribute[occurred_on]", _(
            "write a day such as 2026-11-05, or a W3C date and time with its zone such as "
            "2026-11-05T08:15:30+08:00.")), "attribute[occurred_on]"))
        return ""
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()


def _name(fields: MultiDict[str, str]) -> str:
    """The complainant's name: family name first, without a space, for a Chinese name."""
    first, last = fields.get("first_name", "").strip(), fields.get("last_name", "").strip()
    if CJK.search(first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def _checked_fields(fields: MultiDict[str, str], errors: list[Open311Error]) -> None:
    """Unknown, repeated, missing and unreadable parameters."""
    for name in fields:
        if name not in PARAMETERS and not name.startswith("attribute["):
            errors.append(_bad(_("%(name)s is not a parameter of this call.", name=name[:60])))
        elif len(fields.getlist(name)) > 1:
            errors.append(_bad(_("Give %(name)s only once.", name=name[:60]), name))
        elif any(has_control_characters(value) for value in fields.getlist(name)):
            errors.append(_bad(_named(name[:60], _("remove the control characters from it.")),
                               name))
    for name in REQUIRED:
        if not fields.get(name, "").strip():
            errors.append(_bad(_named(name, _("required.")), name))
    if "media_url" in fields:
        errors.append(_bad(_("media_url is not accepted: the portal does not fetch files "
                             "from other sites."), "media_url"))


def form_data(fields: MultiDict[str, str], errors: list[Open311Error]) -> MultiDict[str, str]:
    """The complaint form's fields for an Open311 request (errors collected on the way)."""
    _checked_fields(fields, errors)
    attributes = _attributes(fields, errors)
    description = fields.get("description", "").replace("\r\n", "\n")
    subject = attributes.get("subject") or description.strip().split("\n", 1)[0][
        :SUBJECT_FROM_DESCRIPTION]
    data = {"category": fields.get("service_code", ""),
            "district": attributes.get("district", ""),
            "type": attributes.get("type") or "complaint", "subject": subject,
            "description": description,
            "occurred_on": _occurred(attributes.get("occurred_on", ""), errors),
            "location": _location(fields, errors),
            "account_number": attributes.get("account_number", ""),
            "contact_name": _name(fields), "contact_phone": fields.get("phone", ""),
            "contact_email": fields.get("email", "")}
    for consent in ("consent_contact", "consent_publish"):
        if attributes.get(consent) == catalogue.YES:
            data[consent] = "y"
    return MultiDict([(key, value) for key, value in data.items() if value])


def _form_errors(form: ComplaintForm, named: set[str]) -> list[Open311Error]:
    """The form's errors, each named by its Open311 parameter; a parameter already refused
    (``named``) is not refused twice."""
    errors: list[Open311Error] = []
    for field, messages in form.errors.items():
        parameter = NAMES.get(str(field), str(field))
        if parameter in named:
            continue
        # control characters are refused above, in the API's words
        errors.extend(_bad(_named(parameter, message), parameter) for message in messages
                      if str(message) != str(CONTROL_CHARACTER_MESSAGE))
    return errors


def submission_key(key: ApiKey, idempotency: str | None) -> str:
    """The form's submission key: random, or the partner's ``Idempotency-Key`` (within its own
    key), so that a request sent again finds the complaint it made instead of filing twice."""
    if not idempotency:
        return codes.new_submission_key()
    if len(idempotency) > IDEMPOTENCY_MAX or not idempotency.isprintable():
        raise Invalid([_bad(_("Idempotency-Key must be at most %(most)s printable characters.",
                              most=IDEMPOTENCY_MAX))])
    return "open311:" + hashlib.sha256(f"{key.id}:{idempotency}".encode()).hexdigest()


def _same_request(complaint: Complaint, form: ComplaintForm) -> bool:
    """Whether a complaint found by its Idempotency-Key is the one this request asks for:
    the same fields as filed (contact details included, read back decrypted)."""
    filing = form.to_filing()
    stored = (complaint.type, complaint.category_code, complaint.district_code,
              complaint.subject, complaint.description, complaint.occurred_on,
              complaint.location, complaint.consent_contact, complaint.consent_publish,
              *(protection.decrypt(value) for value in (
                  complaint.contact_name_enc, complaint.contact_phone_enc,
                  complaint.contact_email_enc, complaint.account_number_enc)))
    asked = (filing.type, filing.category_code, filing.district_code, filing.subject.strip(),
             filing.description.strip(), filing.occurred_on,
             (filing.location or "").strip() or None, filing.consent_contact,
             filing.consent_publish, *(value or None for value in (
                 filing.contact_name, filing.contact_phone, filing.contact_email,
                 filing.account_number)))
    return stored == asked


def file(fields: MultiDict[str, str], key: ApiKey, idempotency: str | None,
         now: datetime) -> services.Receipt:
    """File the request's complaint through the complaints' service; ``Invalid`` (every
    problem found) if it is not valid."""
    errors: list[Open311Error] = []
    data = form_data(fields, errors)
    code = fields.get("service_code", "").strip()
    if code and catalogue.find_service(code) is None:
        errors.append(_bad(_("service_code “%(code)s” is not a service; GET services lists "
                             "them.", code=code[:40]), "service_code"))
    form = ComplaintForm(formdata=data, meta={"csrf": False})
    if not form.validate():
        named = {e.parameter for e in errors if e.parameter}
        if "attribute[subject]" not in fields:  # then made from the description, refused itself
            named.add("attribute[subject]")
        errors.extend(_form_errors(form, named))
    if errors:
        raise Invalid(errors)
    filing = dataclasses.replace(form.to_filing(), api_key_id=key.id)
    try:
        receipt = services.submit_complaint(filing, submission_key(key, idempotency), now)
    except services.ComplaintError as error:
        raise Invalid([_bad(str(error.message))]) from None
    if receipt.duplicate and not _same_request(receipt.complaint, form):
        raise Invalid([Open311Error(409, _("This Idempotency-Key was used for another request "
                                           "(%(number)s); use a new key for a new complaint.",
                                           number=receipt.complaint.tracking_number))])
    return receipt
