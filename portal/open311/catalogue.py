"""What Open311 offers: one service per complaint category, and the attributes each takes.

The attributes are the complaint form's fields that Open311 has no name for; their lists
(type, district, the two consents) are the form's choices, so the form's rules apply to both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.complaints import services
from portal.complaints.enums import ComplaintType
from portal.i18n import current_language

YES, NO = "yes", "no"


@dataclass(frozen=True)
class Attribute:
    """One attribute of the services' definition."""

    code: str
    datatype: str  # string, number, datetime, text, singlevaluelist, multivaluelist
    required: bool
    description: Any
    datatype_description: Any = ""

    def values(self) -> list[tuple[str, str]]:
        """The keys and names of a list attribute, in the reader's language."""
        language = current_language()
        if self.code == "type":
            return [(t.value, str(t.title)) for t in ComplaintType]
        if self.code == "district":
            return [(d.code, d.name(language)) for d in services.districts()]
        if self.datatype == "singlevaluelist":
            return [(YES, _("Yes")), (NO, _("No"))]
        return []


ATTRIBUTES = (
    Attribute("district", "singlevaluelist", True, _l("The district where it happened.")),
    Attribute("type", "singlevaluelist", False,
              _l("What is sent: a complaint (the default), a report of misconduct or a "
                "suggestion.")),
    Attribute("subject", "string", False,
              _l("A subject of at most 200 characters; without one, the beginning of the "
                 "description.")),
    Attribute("occurred_on", "datetime", False, _l("The day it happened."),
              _l("A date such as 2026-11-05, or a W3C date and time.")),
    Attribute("account_number", "string", False,
              _l("The customer's electricity account number."), _l("6 to 30 digits.")),
    Attribute("consent_contact", "singlevaluelist", False,
              _l("Whether the complainant asked to be contacted about the case (needs a phone "
                 "number or an email address).")),
    Attribute("consent_publish", "singlevaluelist", False,
              _l("Whether the complainant agreed that an anonymised summary may be "
                 "published.")),
)
BY_CODE = {attribute.code: attribute for attribute in ATTRIBUTES}


def find_service(code: str) -> services.Category | None:
    """The complaint category that is the service ``code``."""
    return next((c for c in services.categories() if c.code == code), None)


def service_list() -> list[dict[str, Any]]:
    """GET services: every complaint category, with its deadlines in its description."""
    language = current_language()
    return [{"service_code": c.code, "service_name": c.name(language),
             "description": _("First contact within %(hours)s hours, an answer within "
                              "%(days)s working days.", hours=c.first_contact_hours,
                              days=c.reply_working_days),
             "metadata": True, "type": "realtime", "keywords": c.code,
             "group": _("Complaints")} for c in services.categories()]


def definition(category: services.Category) -> dict[str, Any]:
    """GET a service definition: its attributes, in order."""
    return {"service_code": category.code, "attributes": [
        {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": str(a.datatype_description), "order": order,
         "description": str(a.description),
         "values": [{"key": key, "name": name} for key, name in a.values()]}
        for order, a in enumerate(ATTRIBUTES, start=1)]}
