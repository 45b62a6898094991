"""Public pages of complaints: the blank form, tracking, one's case and what one can do with it
(one endpoint per action), and the public cases. The filing steps are in ``filing_views``."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.complaints import codes, consequences, queries, services, throttle, web
from portal.complaints.actions import Action
from portal.complaints.blueprint import public
from portal.complaints.enums import PUBLIC_EVENTS, ActorKind
from portal.complaints.filing_views import form_page
from portal.complaints.forms import (
    CloseCaseForm,
    ComplaintForm,
    InformationForm,
    PublicFilterForm,
    RatingForm,
    ReasonForm,
    TrackForm,
)
from portal.complaints.models import Complaint
from portal.core import confirmation, page_cache
from portal.core.confirmation import Answer, Question
from portal.core.errors import DomainError, report
from portal.core.models import utcnow
from portal.core.page_cache import cacheable
from portal.core.paging import page_of
from portal.core.templating import query_args
from portal.extensions import db as db  # tests reach the session through this module
from portal.extensions import limiter

TRACK_WAITS_KEY = "tracking_waits"
TICKET_SECONDS = 60 * 60

public.after_request(web.no_store)


@public.get("/")
@open_to_all
@cacheable
def index() -> str:
    """File, track, or read public cases."""
    return render_template("complaints/index.html")


@public.get("/new")
@open_to_all
@cacheable
def new() -> Any:
    """The blank complaint form; no account is needed."""
    form = ComplaintForm()
    if any(request.args.get(name) for name in ComplaintForm.PREFILLED):
        page_cache.not_kept()  # a person's words, from the bill check: not for a shared cache
    form.fill_from(request.args)
    form.submission_key.data = page_cache.for_each_visitor(web.NEW_FORM_KEY)
    return form_page(form)


def _track_limit() -> str:
    return str(current_app.config["TRACK_RATE_LIMIT"])


def _must_wait(number: str, known: throttle.State, now: datetime) -> datetime | None:
    """When this browser may look the number up, if it must wait; a wait it was told to
    sit out lets it through once, even if others have failed on the number since."""
    waits = {key: at for key, at in session.get(TRACK_WAITS_KEY, {}).items()
             if now.timestamp() - at < TICKET_SECONDS}
    ticket = waits.get(number)
    if ticket is not None and ticket <= now.timestamp():
        waits.pop(number)
        session[TRACK_WAITS_KEY] = waits
        return None
    until = datetime.fromtimestamp(ticket, UTC) if ticket is not None else known.wait_until
    if until is not None:
        waits[number] = until.timestamp()
        session[TRACK_WAITS_KEY] = dict(sorted(waits.items(), key=lambda item: item[1])[-8:])
    return until


@public.route("/track", methods=["GET", "POST"])
@limiter.limit(_track_limit, methods=["POST"])
@open_to_all
@cacheable
def track() -> Any:
    """Open one's case with its tracking number and secret code."""
    form = TrackForm()
    if not form.is_submitted() and request.args.get("number"):
        page_cache.not_kept()  # a person's tracking number
        form.number.data = request.args["number"]
    if form.validate_on_submit():
        # NFKC and upper() can lengthen text (ß -> SS): keep to what the column holds.
        number, now = codes.normalize_tracking_number(form.number.data or "")[:40], utcnow()
        known = throttle.state(number, now)
        until = _must_wait(number, known, now)
        if until is not None:
            return _waiting(form, until, now)
        found = throttle.look_up(number, form.code.data or "", known, now)
        if found is not None:
            web.open_case_here(found)
            return redirect(url_for("complaints.case", number=found))
        # Unknown number and wrong code get the same answer.
        form.code.errors = [*form.code.errors, _(
            "This tracking number and secret code do not match a complaint. Check both and "
            "try again.")]
    return render_template("complaints/track.html", form=form), 400 if form.errors else 200


