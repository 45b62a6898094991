"""The users' committee decides the cases taken to it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import Permission, permission_required
from portal.complaints import notify, services
from portal.complaints.blueprint import committee
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.complaints.forms import TextForm
from portal.complaints.models import Complaint
from portal.complaints.redaction import redact
from portal.core.models import utcnow
from portal.extensions import db


def _case_or_404(number: str) -> Complaint:
    complaint = services.find_by_number(number)
    if complaint is None:
        abort(404)
    return complaint


@committee.get("/")
@permission_required(Permission.COMMITTEE_BUSINESS)
def cases() -> str:
    """Cases taken to the users' committee, oldest first."""
    cases = db.session.scalars(sa.select(Complaint).where(
        Complaint.status.in_([ComplaintStatus.ESCALATED, ComplaintStatus.DECIDED]))
        .order_by(Complaint.status, Complaint.registered_at)).all()
    return render_template("complaints/committee.html", cases=cases, redact=redact)


def _committee_events(complaint: Complaint) -> list[services.PublicEvent]:
    """The timeline as the committee sees it: every text redacted like a published one."""
    return [services.PublicEvent(e.created_at, e.kind, e.actor_kind, e.from_status,
                                 e.to_status, redact(e.body) if e.body else None,
                                 e.rating, e.resolved)
            for e in complaint.events]


@committee.route("/<number>", methods=["GET", "POST"])
@permission_required(Permission.COMMITTEE_BUSINESS)
def case(number: str) -> Any:
    """An escalated case and the committee's decision (public, with its reasons)."""
    complaint = _case_or_404(number)
    if complaint.status not in {ComplaintStatus.ESCALATED, ComplaintStatus.DECIDED}:
        abort(404)
    form = TextForm(prefix="decision")
    if form.validate_on_submit():
        try:
            services.change_status(complaint, ComplaintStatus.DECIDED, ActorKind.COMMITTEE,
                                   utcnow(), actor=current_user._get_current_object(),
                                   reason=form.text.data)
        except services.ComplaintError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            notify.case_changed(complaint)
            flash(_("The committee's decision is recorded."), "success")
            return redirect(url_for("complaints_committee.case", number=number))
    # Committee members are not staff: like the public, they read the complainant's words and
    # the timeline with phone, ID and account numbers and email addresses masked.
    return render_template("complaints/committee_case.html", complaint=complaint, form=form,
                           now=utcnow(), redact=redact, events=_committee_events(complaint)
                           ), 400 if form.errors else 200


