"""The users' committee: its list of the cases taken to it, and its decision on each."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import Permission, permission_required
from portal.complaints import notify, queries, services, web
from portal.complaints.actions import Action
from portal.complaints.blueprint import committee
from portal.complaints.enums import ActorKind
from portal.complaints.forms import CommitteeFilterForm, DecisionForm, month_choices
from portal.complaints.models import Complaint
from portal.complaints.redaction import redact
from portal.core.clock import local_today
from portal.core.errors import report
from portal.core.models import utcnow
from portal.core.paging import page_of


def _case_or_404(number: str) -> Complaint:
    complaint = services.find_by_number(number)
    if complaint is None or complaint.status not in queries.WITH_THE_COMMITTEE:
        abort(404)
    return complaint


def _filter_form() -> CommitteeFilterForm:
    """The list's filters, the months offered being those since the first escalation."""
    first = queries.first_escalation()
    zone = ZoneInfo(str(current_app.config["TIMEZONE"]))
    months = month_choices(first.astimezone(zone).date() if first else None, local_today())
    return CommitteeFilterForm(request.args, months=months)


@committee.get("/")
@permission_required(Permission.COMMITTEE_BUSINESS)
def cases() -> Any:
    """Cases taken to the committee, pending first, with counts and filters, a page at a time.
    A filter value not on its list is named in an error (400) and narrows nothing."""
    now, form = utcnow(), _filter_form()
    valid = form.validate()
    filters = form.to_filters(str(current_app.config["TIMEZONE"]))
    pagination = page_of(queries.committee_queue(filters, now), queries.COMMITTEE_PAGE_SIZE)
    return render_template(
        "complaints/committee.html", pagination=pagination, form=form, now=now,
        counts=queries.committee_counts(filters, now), status=filters.status.value,
        narrowed=filters != queries.CommitteeFilters() or not valid,
        subjects={case.id: redact(case.subject) for case in pagination.items}
    ), 200 if valid else 400


def _committee_events(complaint: Complaint) -> list[services.PublicEvent]:
    """The timeline as the committee sees it: every text redacted like a published one."""
    return [services.PublicEvent(e.created_at, e.kind, e.actor_kind, e.from_status,
                                 e.to_status, redact(e.body) if e.body else None,
                                 e.rating, e.resolved, e.outcome)
            for e in complaint.events]


def _render(complaint: Complaint, form: DecisionForm, status: int = 200) -> Any:
    # Committee members are not staff: like the public, they read the complainant's words and
    # the timeline with phone, ID and account numbers and email addresses masked.
    now = utcnow()
    return render_template(
        "complaints/committee_case.html", complaint=complaint, form=form, now=now,
        subject=redact(complaint.subject), description=redact(complaint.description),
        events=_committee_events(complaint), min_reasons=services.MIN_REASONS,
        allowed=services.allowed_actions(complaint, ActorKind.COMMITTEE, now)), status


@committee.get("/<number>")
@permission_required(Permission.COMMITTEE_BUSINESS)
def case(number: str) -> Any:
    """An escalated case, its files, and the form for the committee's decision."""
    return _render(_case_or_404(number), DecisionForm(prefix="decision"))


@committee.post("/<number>")
@permission_required(Permission.COMMITTEE_BUSINESS)
def decide(number: str) -> Any:
    """Record the committee's finding and its reasons (public); the complainant is told."""
    complaint, form = _case_or_404(number), DecisionForm(prefix="decision")
    try:
        services.require(complaint, ActorKind.COMMITTEE, Action.DECIDE, utcnow())
        if not form.validate_on_submit():
            return _render(complaint, form, 400)
        services.decide(complaint, current_user._get_current_object(), form.to_outcome(),
                        form.reasons.data or "", utcnow())
    except services.ComplaintError as error:
        report(error)
        return _render(complaint, form, 400)
    notify.when_committed(complaint)
    flash(_("The committee's decision is recorded."), "success")
    return redirect(url_for("complaints_committee.case", number=number))


@committee.get("/<number>/attachments/<int(max=2147483647):attachment_id>")
@permission_required(Permission.COMMITTEE_BUSINESS)
def attachment(number: str, attachment_id: int) -> Any:
    """A file the complainant sent with a case taken to the committee (the same download, with
    the same headers, as staff and the complainant get)."""
    return web.send_attachment(_case_or_404(number), attachment_id)
