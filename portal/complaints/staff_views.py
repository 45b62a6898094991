"""The staff's inbox and case page; one endpoint per action on a case."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import User
from portal.accounts.roles import Permission, Role, permission_required
from portal.complaints import consequences, notify, queries, services, web, workflow
from portal.complaints.actions import Action
from portal.complaints.blueprint import staff
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.complaints.forms import AssignForm, InboxFilterForm, StatusForm, SummaryForm, TextForm
from portal.complaints.models import Complaint
from portal.core import confirmation
from portal.core.confirmation import Answer, Question
from portal.core.errors import report
from portal.core.models import utcnow
from portal.core.paging import page_of
from portal.extensions import db

HANDLE = Permission.HANDLE_COMPLAINTS


@staff.get("/")
@permission_required(HANDLE)
def inbox() -> str:
    """Cases to handle, filtered, soonest deadline first, a page at a time."""
    now, form = utcnow(), InboxFilterForm(request.args)
    query = queries.inbox(form.to_filters(user_id=current_user.id), now)
    pagination = page_of(query, queries.INBOX_PAGE_SIZE, most=queries.INBOX_COUNTED,
                         by_key=True)
    return render_template("complaints/staff_inbox.html", pagination=pagination, now=now,
                           form=form)


def _staff() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.role.in_([Role.STAFF, Role.ADMIN]), User.disabled_at.is_(None))
        .order_by(User.username)))


def _forms(complaint: Complaint, given: dict[str, Any]) -> dict[str, Any]:
    """The case page's forms: the one just sent (with its errors) and fresh ones."""
    forms = {"status_form": StatusForm(), "reply_form": TextForm(prefix="reply"),
             "note_form": TextForm(prefix="note"), "assign_form": AssignForm(),
             "summary_form": SummaryForm(prefix="summary"), **given}
    forms["status_form"].set_choices(workflow.next_statuses(complaint.status, ActorKind.STAFF))
    forms["assign_form"].fill_from(complaint, _staff())
    forms["summary_form"].fill_from(complaint, services.suggested_summary(complaint))
    return forms


def _render(complaint: Complaint, status: int = 200, **given: Any) -> Any:
    now = utcnow()
    contact = given.pop("contact", None)
    return render_template(
        "complaints/staff_case.html", complaint=complaint, now=now, contact=contact,
        allowed=services.allowed_actions(complaint, ActorKind.STAFF, now),
        **_forms(complaint, given)), status


def _on_case(view: Callable[..., Any]) -> Callable[..., Any]:
    """Staff only; the view gets the case (404 if there is none) and the staff member."""
    @permission_required(HANDLE)
    @wraps(view)
    def wrapper(number: str, **kwargs: Any) -> Any:
        complaint = services.find_by_number(number)
        if complaint is None:
            abort(404)
        return view(complaint, current_user._get_current_object(), **kwargs)
    return wrapper


@staff.get("/<number>")
@_on_case
def case(complaint: Complaint, _user: User) -> Any:
    """The whole case: timeline with internal notes, forms to act on it."""
    return _render(complaint)


def _saved(complaint: Complaint, tell_complainant: bool = False) -> Response:
    if tell_complainant:
        notify.when_committed(complaint)
    flash(_("Saved."), "success")
    return redirect(url_for("complaints_staff.case", number=complaint.tracking_number))


@staff.post("/<number>/status")
@_on_case
def change_status(complaint: Complaint, user: User) -> Any:
    """Move the case on; the complainant is told. A step that cannot be undone (not accepting
    the case) is confirmed first."""
    form, now = StatusForm(), utcnow()
    form.set_choices(workflow.next_statuses(complaint.status, ActorKind.STAFF))
    try:
        services.require(complaint, ActorKind.STAFF, Action.STATUS, now)
        if not form.validate_on_submit():
            return _render(complaint, 400, status_form=form)
        target = form.to_status()
        if target in workflow.ASK_FIRST and (reply := confirmation.answer(
                state=complaint.status.value)) is not Answer.GIVEN:
            services.check_status_change(complaint, target, ActorKind.STAFF, now,
                                         reason=form.reason.data)
            return confirmation.ask(_status_question(complaint, form, target), reply)
        services.change_status(complaint, target, ActorKind.STAFF, now, actor=user,
                               reason=form.reason.data)
    except services.ComplaintError as error:
        report(error, form)
        return _render(complaint, 400, status_form=form)
    return _saved(complaint, tell_complainant=True)


