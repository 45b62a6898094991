"""Public pages of the users' committee: what it is, its seats, its members."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, render_template
from sqlalchemy.orm import selectinload

from portal.accounts.roles import open_to_all
from portal.committee import meetings, queries, services
from portal.committee.blueprint import public
from portal.committee.models import Term
from portal.committee.notices import state_of
from portal.core.clock import local_today
from portal.core.models import utcnow
from portal.core.page_cache import cacheable
from portal.core.publication import PublicationStatus
from portal.extensions import db

LATEST_DECISIONS = 5


def _seats_context(term: Term | None) -> dict[str, Any]:
    return {"term": term, "result": services.apportionment_of(term) if term else None,
            "elected": services.elected_candidates(term) if term else set()}


@public.get("/")
@open_to_all
@cacheable
def index() -> str:
    """What the committee is, its current term, seats and members, the next meeting, the
    latest decisions and notices."""
    today = local_today()
    term = services.latest_term(today)
    members = services.seated_on(term, today) if term else []
    now = utcnow()
    upcoming = meetings.upcoming(now, limit=1)
    latest = db.session.scalars(queries.published_decisions(queries.DecisionFilters())
                                .limit(LATEST_DECISIONS)).all()
    notices = db.session.scalars(queries.published_notices(queries.NoticeFilters(), today)
                                 .limit(LATEST_DECISIONS)).all()
    return render_template("committee/index.html", members=members, today=today,
                           next_meeting=upcoming[0] if upcoming else None,
                           latest_decisions=latest, latest_notices=notices,
                           state_of=state_of, **_seats_context(term))


@public.get("/seats")
@open_to_all
@cacheable
def seats() -> str:
    """The current term's seats, calculated step by step, beside the other methods."""
    term = services.latest_term(local_today())
    return render_template("committee/seats.html", terms=services.published_terms(),
                           **_seats_context(term))


@public.get("/terms/<int(max=2147483647):term_id>/seats")
@open_to_all
@cacheable
def term_seats(term_id: int) -> str:
    """The seats of any published term."""
    term = db.session.scalar(sa.select(Term).where(
        Term.id == term_id, Term.status == PublicationStatus.PUBLISHED)
        .options(selectinload(Term.fees)))
    if term is None:
        abort(404)
    return render_template("committee/seats.html", terms=services.published_terms(),
                           **_seats_context(term))


@public.get("/members")
@open_to_all
@cacheable
def members() -> str:
    """Current and past members of every published term."""
    today = local_today()
    terms = services.published_terms()
    current = [m for term in terms for m in services.seated_on(term, today)]
    seated = {m.id for m in current}
    past = [(term, [m for m in sorted(term.members, key=lambda m: (m.starts_on, m.id))
                    if m.id not in seated]) for term in terms]
    names = {m.id: m.name for term in terms for m in term.members}
    return render_template("committee/members.html", current=current,
                           past=[(t, ms) for t, ms in past if ms], names=names, today=today)
