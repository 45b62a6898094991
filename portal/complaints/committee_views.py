"""The users' committee decides the cases taken to it."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import Permission, permission_required
from portal.complaints import notify, queries, services
from portal.complaints.blueprint import committee
from portal.complaints.enums import ActorKind
from portal.complaints.forms import TextForm
from portal.complaints.models import Complaint
from portal.complaints.redaction import redact
from portal.core.errors import report
from portal.core.models import utcnow
from portal.core.paging import page_of


def _case_or_404(number: str) -> Complaint:
    complaint = services.find_by_number(number)
    if complaint is None or complaint.status not in queries.WITH_THE_COMMITTEE:
        abort(404)
    return complaint


@committee.get("/")
@permission_required(Permission.COMMITTEE_BUSINESS)
def cases() -> str:
    """Cases taken to the users' committee, a page at a time."""
    pagination = page_of(queries.committee_queue(), queries.COMMITTEE_PAGE_SIZE)
    return render_template("complaints/committee.html", pagination=pagination,
                           subjects={case.id: redact(case.subject) for case in pagination.items})


def _committee_events(complaint: Complaint) -> list[services.PublicEvent]:
    """The timeline as the committee sees it: every text redacted like a published one."""
    return [services.PublicEvent(e.created_at, e.kind, e.actor_kind, e.from_status,
                                 e.to_status, redact(e.body) if e.body else None,
                                 e.rating, e.resolved)
            for e in complaint.events]


def _render(complaint: Complaint, form: TextForm, status: int = 200) -> Any:
    # Committee members are not staff: like the public, they read the complainant's words and
    # the timeline with phone, ID and account numbers and email addresses masked.
    return render_template(
        "complaints/committee_case.html", complaint=complaint, form=form,
        subject=redact(complaint.subject), description=redact(complaint.description),
        events=_committee_events(complaint),
        allowed=services.allowed_actions(complaint, ActorKind.COMMITTEE, utcnow())), status


@committee.get("/<number>")
@permission_required(Permission.COMMITTEE_BUSINESS)
def case(number: str) -> Any:
    """An escalated case, and the form for the committee's decision."""
    return _render(_case_or_404(number), TextForm(prefix="decision"))


@committee.post("/<number>")
@permission_required(Permission.COMMITTEE_BUSINESS)
def decide(number: str) -> Any:
    """Record the committee's decision (public, with its reasons); the complainant is told."""
    complaint, form = _case_or_404(number), TextForm(prefix="decision")
    if not form.validate_on_submit():
        return _render(complaint, form, 400)
    try:
        services.decide(complaint, current_user._get_current_object(), form.text.data or "",
                        utcnow())
    except services.ComplaintError as error:
        report(error)
        return _render(complaint, form, 400)
    notify.when_committed(complaint)
    flash(_("The committee's decision is recorded."), "success")
    return redirect(url_for("complaints_committee.case", number=number))