def _waiting(form: TrackForm, until: datetime, now: datetime) -> Any:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    # A notice, not an error of the form: the number may well be right.
    flash(ngettext("Many wrong codes have been tried for this tracking number. Please try again "
                   "in %(num)s second.",
                   "Many wrong codes have been tried for this tracking number. Please try again "
                   "in %(num)s seconds.", seconds), "info")
    response = current_app.make_response(
        (render_template("complaints/track.html", form=form), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


def _render_case(complaint: Complaint, status: int = 200, **forms: Any) -> Any:
    now = utcnow()
    context = {
        "complaint": complaint, "now": now,
        "events": [event for event in complaint.events if event.kind in PUBLIC_EVENTS],
        "allowed": services.allowed_actions(complaint, ActorKind.COMPLAINANT, now),
        "information_form": forms.get("information_form") or InformationForm(),
        "rating_form": forms.get("rating_form") or RatingForm(),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "tracked_minutes": web.TRACKED_SECONDS // 60,
    }
    return render_template("complaints/case.html", **context), status


@public.get("/track/<number>")
@web.tracked
def case(complaint: Complaint) -> Any:
    """The complainant's view: status, deadlines, timeline, replies, and what they can do."""
    return _render_case(complaint)


@public.post("/track/<number>/close")
@open_to_all
def close_case(number: str) -> Response:
    """Close the case on this device, so that nobody else using it can open it without the
    code (the case itself stays as it is)."""
    if not CloseCaseForm().validate_on_submit():
        abort(400)
    web.close_case_here(number)
    flash(_("The case is closed on this device. To open it again, enter its tracking number "
            "and code."), "success")
    return redirect(url_for("complaints.track"))


def _done(complaint: Complaint, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("complaints.case", number=complaint.tracking_number))


@public.post("/track/<number>/information")
@web.limit_uploads
@web.tracked
def add_information(complaint: Complaint) -> Any:
    """The complainant adds information: text, files or both."""
    form, now = InformationForm(), utcnow()
    try:
        # Refused before any file is read: nothing is decoded for a finished case.
        services.require(complaint, ActorKind.COMPLAINANT, Action.INFORMATION, now)
        if not form.validate_on_submit():
            return _render_case(complaint, 400, information_form=form)
        files = web.uploads(form.attachments, len(complaint.attachments),
                            services.MAX_CASE_FILES, _("A case can hold at most 20 files."))
        services.add_information(complaint, form.text.data or "", now, files)
    except DomainError as error:
        report(error, form)
        return _render_case(complaint, 400, information_form=form)
    return _done(complaint, _("Your information was added to the case."))


@public.post("/track/<number>/rate")
@web.tracked
def rate(complaint: Complaint) -> Any:
    """The complainant rates the answer; a resolved case is closed."""
    form = RatingForm()
    try:
        services.require(complaint, ActorKind.COMPLAINANT, Action.RATE, utcnow())
        if not form.validate_on_submit():
            return _render_case(complaint, 400, rating_form=form)
        services.rate_answer(complaint, *form.to_rating(), utcnow())
    except services.ComplaintError as error:
        report(error)
        return _render_case(complaint, 400, rating_form=form)
    return _done(complaint, _("Thank you for rating the answer."))


def _step(complaint: Complaint, action: Action, message: str,
          question: Callable[[Complaint, ReasonForm], Question] | None = None) -> Any:
    """Withdraw, reopen or escalate, with the reason the complainant gives; a step with a
    ``question`` is confirmed first (``portal.core.confirmation``)."""
    form, now = ReasonForm(), utcnow()
    if not form.validate_on_submit():
        return _render_case(complaint, 400, reason_form=form)
    try:
        if question is not None and (reply := confirmation.answer(
                state=complaint.status.value)) is not Answer.GIVEN:
            services.check_step(complaint, action, now, reason=form.reason.data)
            return confirmation.ask(question(complaint, form), reply)
        services.take_step(complaint, action, now, reason=form.reason.data)
    except services.ComplaintError as error:
        report(error)
        return _render_case(complaint, 400, reason_form=form)
    return _done(complaint, message)


def _withdrawal_question(complaint: Complaint, form: ReasonForm) -> Question:
    reason = (form.reason.data or "").strip()
    facts = [(_("Subject"), complaint.subject), (_("Status now"), complaint.status.title)]
    return Question(
        title=_("Withdraw complaint %(number)s?", number=complaint.tracking_number),
        consequences=consequences.of_withdrawal(complaint),
        action=url_for("complaints.withdraw", number=complaint.tracking_number),
        confirm_label=_("Yes, withdraw the complaint"),
        cancel_url=url_for("complaints.case", number=complaint.tracking_number),
        cancel_label=_("No, keep it open"), carry={"reason": form.reason.data or ""},
        facts=[*facts, (_("Your reason"), reason)] if reason else facts,
        unbroken=[complaint.tracking_number], state=complaint.status.value)


@public.post("/track/<number>/withdraw")
@web.tracked
def withdraw(complaint: Complaint) -> Any:
    """The complainant withdraws the complaint, once they have confirmed what that does."""
    return _step(complaint, Action.WITHDRAW, _("Your complaint is withdrawn."),
                 _withdrawal_question)


@public.post("/track/<number>/reopen")
@web.tracked
def reopen(complaint: Complaint) -> Any:
    """The complainant reopens an answered case (once, within the reopening period)."""
    return _step(complaint, Action.REOPEN, _("Your case is reopened and will be handled again."))


@public.post("/track/<number>/escalate")
@web.tracked
def escalate(complaint: Complaint) -> Any:
    """The complainant takes the case to the users' committee."""
    return _step(complaint, Action.ESCALATE, _("Your case is now with the users' committee."))


@public.get("/track/<number>/attachments/<int(max=2147483647):attachment_id>")
@web.tracked
def case_attachment(complaint: Complaint, attachment_id: int) -> Any:
    """A file of one's own case."""
    return web.send_attachment(complaint, attachment_id)


@public.get("/public")
@open_to_all
@cacheable
def public_cases() -> Any:
    """Cases whose complainant agreed and whose summary staff approved: searchable, filtered by
    month, status, category and district, with the number of cases each filter value shows."""
    form = PublicFilterForm(request.args)
    valid = form.validate()
    filters = form.to_filters()
    total, facets = queries.public_counts(filters)
    pagination = page_of(queries.public_cases(filters), queries.PUBLIC_PAGE_SIZE, total=total)
    form.show_counts(facets)
    return render_template("complaints/public.html", pagination=pagination, form=form,
                           events={case.id: services.public_events(case)
                                   for case in pagination.items}), 200 if valid else 400


@public.get("/public/<public_id>")
@open_to_all
@cacheable
def public_case(public_id: str) -> Any:
    """One published case at its permalink, by its public identifier (never the tracking
    number); an identifier typed in lower case or with dashes is sent to its written form."""
    complaint = services.find_published(public_id)
    if complaint is None or complaint.public_id is None:
        abort(404)
    if public_id != complaint.public_id:
        return redirect(url_for("complaints.public_case", public_id=complaint.public_id,
                                **query_args()), 301)
    now = utcnow()
    # A deadline still to come turns "overdue" when it passes.
    page_cache.valid_until(min((due for due in (complaint.first_contact_due_at,
                                                complaint.reply_due_at, complaint.committee_due_at)
                                if due is not None and due > now), default=None))
    return render_template("complaints/public_case.html", case=complaint, now=now,
                           events=services.public_events(complaint))