def _status_question(complaint: Complaint, form: StatusForm, target: ComplaintStatus
                     ) -> Question:
    number = complaint.tracking_number
    return Question(
        title=_("Change case %(number)s to “%(status)s”?", number=number, status=target.title),
        consequences=consequences.of_status(complaint, target),
        action=url_for("complaints_staff.change_status", number=number),
        confirm_label=_("Yes, change the status to “%(status)s”", status=target.title),
        cancel_url=url_for("complaints_staff.case", number=number),
        cancel_label=_("No, go back to the case"),
        carry={"status": target.value, "reason": form.reason.data or ""},
        facts=[(_("Subject"), complaint.subject), (_("Status now"), complaint.status.title),
               (_("Reason (shown to the complainant)"), (form.reason.data or "").strip())],
        unbroken=[number], state=complaint.status.value)


def _text_action(complaint: Complaint, prefix: str,
                 action: Callable[[TextForm], None]) -> Any:
    """Reply, note or summary: a text the service takes as it is."""
    form = (SummaryForm if prefix == "summary" else TextForm)(prefix=prefix)
    try:
        if not form.validate_on_submit():
            return _render(complaint, 400, **{f"{prefix}_form": form})
        action(form)
    except services.ComplaintError as error:
        report(error)
        return _render(complaint, 400, **{f"{prefix}_form": form})
    return _saved(complaint, tell_complainant=prefix == "reply")


@staff.post("/<number>/reply")
@_on_case
def reply(complaint: Complaint, user: User) -> Any:
    """A public reply; a case being handled becomes answered, and the complainant is told."""
    return _text_action(complaint, "reply", lambda form: services.reply(
        complaint, user, form.text.data or "", utcnow()))


@staff.post("/<number>/note")
@_on_case
def add_note(complaint: Complaint, user: User) -> Any:
    """An internal note, never shown to the complainant or the public."""
    return _text_action(complaint, "note", lambda form: services.add_note(
        complaint, user, form.text.data or "", utcnow()))


@staff.post("/<number>/summary")
@_on_case
def approve_summary(complaint: Complaint, user: User) -> Any:
    """Publish an anonymised summary of the case."""
    return _text_action(complaint, "summary", lambda form: services.approve_summary(
        complaint, user, form.text.data or "", utcnow()))


@staff.post("/<number>/assign")
@_on_case
def assign(complaint: Complaint, user: User) -> Any:
    """Give the case to a staff member, or to nobody."""
    form = AssignForm()
    form.fill_from(complaint, _staff())
    if not form.validate_on_submit():
        return _render(complaint, 400, assign_form=form)
    services.assign(complaint, user, form.to_assignee(), utcnow())
    return _saved(complaint)


@staff.post("/<number>/contact")
@_on_case
def show_contact(complaint: Complaint, user: User) -> Any:
    """Show the contact details; who looked and when is recorded."""
    try:
        contact = services.view_contact(complaint, user, utcnow())
    except services.ComplaintError as error:
        report(error)
        return _render(complaint, 400)
    return _render(complaint, contact=contact)


@staff.get("/<number>/attachments/<int(max=2147483647):attachment_id>")
@_on_case
def attachment(complaint: Complaint, _user: User, attachment_id: int) -> Any:
    """A file of a case, for the staff who handle it."""
    return web.send_attachment(complaint, attachment_id)
