"""POST requests: an Open311 service request turned into the complaint form's fields, checked
by the same form and filed by the same service as on the portal, with the channel recorded."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from datetime import datetime

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.complaints import codes, services
from portal.complaints.forms import ComplaintForm
from portal.open311 import catalogue
from portal.open311.formats import Open311Error
from portal.open311.models import ApiKey

# The specification's parameters that the portal reads; ``attribute[...]`` come on top.
# ``device_id`` and ``account_id`` name the person in the partner's own system: accepted,
# never stored. ``address_id`` has no meaning here.
PARAMETERS = frozenset({"api_key", "jurisdiction_id", "service_code", "lat", "long",
                        "address_string", "email", "device_id", "account_id", "first_name",
                        "last_name", "phone", "description", "lang"})
# Open311's parameter for each form field, to name it in an error.
NAMES = {"category": "service_code", "district": "attribute[district]",
         "type": "attribute[type]", "subject": "attribute[subject]",
         "description": "description", "occurred_on": "attribute[occurred_on]",
         "location": "address_string", "account_number": "attribute[account_number]",
         "contact_name": "first_name", "contact_phone": "phone", "contact_email": "email",
         "consent_contact": "attribute[consent_contact]",
         "consent_publish": "attribute[consent_publish]"}
SUBJECT_FROM_DESCRIPTION = 40
IDEMPOTENCY_MAX = 100


def _bad(message: str) -> Open311Error:
    return Open311Error(400, message)


def _attributes(sent: MultiDict[str, str], errors: list[Open311Error]) -> dict[str, str]:
    """``attribute[code]`` values, each checked against its list."""
    values: dict[str, str] = {}
    for name in sent:
        if not name.startswith("attribute["):
            continue
        code = name[len("attribute["):-1] if name.endswith("]") else ""
        attribute = catalogue.BY_CODE.get(code)
        if attribute is None:
            errors.append(_bad(_("%(name)s is not an attribute of this service; it takes: "
                                 "%(known)s.", name=name[:60],
                                 known=", ".join(catalogue.BY_CODE))))
            continue
        value = sent[name].strip()
        keys = [key for key, _name in attribute.values()]
        if keys and value and value not in keys:
            errors.append(Open311Error(400, _("“%(value)s” is not a value of %(name)s; it "
                                              "takes: %(known)s.", value=value[:60], name=name,
                                              known=", ".join(keys)), name))
            continue
        values[code] = value
    return values


def _location(sent: MultiDict[str, str], errors: list[Open311Error]) -> str:
    """``address_string``, else ``lat``/``long`` written as text for the staff."""
    address = sent.get("address_string", "").strip()
    lat, long = sent.get("lat", "").strip(), sent.get("long", "").strip()
    if not (lat or long):
        return address
    try:
        latitude, longitude = float(lat), float(long)
    except ValueError:
        latitude = longitude = math.nan
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors.append(_bad(_("lat and long must both be given, as decimal degrees (lat from "
                             "-90 to 90, long from -180 to 180).")))
        return address
    return address or f"{latitude:.5f}, {longitude:.5f}"


def _occurred(value: str) -> str:
    """A W3C date and time keeps its date: the form asks for the day only."""
    return value[:10] if len(value) > 10 and value[10:11] == "T" else value


def form_data(sent: MultiDict[str, str], errors: list[Open311Error]) -> MultiDict[str, str]:
    """The complaint form's fields for an Open311 request (errors collected on the way)."""
    for name in sent:
        if name not in PARAMETERS and not name.startswith("attribute["):
            errors.append(_bad(_("%(name)s is not a parameter of this call.", name=name[:60])))
        elif len(sent.getlist(name)) > 1:
            errors.append(_bad(_("Give %(name)s only once.", name=name[:60])))
    if "media_url" in sent:
        errors.append(_bad(_("media_url is not accepted: the portal does not fetch files "
                             "from other sites.")))
    attributes = _attributes(sent, errors)
    description = sent.get("description", "")
    subject = attributes.get("subject") or description.strip().split("\n", 1)[0][
        :SUBJECT_FROM_DESCRIPTION]
    name = " ".join(part for part in (sent.get("first_name", "").strip(),
                                       sent.get("last_name", "").strip()) if part)
    data = {"category": sent.get("service_code", ""), "district": attributes.get("district", ""),
            "type": attributes.get("type") or "complaint", "subject": subject,
            "description": description, "occurred_on": _occurred(attributes.get("occurred_on", "")),
            "location": _location(sent, errors),
            "account_number": attributes.get("account_number", ""), "contact_name": name,
            "contact_phone": sent.get("phone", ""), "contact_email": sent.get("email", "")}
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
        errors.extend(Open311Error(400, f"{parameter}: {message}", parameter)
                      for message in messages)
    return errors


def submission_key(key: ApiKey, idempotency: str | None) -> str:
    """The form's submission key: random, or the partner's ``Idempotency-Key`` (within its own
    key), so that a request sent again finds the complaint it made instead of filing twice."""
    if not idempotency:
        return codes.new_submission_key()
    if len(idempotency) > IDEMPOTENCY_MAX or not idempotency.isprintable():
        raise _bad(_("Idempotency-Key must be at most %(most)s printable characters.",
                     most=IDEMPOTENCY_MAX))
    return "open311:" + hashlib.sha256(f"{key.id}:{idempotency}".encode()).hexdigest()


def file(sent: MultiDict[str, str], key: ApiKey, idempotency: str | None,
         now: datetime) -> services.Receipt:
    """File the request's complaint through the complaints' service; Open311Error (all the
    problems found, the first raised with the others in ``errors``) if it is not valid."""
    errors: list[Open311Error] = []
    data = form_data(sent, errors)
    if "service_code" in sent and catalogue.find_service(sent["service_code"]) is None:
        errors.append(Open311Error(400, _("service_code “%(code)s” is not a service; GET "
                                          "services lists them.",
                                          code=sent["service_code"][:40]), "service_code"))
    form = ComplaintForm(formdata=data, meta={"csrf": False})
    if not form.validate():
        named = {e.parameter for e in errors if e.parameter}
        if "attribute[subject]" not in sent:  # then made from the description, refused itself
            named.add("attribute[subject]")
        errors.extend(_form_errors(form, named))
    if errors:
        raise Invalid(errors)
    submission = submission_key(key, idempotency)
    filing = dataclasses.replace(form.to_filing(), api_key_id=key.id)
    try:
        return services.submit_complaint(filing, submission, now)
    except services.ComplaintError as error:
        raise Invalid([_bad(str(error.message))]) from None


class Invalid(Exception):
    """Everything wrong with a request, to be answered in one error list."""

    def __init__(self, errors: list[Open311Error]) -> None:
        super().__init__(errors[0].description)
        self.errors = errors
