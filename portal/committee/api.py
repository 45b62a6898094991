"""``GET /api/v1/committee``, ``/api/v1/decisions[/<number>]`` and
``/api/v1/notices[/<number>]``.

The committee: the term in force, its seats with every step, its members
(names, classes, roles, dates; never account data)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.committee import decimal_of, decisions, notices, queries, services
from portal.committee.apportionment import Apportionment
from portal.committee.blueprint import api
from portal.committee.models import CommitteeMember, Decision, Notice, Term
from portal.core import apidoc
from portal.core.api import PAGING, ApiError, page_arguments, page_schema, paginated
from portal.core.apidoc import LANG, Param, documented
from portal.core.clock import local_today
from portal.core.page_cache import cacheable
from portal.extensions import db

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


TAG = "committee"
TEXT: dict[str, Any] = {"type": "string"}
MAYBE: dict[str, Any] = {"type": ["string", "null"]}
DECISION_PROPERTIES: dict[str, Any] = {
    "number": TEXT, "title_zh": TEXT, "title_en": MAYBE, "category": TEXT, "body_zh": TEXT,
    "outcome": TEXT, "votes": {"type": "object", "properties": {
        name: {"type": ["integer", "null"]} for name in ("for", "against", "abstain", "absent")}},
    "amends": MAYBE, "amended_by": {"type": "array", "items": TEXT}, "url": TEXT}
DECISION = apidoc.schema("Decision", {"type": "object", "required": [
    "number", "title_zh", "category", "outcome", "votes", "url"],
    "properties": DECISION_PROPERTIES})
NOTICE = apidoc.schema("Notice", {"type": "object", "required": [
    "number", "title_zh", "happened_on", "state", "decision", "updates", "url"], "properties": {
    "number": TEXT, "title_zh": TEXT, "title_en": MAYBE, "unit_zh": TEXT, "unit_en": MAYBE,
    "happened_on": {"type": "string", "format": "date"}, "action_due": TEXT,
    "state": {"enum": ["open", "overdue", "closed"]}, "closed_on": MAYBE, "decision": TEXT,
    "published_at": MAYBE, "updates": {"type": "array", "items": {"type": "object"}},
    "url": TEXT}})
ON = Param("on", _l("A day, YYYY-MM-DD (default: today)."), {"type": "string", "format": "date"})
SEARCH = [Param("q", _l("Words or a number.")),
          Param("start", _l("From this day, YYYY-MM-DD."), {"type": "string", "format": "date"}),
          Param("end", _l("Until this day, YYYY-MM-DD."), {"type": "string", "format": "date"})]
NUMBER = Param("number", _l("The record's number, e.g. UC-2026-007."), location="path")

def _day() -> date:
    raw = request.args.get("on", "")
    if not raw:
        return local_today()
    try:
        if not ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, _("%(name)s must be a date written YYYY-MM-DD.", name="on"),
                       "on") from None


def seats_json(term: Term, result: Apportionment) -> dict[str, Any]:
    """The seats and each step of the calculation (fractions as decimals with 6 places)."""
    sources = {row.customer_class.value: row for row in term.fees}
    return {
        "method": "largest_remainder", "total": result.seats, "minimum_per_class": result.minimum,
        "shared_by_quota": result.remaining, "given_to_remainders": result.by_remainder,
        "fee_total": str(result.fee_total), "undecided": result.undecided,
        "tied": list(result.tied),
        "classes": [{
            "customer_class": row.key, "fees": str(row.fees),
            "source": sources[row.key].source, "source_url": sources[row.key].source_url,
            "share": str(decimal_of(row.share, 6)), "minimum": row.minimum,
            "quota": str(decimal_of(row.quota, 6)), "whole": row.whole,
            "remainder": str(decimal_of(row.remainder, 6)), "extra_seat": row.extra,
            "seats": row.total,
            "compare": {"dhondt": row.dhondt, "sainte_lague": row.sainte_lague,
                        "largest_remainder_without_minimum": row.without_minimum},
        } for row in result.rows],
    }


def member_json(member: CommitteeMember) -> dict[str, Any]:
    """A member as the public roster shows them."""
    return {"id": member.id, "name": member.name, "customer_class": member.customer_class.value,
            "role": member.role.value, "starts_on": member.starts_on.isoformat(),
            "ends_on": member.ends_on.isoformat(),
            "left_on": member.left_on.isoformat() if member.left_on else None,
            "replaces": member.replaces_id, "biography": member.biography,
            "interests": member.interests}


@api.get("/committee")
@documented(TAG, _l("The term in force on a day, its seats and members"), params=[ON, LANG],
            ok={"type": "object", "required": ["on", "term", "seats", "members"],
                "properties": {"on": TEXT, "term": {"type": ["object", "null"]},
                               "seats": {"type": ["object", "null"]},
                               "members": {"type": "array", "items": {"type": "object"}},
                               "candidates": {"type": "array"},
                               "seated": {"type": "array", "items": {"type": "integer"}}}})
@open_to_all
@cacheable
def committee() -> Response:
    """The term in force on ``on`` (default today), its seats and its members."""
    day = _day()
    term = services.term_on(day)
    if term is None:
        return jsonify(on=day.isoformat(), term=None, seats=None, members=[])
    elected = services.elected_candidates(term)
    return jsonify(
        on=day.isoformat(),
        term={"id": term.id, "starts_on": term.starts_on.isoformat(),
              "ends_on": term.ends_on.isoformat(), "reference_year": term.reference_year,
              "published_at": term.published_at.isoformat() if term.published_at else None},
        seats=seats_json(term, services.apportionment_of(term)),
        members=[member_json(m) for m in sorted(term.members, key=lambda m: (m.starts_on, m.id))],
        candidates=[{"name": c.name, "customer_class": c.customer_class.value, "votes": c.votes,
                     "elected": c.id in elected} for c in term.candidates],
        seated=[m.id for m in services.seated_on(term, day)])


def decision_json(decision: Decision) -> dict[str, Any]:
    """A published decision as its public page shows it (complaints by their public
    permalink, never by tracking number)."""
    return {
        "number": decision.number, "title_zh": decision.title_zh,
        "title_en": decision.title_en, "category": decision.category.value,
        "body_zh": decision.body_zh,
        "body_en": decision.body_en, "decided_on": decision.decided_on.isoformat(),
        "published_at": decision.published_at.isoformat() if decision.published_at else None,
        "meeting": url_for("committee.meeting", meeting_id=decision.meeting_id,
                           _external=True),
        "outcome": decision.outcome.value,
        "votes": {"for": decision.votes_for, "against": decision.votes_against,
                  "abstain": decision.votes_abstain, "absent": decision.votes_absent},
        "amends": decision.amends.number if decision.amends else None,
        "amended_by": [a.number for a in decision.amendments if a.is_published],
        "url": url_for("committee.decision", number=decision.number, _external=True),
    }


def _searched(form: Any) -> Any:
    """The search form of the public list, read from the query string; a value it does not
    understand is a 400 that names the parameter, as on the page."""
    if not form.validate():
        name, errors = next(iter(form.errors.items()))
        raise ApiError(400, str(errors[0]), name)
    return form


@api.get("/decisions")
@documented(TAG, _l("Published decisions, newest first"),
            params=[*SEARCH, Param("category", _l("A category's code.")),
                    Param("outcome", _l("An outcome's code.")), *PAGING, LANG],
            ok=page_schema("decisions", DECISION))
@open_to_all
@cacheable
def decisions_index() -> Response:
    """Published decisions, newest first, a page at a time, searched as the public list is
    (``q``, ``start``, ``end``, ``category``, ``outcome``)."""
    from portal.committee.decision_forms import DecisionSearchForm

    page, per_page = page_arguments()
    filters = queries.filters_of(_searched(DecisionSearchForm(request.args)), True)
    pagination = db.paginate(queries.published_decisions(filters),
                             page=page, per_page=per_page, error_out=False)
    return paginated(pagination, [decision_json(d) for d in pagination.items], "decisions",
                     "committee_api.decisions_index")


@api.get("/decisions/<number>")
@documented(TAG, _l("One published decision"), params=[NUMBER, LANG],
            ok={"allOf": [DECISION, {"type": "object", "required": ["roll_call"],
                                     "properties": {name: {"type": "array"} for name in (
                                         "roll_call", "complaints", "notices", "tariffs",
                                         "fee_items", "attachments")}}]},
            errors=(404,))
@open_to_all
@cacheable
def decision_detail(number: str) -> Response:
    """One published decision, with its roll call, links and files."""
    found = decisions.by_number(number)
    if found is None:
        raise ApiError(404, _("There is no published decision with this number."), "number")
    body = decision_json(found)
    body["roll_call"] = [{"member": v.member.name, "member_id": v.member_id,
                          "vote": v.vote.value} for v in found.roll_call]
    body["complaints"] = [url_for("complaints.public_case", public_id=c.public_id,
                                  _external=True) for c in found.complaints if c.public_id]
    body["notices"] = [n.number for n in notices.resting_on(found)]
    body["tariffs"] = [t.code for t in found.tariffs]
    body["fee_items"] = [f.code for f in found.fee_items]
    body["attachments"] = [{"title": a.title, "size": a.size, "sha256": a.sha256,
                            "url": url_for("committee.decision_file", number=found.number,
                                           file_id=a.id, _external=True)}
                           for a in found.attachments]
    return jsonify(body)


def notice_json(notice: Notice, today: date) -> dict[str, Any]:
    """A published notice as its public page shows it, with its state today and its
    published updates."""
    return {
        "number": notice.number, "title_zh": notice.title_zh, "title_en": notice.title_en,
        "unit_zh": notice.unit_zh, "unit_en": notice.unit_en,
        "happened_on": notice.happened_on.isoformat(),
        "facts_zh": notice.facts_zh, "facts_en": notice.facts_en,
        "finding_zh": notice.finding_zh, "finding_en": notice.finding_en,
        "action_zh": notice.action_zh, "action_en": notice.action_en,
        "action_due": notice.action_due.isoformat(),
        "state": notices.state_of(notice, today).value,
        "closed_on": notice.closed_on.isoformat() if notice.closed_on else None,
        "decision": notice.decision.number,
        "published_at": notice.published_at.isoformat() if notice.published_at else None,
        "updates": [{"published_at": u.published_at.isoformat() if u.published_at else None,
                     "body_zh": u.body_zh, "body_en": u.body_en, "closes": u.closes}
                    for u in notice.updates if u.is_published],
        "url": url_for("committee.notice", number=notice.number, _external=True),
    }


@api.get("/notices")
@documented(TAG, _l("Published notices of irregular service, newest first"),
            params=[*SEARCH, Param("state", _l("open, overdue or closed.")), *PAGING, LANG],
            ok=page_schema("notices", NOTICE))
@open_to_all
@cacheable
def notices_index() -> Response:
    """Published notices, newest first, a page at a time, searched as the public list is
    (``q``, ``start``, ``end``, ``state``: open, overdue or closed)."""
    from portal.committee.notice_forms import NoticeSearchForm

    page, per_page = page_arguments()
    today = local_today()
    filters = queries.notice_filters_of(_searched(NoticeSearchForm(request.args)), True)
    pagination = db.paginate(queries.published_notices(filters, today), page=page,
                             per_page=per_page, error_out=False)
    return paginated(pagination, [notice_json(n, today) for n in pagination.items], "notices",
                     "committee_api.notices_index")


@api.get("/notices/<number>")
@documented(TAG, _l("One published notice with its updates"), params=[NUMBER, LANG],
            ok=NOTICE, errors=(404,))
@open_to_all
@cacheable
def notice_detail(number: str) -> Response:
    """One published notice with its updates."""
    found = notices.by_number(number)
    if found is None:
        raise ApiError(404, _("There is no published notice with this number."), "number")
    return jsonify(notice_json(found, local_today()))
