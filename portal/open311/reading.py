"""GET requests: the published cases (those whose complainants agreed, with the approved,
redacted summary) as Open311 service requests, and for a partner the cases its key filed.

A published case is known by its public number (``service_request_id``), never by its
tracking number; a partner that presents its key may also ask for the cases it filed by the
tracking numbers it was given, and reads their status only (no text, no contact details).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from portal.complaints import codes, queries, services
from portal.complaints.enums import FINISHED_STATUSES, EventKind
from portal.complaints.models import Complaint
from portal.core.api import argument_problem
from portal.extensions import db
from portal.i18n import current_language
from portal.open311 import catalogue
from portal.open311.formats import Open311Error, parse_w3c, w3c
from portal.open311.models import ApiKey

MAX_DAYS = 90
MAX_IDS = 100
PARAMETERS = frozenset({"service_request_id", "service_code", "start_date", "end_date",
                        "status", "jurisdiction_id", "api_key", "lang"})
STATUSES = ("open", "closed")


@dataclass(frozen=True)
class Search:
    """A checked GET requests."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()


def parse_moment(name: str, text: str, end: bool = False) -> datetime:
    """A W3C date and time with its zone, or a day where the portal is: from its midnight, or
    (``end``) to the next, so that a day given as end_date is included."""
    moment = parse_w3c(text, str(current_app.config["TIMEZONE"]))
    if moment is None or not 2000 <= moment.year <= 2100:
        raise Open311Error(400, _("%(name)s must be a W3C date and time such as "
                                  "2026-11-05T08:15:30+08:00 (or 2026-11-05), from 2000 to "
                                  "2100.", name=name))
    if end and len(text.strip()) == len("2026-11-05"):  # a day
        moment += timedelta(days=1) - timedelta(microseconds=1)
    return moment


def _list(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in args.get(name, "").split(",") if part.strip())


def parse(args: MultiDict[str, str], now: datetime) -> Search:
    """The search a GET requests asks for, checked (Open311Error naming the parameter)."""
    problem = argument_problem(PARAMETERS, args)
    if problem is not None:
        raise Open311Error(400, problem[0], problem[1])
    ids = _list(args, "service_request_id")
    if len(ids) > MAX_IDS:
        raise Open311Error(400, _("Ask for at most %(most)s service_request_id at once.",
                                  most=MAX_IDS))
    if ids:  # the specification: they override every other argument
        return Search(ids=ids)
    codes_ = _list(args, "service_code")
    for code in codes_:
        if catalogue.find_service(code) is None:
            raise Open311Error(400, _("service_code “%(code)s” is not a service; GET services "
                                      "lists them.", code=code[:40]))
    statuses = _list(args, "status")
    for status in statuses:
        if status not in STATUSES:
            raise Open311Error(400, _("status must be open or closed (or both, comma "
                                      "separated)."))
    start, end = _range(args, now)
    return Search(service_codes=codes_, start=start, end=end, statuses=statuses)


def _range(args: MultiDict[str, str], now: datetime) -> tuple[datetime, datetime]:
    start = parse_moment("start_date", args["start_date"]) if args.get("start_date") else None
    end = parse_moment("end_date", args["end_date"], end=True) if args.get("end_date") else None
    if start is None and end is None:
        end = now
    if start is None:
        start = (end or now) - timedelta(days=MAX_DAYS)
    if end is None:
        end = start + timedelta(days=MAX_DAYS)
    if start > end:
        raise Open311Error(400, _("start_date must not be after end_date."))
    if end - start > timedelta(days=MAX_DAYS):
        raise Open311Error(400, _("start_date and end_date may be at most %(days)s days apart.",
                                  days=MAX_DAYS))
    return start, end


def _limit() -> int:
    return int(current_app.config["OPEN311_MAX_REQUESTS"])


def _published() -> sa.Select[Complaint]:
    return sa.select(Complaint).where(*queries.PUBLISHED).options(
        selectinload(Complaint.events), selectinload(Complaint.district)).order_by(
        Complaint.registered_at.desc(), Complaint.id.desc())


def find(search: Search, key: ApiKey | None) -> list[dict[str, Any]]:
    """The service requests a search finds, newest first, at most OPEN311_MAX_REQUESTS."""
    if search.ids:
        unique = dict.fromkeys(search.ids)  # each once, in the order asked
        return [row for row in (find_one(one, key) for one in unique) if row is not None]
    query = _published().where(Complaint.registered_at >= search.start,
                               Complaint.registered_at <= search.end)
    if search.service_codes:
        query = query.where(Complaint.category_code.in_(search.service_codes))
    if len(search.statuses) == 1:
        finished = Complaint.status.in_(FINISHED_STATUSES)
        query = query.where(finished if search.statuses[0] == "closed" else sa.not_(finished))
    return [public_row(case) for case in db.session.scalars(query.limit(_limit()))]


def find_one(identifier: str, key: ApiKey | None) -> dict[str, Any] | None:
    """One service request: a published case by its public number, or (for the key that
    filed it) a case by its tracking number."""
    public_id = codes.normalize_public_id(identifier)
    if public_id is not None:
        case = db.session.scalar(_published().where(Complaint.public_id == public_id))
        if case is not None:
            return public_row(case)
    if key is None or not key.active:
        return None
    case = db.session.scalar(sa.select(Complaint).where(
        Complaint.tracking_number == codes.normalize_tracking_number(identifier),
        Complaint.api_key_id == key.id).options(selectinload(Complaint.events),
                                                selectinload(Complaint.district)))
    return partner_row(case) if case is not None else None


def _common(case: Complaint, updated: Sequence[datetime]) -> dict[str, Any]:
    category = catalogue.find_service(case.category_code)
    language = current_language()
    district = case.district.name(language)
    status = "closed" if case.status in FINISHED_STATUSES else "open"
    waiting = case.replied_at is None and status == "open"
    return {"status": status, "status_notes": str(case.status.title),
            "service_name": category.name(language) if category else case.category_code,
            "service_code": case.category_code, "description": None,
            "agency_responsible": None, "service_notice": None,
            "requested_datetime": w3c(case.registered_at),
            "updated_datetime": w3c(max(updated, default=case.registered_at)),
            "expected_datetime": w3c(case.reply_due_at) if waiting else None,
            "address": district, "address_id": None, "zipcode": None, "lat": None,
            "long": None, "media_url": None}


def public_row(case: Complaint) -> dict[str, Any]:
    """A published case as everyone may read it (what its public page shows)."""
    events = services.public_events(case)
    row = {"service_request_id": case.public_id,
           **_common(case, [event.created_at for event in events])}
    row["description"] = case.public_summary
    return row


def partner_row(case: Complaint) -> dict[str, Any]:
    """A case for the partner that filed it: where it stands, nothing of what was written."""
    changes = [event.created_at for event in case.events if event.kind is EventKind.STATUS]
    return {"service_request_id": case.tracking_number, **_common(case, changes)}
