"""The staff's inbox and case page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import User
from portal.accounts.roles import Permission, Role, permission_required
from portal.complaints import notify, services, workflow
from portal.complaints.blueprint import staff
from portal.complaints.enums import ActorKind, ComplaintStatus, ComplaintType
from portal.complaints.forms import StatusForm, TextForm
from portal.complaints.models import Complaint
from portal.complaints.views import send_attachment
from portal.core.models import utcnow
from portal.extensions import db

HANDLE = Permission.HANDLE_COMPLAINTS
PAGE_SIZE = 50


@staff.get("/")
@permission_required(HANDLE)
def inbox() -> str:
    """Cases to handle, filtered, soonest deadline first."""
    now = utcnow()
    query = sa.select(Complaint)
    args = request.args
    if args.get("status") in {s.value for s in ComplaintStatus}:
        query = query.where(Complaint.status == ComplaintStatus(args["status"]))
    elif args.get("status") != "all":
        query = query.where(Complaint.status.in_(
            [s for s in ComplaintStatus if s.is_open] + [ComplaintStatus.ESCALATED]))
    if args.get("type") in {t.value for t in ComplaintType}:
        query = query.where(Complaint.type == ComplaintType(args["type"]))
    for field, column in (("category", Complaint.category_code),
                          ("district", Complaint.district_code)):
        if args.get(field):
            query = query.where(column == args[field])
    if args.get("mine"):
        query = query.where(Complaint.assigned_to_id == current_user.id)
    if args.get("overdue"):
        open_statuses = [s for s in ComplaintStatus if s.is_open]
        query = query.where(Complaint.status.in_(open_statuses), sa.or_(
            sa.and_(Complaint.first_contacted_at.is_(None), Complaint.first_contact_due_at < now),
            sa.and_(Complaint.replied_at.is_(None), Complaint.reply_due_at < now)))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    cases = db.session.scalars(query.order_by(Complaint.reply_due_at, Complaint.id)
                               .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("complaints/staff_inbox.html", cases=cases, now=now, total=total,
                           page=page, pages=max(1, -(-int(total or 0) // PAGE_SIZE)),
                           categories=services.categories(), districts=services.districts(),
                           statuses=list(ComplaintStatus), types=list(ComplaintType),
                           args=args.to_dict())


def _case_or_404(number: str) -> Complaint:
    complaint = services.find_by_number(number)
    if complaint is None:
        abort(404)
    return complaint


def _staff() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.role.in_([Role.STAFF, Role.ADMIN]), User.disabled_at.is_(None))
        .order_by(User.username)))


def _render(complaint: Complaint, status: int = 200, **extra: Any) -> Any:
    status_form = extra.pop("status_form", None) or StatusForm()
    status_form.set_choices(workflow.next_statuses(complaint.status, ActorKind.STAFF))
    context = {"complaint": complaint, "now": utcnow(), "status_form": status_form,
               "reply_form": extra.pop("reply_form", None) or TextForm(prefix="reply"),
               "note_form": extra.pop("note_form", None) or TextForm(prefix="note"),
               "summary_form": extra.pop("summary_form", None) or TextForm(
                   prefix="summary", data={"text": complaint.public_summary
                                           or services.suggested_summary(complaint)}),
               "decision_form": extra.pop("decision_form", None) or TextForm(prefix="decision"),
               "staff_members": _staff(), **extra}
    response = render_template("complaints/staff_case.html", **context)
    return response, status


@staff.get("/<number>")
@permission_required(HANDLE)
def case(number: str) -> Any:
    """The whole case: timeline with internal notes, forms to act on it."""
    return _render(_case_or_404(number))


@staff.post("/<number>/<any(status, reply, note, assign, contact, summary):action>")
@permission_required(HANDLE)
def act(number: str, action: str) -> Any:
    """Change status, reply, note, assign, show the contact (logged) or approve the summary."""
    complaint = _case_or_404(number)
    now = utcnow()
    user = current_user._get_current_object()
    forms: dict[str, Any] = {}
    try:
        if action == "status":
            form = forms["status_form"] = StatusForm()
            form.set_choices(workflow.next_statuses(complaint.status, ActorKind.STAFF))
            if not form.validate_on_submit():
                return _render(complaint, 400, **forms)
            services.change_status(complaint, ComplaintStatus(form.status.data), ActorKind.STAFF,
                                   now, actor=user, reason=form.reason.data)
        elif action in {"reply", "note", "summary"}:
            form = forms[f"{action}_form"] = TextForm(prefix=action)
            if not form.validate_on_submit():
                return _render(complaint, 400, **forms)
            handler = {"reply": services.reply, "note": services.add_note,
                       "summary": services.approve_summary}[action]
            handler(complaint, user, form.text.data or "", now)
        elif action == "assign":
            assignee = None
            if request.form.get("assignee"):
                assignee = next((u for u in _staff()
                                 if str(u.id) == request.form["assignee"]), None)
                if assignee is None:
                    abort(400)
            services.assign(complaint, user, assignee, now)
        else:
            contact = services.view_contact(complaint, user, now)
            db.session.commit()
            return _render(complaint, contact=contact)
    except services.ComplaintError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _render(complaint, 400, **forms)
    db.session.commit()
    if action in {"status", "reply"}:
        notify.case_changed(complaint)
    flash(_("Saved."), "success")
    return redirect(url_for("complaints_staff.case", number=number))


@staff.get("/<number>/attachments/<int(max=2147483647):attachment_id>")
@permission_required(HANDLE)
def attachment(number: str, attachment_id: int) -> Any:
    """A file of a case, for the staff who handle it."""
    return send_attachment(_case_or_404(number), attachment_id)
