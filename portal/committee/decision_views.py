"""Public pages of the committee's work: meetings (with an iCalendar feed of those to come)
and decisions (searched, paginated, each on its own page, with an Atom feed)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy.orm import selectinload

from portal.accounts.roles import open_to_all
from portal.committee import decisions, meetings, notices, queries
from portal.committee.blueprint import public
from portal.committee.decision_forms import DecisionSearchForm
from portal.committee.feeds import FeedEntry, atom_feed
from portal.committee.models import Decision, DecisionAttachment, Meeting
from portal.core import page_cache
from portal.core.models import utcnow
from portal.core.page_cache import cacheable
from portal.core.paging import page_of
from portal.core.publication import PublicationStatus
from portal.core.text import localized_field
from portal.extensions import db

MEETINGS_PAGE_SIZE = 20
FEED_SIZE = 30


@public.get("/meetings/")
@open_to_all
@cacheable
def meetings_list() -> str:
    """Meetings to come (with their agenda) and past meetings, a page at a time."""
    now = utcnow()
    return render_template("committee/meetings.html", upcoming=meetings.upcoming(now),
                           pagination=page_of(meetings.past_query(now), MEETINGS_PAGE_SIZE))


@public.get("/meetings/<int(max=2147483647):meeting_id>")
@open_to_all
@cacheable
def meeting(meeting_id: int) -> str:
    """A meeting: its agenda, and after it its attendance, minutes and decisions."""
    found = db.session.get(Meeting, meeting_id, options=[selectinload(Meeting.attendees)])
    if found is None:
        abort(404)
    taken = db.session.scalars(sa.select(Decision).where(
        Decision.meeting_id == meeting_id, Decision.status == PublicationStatus.PUBLISHED)
        .order_by(Decision.year, Decision.sequence)).all()
    now = utcnow()
    if found.starts_at > now:  # its page changes when it begins
        page_cache.valid_until(found.starts_at)
    return render_template("committee/meeting.html", meeting=found, now=now,
                           decisions=taken)


@public.get("/meetings.ics")
@open_to_all
@cacheable
def meetings_calendar() -> Response:
    """The meetings to come as an iCalendar feed (RFC 5545)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Open Power Service//committee meetings//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Meetings of the users' committee"))
    for found in meetings.upcoming(utcnow()):
        event = Event()
        event.add("uid", f"committee-meeting-{found.id}@{request.host}")
        event.add("dtstamp", found.created_at)
        event.add("dtstart", found.starts_at)
        event.add("summary", _("Meeting of the users' committee"))
        event.add("location", found.place)
        event.add("description", found.agenda)
        event.add("url", url_for("committee.meeting", meeting_id=found.id, _external=True))
        calendar.add_component(event)
    return Response(calendar.to_ical(), mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="committee-meetings.ics"'})


@public.get("/decisions/")
@open_to_all
@cacheable
def decisions_list() -> Any:
    """Published decisions, searched by number or words in both languages, by the dates they
    were taken and by outcome; a value not understood is named (400) and narrows nothing."""
    form = DecisionSearchForm(request.args)
    valid = form.validate()
    filters = queries.filters_of(form, valid)
    pagination = page_of(queries.published_decisions(filters), queries.PAGE_SIZE)
    return render_template("committee/decisions.html", form=form, pagination=pagination,
                           narrowed=filters != queries.DecisionFilters()), 200 if valid else 400


def _published_or_404(number: str) -> Decision:
    found = decisions.by_number(number)
    if found is None:
        abort(404)
    return found


@public.get("/decisions/<number>")
@open_to_all
@cacheable
def decision(number: str) -> Any:
    """A published decision: its text, vote, links, files and amendments (a number typed in
    lower case is sent to its written form)."""
    if number != number.upper() and decisions.by_number(number.upper()) is not None:
        return redirect(url_for("committee.decision", number=number.upper()), 301)
    found = _published_or_404(number)
    amendments = [a for a in found.amendments if a.is_published]
    return render_template("committee/decision.html", decision=found, amendments=amendments,
                           notices=notices.resting_on(found), member=_works_for_committee())


def _works_for_committee() -> bool:
    """Whether the visitor may do the committee's work (and so gets its links on a page)."""
    from flask_login import current_user

    from portal.accounts.roles import Permission

    return bool(current_user.is_authenticated
                and current_user.can(Permission.COMMITTEE_BUSINESS))


@public.get("/decisions/<number>/files/<int(max=2147483647):file_id>.pdf")
@open_to_all
def decision_file(number: str, file_id: int) -> Response:
    """A PDF published with a decision."""
    found = _published_or_404(number)
    attachment = db.session.get(DecisionAttachment, file_id)
    if attachment is None or attachment.decision_id != found.id:
        abort(404)
    return Response(attachment.data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{number}-{file_id}.pdf"',
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})


@public.get("/decisions/feed.atom")
@open_to_all
@cacheable
def decisions_feed() -> Response:
    """The latest published decisions as an Atom feed."""
    latest = db.session.scalars(queries.published_decisions(queries.DecisionFilters())
                                .limit(FEED_SIZE)).all()
    return atom_feed(_("Decisions of the users' committee"), "committee.decisions_list",
                     "committee.decisions_feed", (FeedEntry(
                         link=url_for("committee.decision", number=d.number, _external=True),
                         title=f"{d.number} {localized_field(d, 'title')}",
                         published=d.published_at or d.created_at,
                         updated=d.published_at or d.created_at,
                         summary=localized_field(d, "body") or "") for d in latest))
