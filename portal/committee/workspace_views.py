"""The members' workspace: meetings, their minutes, draft decisions and their publication by
a second member. Nothing here commits: the request does (``portal.core.transactions``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import Permission, permission_required
from portal.committee import decisions, meetings, queries
from portal.committee.blueprint import workspace
from portal.committee.decision_forms import (
    DecisionForm,
    MeetingForm,
    MinutesForm,
    roll_call_form,
    roll_call_of,
)
from portal.committee.decisions import Action
from portal.committee.forms import ConfirmForm
from portal.committee.models import Decision, Meeting, Notice, NoticeUpdate
from portal.committee.services import CommitteeError, DraftChangedError
from portal.committee.staff_views import _refuse, _status
from portal.core import confirmation
from portal.core.clock import local_today
from portal.core.confirmation import Answer, Question
from portal.core.errors import report
from portal.core.models import utcnow
from portal.core.publication import PublicationStatus
from portal.core.text import localized_field
from portal.extensions import db

BUSINESS = Permission.COMMITTEE_BUSINESS


def _user() -> Any:
    return current_user._get_current_object()


def _meeting_or_404(meeting_id: int) -> Meeting:
    found = db.session.get(Meeting, meeting_id)
    if found is None:
        abort(404)
    return found


def _decision_or_404(decision_id: int) -> Decision:
    found = db.session.get(Decision, decision_id)
    if found is None:
        abort(404)
    return found


def _all_meetings() -> list[Meeting]:
    return list(db.session.scalars(sa.select(Meeting).order_by(Meeting.starts_at.desc())))


@workspace.get("/")
@permission_required(BUSINESS)
def index() -> str:
    """Drafts (decisions, notices, updates of notices) awaiting a second member, the member's
    own drafts, open notices and meetings."""
    now, user = utcnow(), _user()
    try:
        member = decisions.member_for(user, now)
    except CommitteeError:
        member = None
    drafts = db.session.scalars(sa.select(Decision).where(
        Decision.status == PublicationStatus.DRAFT).options(selectinload(Decision.meeting))
        .order_by(Decision.created_at.desc())).all()
    notice_drafts = db.session.scalars(sa.select(Notice).where(
        Notice.status == PublicationStatus.DRAFT).order_by(Notice.created_at.desc())).all()
    update_drafts = db.session.scalars(sa.select(NoticeUpdate).where(
        NoticeUpdate.status == PublicationStatus.DRAFT).options(
        selectinload(NoticeUpdate.notice)).order_by(NoticeUpdate.created_at.desc())).all()
    open_notices = db.session.scalars(queries.published_notices(
        queries.NoticeFilters(), local_today()).where(Notice.closed_on.is_(None))).all()
    everything: list[Decision | Notice | NoticeUpdate] = [*drafts, *notice_drafts,
                                                          *update_drafts]
    return render_template(
        "committee/work_index.html", member=member,
        mine=[d for d in everything if d.drafted_by_id == user.id],
        awaiting=[d for d in everything if d.drafted_by_id != user.id],
        open_notices=open_notices, today=local_today(),
        upcoming=meetings.upcoming(now), recent=db.session.scalars(
            meetings.past_query(now).limit(10)).all())


@workspace.route("/meetings/new", methods=["GET", "POST"])
@permission_required(BUSINESS)
def new_meeting() -> Any:
    """Schedule a meeting and publish its agenda."""
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            decisions.member_for(_user(), utcnow())
            found = meetings.create_meeting(form.to_data(), _user(), utcnow())
        except CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The meeting and its agenda are published."), "success")
            return redirect(url_for("committee.meeting", meeting_id=found.id))
    return render_template("committee/work_form.html", form=form,
                           title=_("Schedule a meeting")), _status(form)


@workspace.route("/meetings/<int(max=2147483647):meeting_id>/edit", methods=["GET", "POST"])
@permission_required(BUSINESS)
def edit_meeting(meeting_id: int) -> Any:
    """Change a meeting that has not taken place yet."""
    found = _meeting_or_404(meeting_id)
    form = MeetingForm()
    if not form.is_submitted():
        form.fill_from(found)
    if form.validate_on_submit():
        try:
            decisions.member_for(_user(), utcnow())
            meetings.update_meeting(found, form.to_data(), utcnow(), _user())
        except CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("committee.meeting", meeting_id=found.id))
    return render_template("committee/work_form.html", form=form,
                           title=_("Change the meeting")), _status(form)


@workspace.route("/meetings/<int(max=2147483647):meeting_id>/minutes",
                 methods=["GET", "POST"])
@permission_required(BUSINESS)
def minutes(meeting_id: int) -> Any:
    """After the meeting: attendance and minutes, once (published minutes never change: 409,
    back to the meeting's page)."""
    found = _meeting_or_404(meeting_id)
    form = MinutesForm(meetings.seated_at(found))
    if found.minutes is not None:
        report(CommitteeError(meetings.MINUTES_ARE_FINAL))
        if request.method == "GET":
            return redirect(url_for("committee.meeting", meeting_id=found.id), 303)
        return render_template("committee/work_form.html", form=form,
                               title=_("Minutes and attendance")), 409
    if not form.is_submitted():
        form.attendees.data = [member.id for member in found.attendees]
        form.minutes.data = found.minutes
    if form.validate_on_submit():
        try:
            decisions.member_for(_user(), utcnow())
            meetings.record_minutes(found, form.minutes.data or "", form.attendees.data or [],
                                    utcnow(), _user())
        except CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The minutes are published."), "success")
            return redirect(url_for("committee.meeting", meeting_id=found.id))
    return render_template("committee/work_form.html", form=form,
                           title=_("Minutes and attendance")), _status(form)


def _draft_form(form: DecisionForm, title: str, status: int | None = None) -> Any:
    return render_template("committee/work_form.html", form=form, title=title,
                           multipart=True), status or _status(form)


@workspace.route("/decisions/new", methods=["GET", "POST"])
@permission_required(BUSINESS)
def new_decision() -> Any:
    """Draft a decision (or, with ``?amends=UC-...``, an amendment of a published one)."""
    amends = None
    if request.args.get("amends"):
        amends = decisions.by_number(request.args["amends"])
        if amends is None:
            abort(404)
    form = DecisionForm(_all_meetings())
    if amends is not None and not form.is_submitted():
        form.fill_from(amends)
    title = (_("Amend decision %(number)s", number=amends.number) if amends
             else _("Draft a decision"))
    if form.validate_on_submit():
        try:
            draft = decisions.create_draft(form.to_data(), _user(), utcnow(), amends=amends)
        except CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The draft is saved. Another member must publish it."), "success")
            return redirect(url_for("committee_workspace.show_decision", decision_id=draft.id))
    return _draft_form(form, title)


@workspace.get("/decisions/<int(max=2147483647):decision_id>")
@permission_required(BUSINESS)
def show_decision(decision_id: int) -> str:
    """A decision as members see it, with what the member may do next."""
    found = _decision_or_404(decision_id)
    return render_template("committee/work_decision.html", decision=found, form=ConfirmForm(),
                           allowed=decisions.allowed_actions(found, _user(), utcnow()),
                           Action=Action)


def _final(found: Decision) -> Any:
    """A published decision refused a change: 409, with the way to amend it."""
    report(CommitteeError(decisions.PUBLISHED_IS_FINAL))
    return render_template("committee/work_decision.html", decision=found, form=ConfirmForm(),
                           allowed=decisions.allowed_actions(found, _user(), utcnow()),
                           Action=Action), 409


@workspace.route("/decisions/<int(max=2147483647):decision_id>/edit", methods=["GET", "POST"])
@permission_required(BUSINESS)
def edit_decision(decision_id: int) -> Any:
    """Change a draft (a published decision never changes: 409)."""
    found = _decision_or_404(decision_id)
    if found.is_published:
        return _final(found)
    form = DecisionForm(_all_meetings())
    if not form.is_submitted():
        form.fill_from(found)
    if form.validate_on_submit():
        try:
            roll_call = {v.member_id: v.vote for v in found.roll_call} or None
            decisions.update_draft(found, form.to_data(roll_call), _user(), utcnow())
        except CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The draft is saved. Another member must publish it."), "success")
            return redirect(url_for("committee_workspace.show_decision", decision_id=found.id))
    return _draft_form(form, _("Change the draft"))


@workspace.route("/decisions/<int(max=2147483647):decision_id>/roll-call",
                 methods=["GET", "POST"])
@permission_required(BUSINESS)
def roll_call(decision_id: int) -> Any:
    """Each seated member's vote (optional; it must agree with the totals)."""
    found = _decision_or_404(decision_id)
    if found.is_published:
        return _final(found)
    seated = meetings.seated_at(found.meeting)
    form = roll_call_form(seated, found, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            data = decisions.data_of(found)
            decisions.update_draft(found, _with_roll_call(data, roll_call_of(form, seated)),
                                   _user(), utcnow())
        except CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The roll call is saved."), "success")
            return redirect(url_for("committee_workspace.show_decision", decision_id=found.id))
    return render_template("committee/work_form.html", form=form,
                           title=_("Roll call: %(title)s", title=found.title_zh)), _status(form)


def _with_roll_call(data: decisions.DecisionData, votes: Any) -> decisions.DecisionData:
    from dataclasses import replace

    return replace(data, roll_call=votes)


def _publish_question(found: Decision, state: str) -> Question:
    return Question(
        title=_("Publish the decision “%(title)s”?", title=localized_field(found, "title")),
        consequences=[_("It takes the next number of the year and becomes public, with "
                        "its votes, links and files, and is entered in the public "
                        "record."),
                      _("A published decision never changes: a correction is an "
                        "amendment, published by two members in turn.")],
        action=url_for("committee_workspace.publish_decision", decision_id=found.id),
        confirm_label=_("Yes, publish the decision"),
        cancel_url=url_for("committee_workspace.show_decision", decision_id=found.id),
        cancel_label=_("Back to the draft"), state=state)


@workspace.post("/decisions/<int(max=2147483647):decision_id>/publish")
@permission_required(BUSINESS)
def publish_decision(decision_id: int) -> Any:
    """Publish a draft after a confirmation; only a member other than its drafter may. The
    confirmation covers the whole draft (``decisions.fingerprint``): one changed since, even
    while this request waited for the lock, is asked about again (409)."""
    found = _decision_or_404(decision_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        decisions.check_publication(found, _user(), utcnow())
    except CommitteeError as error:
        report(error)
        return _refused_page(found)
    state = decisions.fingerprint(found)
    reply = confirmation.answer(state=state)
    if reply is not Answer.GIVEN:
        return confirmation.ask(_publish_question(found, state), reply)
    try:
        decisions.publish_decision(found, _user(), utcnow(), seen=state)
    except DraftChangedError:
        return confirmation.ask(_publish_question(found, decisions.fingerprint(found)),
                                Answer.CHANGED)
    except CommitteeError as error:  # published from another tab while this one waited
        report(error)
        return _refused_page(found)
    flash(_("Decision %(number)s is published.", number=found.number), "success")
    return redirect(url_for("committee.decision", number=found.number))


def _refused_page(found: Decision) -> Any:
    status = 409 if found.is_published else 403
    return render_template("committee/work_decision.html", decision=found, form=ConfirmForm(),
                           allowed=decisions.allowed_actions(found, _user(), utcnow()),
                           Action=Action), status


@workspace.post("/decisions/<int(max=2147483647):decision_id>/delete")
@permission_required(BUSINESS)
def delete_decision(decision_id: int) -> Any:
    """Throw a draft away."""
    found = _decision_or_404(decision_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if found.is_published:
        return _final(found)
    try:
        decisions.check_deletion(found, _user(), utcnow())
    except CommitteeError as error:
        report(error)
        return _refused_page(found)
    state = decisions.fingerprint(found)
    reply = confirmation.answer(state=state)
    if reply is not Answer.GIVEN:
        back = url_for("committee_workspace.show_decision", decision_id=decision_id)
        return confirmation.ask(Question(
            title=_("Delete the draft “%(title)s”?", title=localized_field(found, "title")),
            consequences=[_("The draft, its votes, links and files are deleted for good.")],
            action=url_for("committee_workspace.delete_decision", decision_id=decision_id),
            confirm_label=_("Yes, delete the draft"), cancel_url=back,
            cancel_label=_("Back to the draft"), state=state), reply)
    try:
        decisions.delete_draft(found, _user(), utcnow())
    except CommitteeError as error:  # published from another tab meanwhile
        report(error)
        return _refused_page(found)
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("committee_workspace.index"))
