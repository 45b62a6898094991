"""Public pages of complaints: file, check, receipt, track, act on one's case, public cases."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
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
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.complaints import codes, services, throttle, workflow
from portal.complaints.attachments import (
    MAX_BYTES,
    MAX_FILES,
    AttachmentError,
    CleanFile,
    clean_files,
)
from portal.complaints.blueprint import public
from portal.complaints.enums import (
    PUBLIC_EVENTS,
    ActorKind,
    ComplaintStatus,
    ComplaintType,
)
from portal.complaints.forms import (
    ComplaintForm,
    InformationForm,
    RatingForm,
    ReasonForm,
    TrackForm,
)
from portal.complaints.models import Complaint, ComplaintAttachment
from portal.core.models import utcnow
from portal.extensions import db, limiter

TRACKED_KEY = "tracked_cases"
TRACKED_SECONDS = 30 * 60
TRACK_WAITS_KEY = "tracking_waits"
TICKET_SECONDS = 60 * 60
FORM_KEYS = "complaint_forms"
FORM_KEY_SECONDS = 3 * 60 * 60
MAX_FORM_KEYS = 8


def _remember_form_key(key: str) -> None:
    """Note that this browser was given this form, so that only it may see the form's code."""
    keys = {tag: at for tag, at in session.get(FORM_KEYS, {}).items()
            if time.time() - at < FORM_KEY_SECONDS}
    keys[codes.key_digest(key)[:16]] = time.time()
    session[FORM_KEYS] = dict(sorted(keys.items(), key=lambda item: item[1])[-MAX_FORM_KEYS:])


def _form_given_here(key: str) -> bool:
    at = session.get(FORM_KEYS, {}).get(codes.key_digest(key)[:16])
    return at is not None and time.time() - at < FORM_KEY_SECONDS


@public.after_request
def _no_store(response: Response) -> Response:
    """Complaint pages hold personal data and codes: no browser or proxy may keep a copy."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="complaint-check")


def _filing(form: ComplaintForm) -> services.Filing:
    return services.Filing(
        type=ComplaintType(form.type.data), category_code=form.category.data or "",
        district_code=form.district.data or "", subject=form.subject.data or "",
        description=form.description.data or "", occurred_on=form.occurred_on.data,
        location=form.location.data, account_number=form.account_number.data,
        contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
        contact_email=form.contact_email.data, consent_contact=bool(form.consent_contact.data),
        consent_publish=bool(form.consent_publish.data), language=str(get_locale()))


def _uploads(field: Any, already: int, most: int, full: str) -> list[CleanFile]:
    """Count, then clean, the files of a file field; AttachmentError names the first bad one."""
    files = [upload for upload in (field.data or []) if getattr(upload, "filename", "")]
    if len(files) > MAX_FILES:
        raise AttachmentError(_("At most 5 files can be attached."))
    # Counted before any file is read: decoding files that cannot be kept only costs memory.
    if already + len(files) > most:
        raise AttachmentError(full)
    if not files:
        return []
    outcomes = clean_files([upload.stream.read(MAX_BYTES + 1) for upload in files])
    for index, outcome in enumerate(outcomes, start=1):
        if isinstance(outcome, AttachmentError):
            raise AttachmentError(_("File %(number)s: %(problem)s", number=index,
                                    problem=str(outcome.message)))
    return [outcome for outcome in outcomes if isinstance(outcome, CleanFile)]


def _form_page(form: ComplaintForm, template: str, status: int = 200) -> Any:
    if template == "complaints/check.html":
        form.check_token.data = _serializer().dumps(form.submission_key.data)
    staged = (services.pending_attachments(form.submission_key.data or "")
              if form.is_submitted() else [])  # a new form has none
    return render_template(template, form=form, staged=staged), status


def _check_page(form: ComplaintForm, status: int = 200) -> Any:
    return _form_page(form, "complaints/check.html", status)


def _filed(response: Response) -> bool:
    return response.status_code == 201


def _file_limit() -> str:
    return str(current_app.config["FILE_RATE_LIMIT"])


@public.get("/")
def index() -> str:
    """File, track, or read public cases."""
    return render_template("complaints/index.html")


def _upload_limit() -> str:
    return str(current_app.config["UPLOAD_RATE_LIMIT"])


def _carries_no_files() -> bool:
    """Requests without files (sending a checked complaint, a complaint without photos,
    rating, withdrawing...) are never held back by the upload limit."""
    return not any(getattr(upload, "filename", "")
                   for _field, uploads in request.files.lists() for upload in uploads)


# One budget for every page that takes files, so that a second page does not double it.
# Counted when the request arrives, before any file is decoded: a request whose decoding kills
# the worker must still count.
_limit_uploads = limiter.shared_limit(_upload_limit, scope="complaint-uploads", methods=["POST"],
                                      exempt_when=_carries_no_files)


@public.route("/new", methods=["GET", "POST"])
@limiter.limit(_file_limit, methods=["POST"], deduct_when=_filed)
@_limit_uploads
def new() -> Any:
    """File a complaint: fill in, check, send. No account is needed."""
    form = ComplaintForm()
    if not form.is_submitted():
        form.submission_key.data = codes.new_submission_key()
        _remember_form_key(form.submission_key.data)
        # Other pages (check my bill) may start a complaint with some fields filled in.
        for name in ("category", "subject", "description"):
            if request.args.get(name) and not form[name].data:
                form[name].data = request.args[name][:4000]
        return _form_page(form, "complaints/new.html")
    if not form.submission_key.data or len(form.submission_key.data) > 64:
        form.submission_key.data = codes.new_submission_key()
        _remember_form_key(form.submission_key.data)
    if form.edit.data:
        return _form_page(form, "complaints/new.html")
    if not form.validate():
        return _form_page(form, "complaints/new.html", 400)
    if not form.confirm.data:
        try:
            staged = (len(services.pending_attachments(form.submission_key.data))
                      if not _carries_no_files() else 0)  # no files sent, nothing to count
            files = _uploads(form.attachments, staged, MAX_FILES,
                             _("At most 5 files can be attached."))
            if files:
                services.purge_stale_uploads(utcnow())
                services.stage_attachments(form.submission_key.data, files, utcnow())
        except (AttachmentError, services.ComplaintError) as error:
            db.session.rollback()
            form.attachments.errors = [*form.attachments.errors, str(error.message)]
            return _form_page(form, "complaints/new.html", 400)
        db.session.commit()
        return _check_page(form)
    try:
        key = _serializer().loads(form.check_token.data or "",
                                  max_age=current_app.config["CHECK_STEP_MINUTES"] * 60)
    except SignatureExpired:
        flash(_("The check step has expired. Please check your complaint and send it again."),
              "error")
        return _check_page(form, 400)
    except BadSignature:
        return _check_page(form, 400)
    if key != form.submission_key.data:
        return _check_page(form, 400)
    try:
        receipt = _submit(form, key)
    except services.ComplaintError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _form_page(form, "complaints/new.html", 400)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Complaint could not be stored")
        return render_template("complaints/not_saved.html", form=form), 503
    # A double click or a resent form shows the code again in the browser that was given the
    # form; anyone else holding the form's key gets the tracking number only.
    show_code = not receipt.duplicate or _form_given_here(key)
    return render_template("complaints/receipt.html", receipt=receipt, show_code=show_code,
                           track_form=TrackForm(number=receipt.complaint.tracking_number)), 201


def _submit(form: ComplaintForm, key: str) -> services.Receipt:
    """File and commit; a simultaneous double submit finds the complaint the other one made."""
    try:
        receipt = services.submit_complaint(_filing(form), key, utcnow())
        # The receipt shows what was just written: keep it as it is rather than reload it
        # after the commit (one query and one connection checkout less per filing).
        db.session.expunge(receipt.complaint)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        receipt = services.submit_complaint(_filing(form), key, utcnow())
        if not receipt.duplicate:
            raise
    return receipt


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


def _open_case_here(number: str) -> None:
    tracked = {key: at for key, at in session.get(TRACKED_KEY, {}).items()
               if time.time() - at < TRACKED_SECONDS}
    tracked[number] = time.time()
    session[TRACKED_KEY] = tracked


@public.route("/track", methods=["GET", "POST"])
@limiter.limit(_track_limit, methods=["POST"])
def track() -> Any:
    """Open one's case with its tracking number and secret code."""
    form = TrackForm()
    if not form.is_submitted() and request.args.get("number"):
        form.number.data = request.args["number"]
    if form.validate_on_submit():
        # NFKC and upper() can lengthen text (ß -> SS): keep to what the column holds.
        number, now = codes.normalize_tracking_number(form.number.data or "")[:40], utcnow()
        known = throttle.state(number, now)
        until = _must_wait(number, known, now)
        if until is not None:
            return _waiting(form, until, now)
        complaint = services.find_for_tracking(number, form.code.data or "")
        if complaint is not None:
            found = complaint.tracking_number  # read before the commit expires it
            if known.has_failures:
                throttle.record_success(number)
            db.session.commit()  # also keeps a hash brought to the current kind
            _open_case_here(found)
            return redirect(url_for("complaints.case", number=found))
        throttle.record_failure(number, now)
        db.session.commit()
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


def _tracked_case(number: str) -> Complaint | Response:
    at = session.get(TRACKED_KEY, {}).get(number)
    if at is None or time.time() - at > TRACKED_SECONDS:
        flash(_("Please enter your tracking number and secret code."), "info")
        return redirect(url_for("complaints.track", number=number))
    complaint = db.session.scalar(sa.select(Complaint).where(Complaint.tracking_number == number))
    if complaint is None:
        abort(404)
    return complaint


def _render_case(complaint: Complaint, status: int = 200, **forms: Any) -> Any:
    now = utcnow()
    events = [event for event in complaint.events if event.kind in PUBLIC_EVENTS]
    context = {
        "complaint": complaint, "events": events, "now": now,
        "information_form": forms.get("information_form") or InformationForm(),
        "rating_form": forms.get("rating_form") or RatingForm(),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "can": {target.value: _possible(complaint, target, now)
                for target in (ComplaintStatus.WITHDRAWN, ComplaintStatus.REOPENED,
                               ComplaintStatus.ESCALATED)},
        "can_rate": complaint.status in {ComplaintStatus.REPLIED, ComplaintStatus.CLOSED},
    }
    response = current_app.make_response((render_template("complaints/case.html", **context),
                                          status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _possible(complaint: Complaint, target: ComplaintStatus, now: Any) -> bool:
    if not workflow.allowed(complaint.status, target, ActorKind.COMPLAINANT):
        return False
    if target is ComplaintStatus.ESCALATED and \
            complaint.status in workflow.ESCALATE_WHEN_OVERDUE:
        return complaint.overdue(now)
    if target is ComplaintStatus.REOPENED:
        try:
            services.check_reopen(complaint, now)
        except services.ComplaintError:
            return False
    return True


@public.get("/track/<number>")
def case(number: str) -> Any:
    """The complainant's view: status, deadlines, timeline, replies, and what they can do."""
    complaint = _tracked_case(number)
    if isinstance(complaint, Response):
        return complaint
    return _render_case(complaint)


def _act(number: str, action: str) -> Any:
    complaint = _tracked_case(number)
    if isinstance(complaint, Response):
        return complaint
    now = utcnow()
    forms: dict[str, Any] = {}
    try:
        if action == "information":
            form = forms["information_form"] = InformationForm()
            if not form.validate_on_submit():
                return _render_case(complaint, 400, **forms)
            services.check_open_for_information(complaint)
            try:
                files = _uploads(form.attachments, len(complaint.attachments),
                                 services.MAX_CASE_FILES, _("A case can hold at most 20 files."))
            except AttachmentError as error:
                form.attachments.errors = [*form.attachments.errors, str(error.message)]
                return _render_case(complaint, 400, **forms)
            services.add_information(complaint, form.text.data or "", now, files)
            message = _("Your information was added to the case.")
        elif action == "rate":
            form = forms["rating_form"] = RatingForm()
            if not form.validate_on_submit():
                return _render_case(complaint, 400, **forms)
            services.rate(complaint, int(form.rating.data), form.resolved.data == "yes", now)
            message = _("Thank you for rating the answer.")
        else:
            form = forms["reason_form"] = ReasonForm()
            if not form.validate_on_submit():
                return _render_case(complaint, 400, **forms)
            target = {"withdraw": ComplaintStatus.WITHDRAWN, "reopen": ComplaintStatus.REOPENED,
                      "escalate": ComplaintStatus.ESCALATED}[action]
            services.change_status(complaint, target, ActorKind.COMPLAINANT, now,
                                   reason=form.reason.data)
            message = {"withdraw": _("Your complaint is withdrawn."),
                       "reopen": _("Your case is reopened and will be handled again."),
                       "escalate": _("Your case is now with the users' committee.")}[action]
    except services.ComplaintError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _render_case(complaint, 400, **forms)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("complaints.case", number=number))


@public.post("/track/<number>/<any(information, rate, withdraw, reopen, escalate):action>")
@_limit_uploads
def act(number: str, action: str) -> Any:
    """The complainant adds information, rates, withdraws, reopens or escalates."""
    return _act(number, action)


def send_attachment(complaint: Complaint, attachment_id: int) -> Response:
    """One file of a case, always as a download (never shown inline)."""
    attachment = db.session.get(ComplaintAttachment, attachment_id)
    if attachment is None or attachment.complaint_id != complaint.id:
        abort(404)
    response = current_app.response_class(attachment.data, mimetype=attachment.media_type)
    response.headers["Content-Disposition"] = f"attachment; filename={attachment.filename}"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@public.get("/track/<number>/attachments/<int(max=2147483647):attachment_id>")
def case_attachment(number: str, attachment_id: int) -> Any:
    """A file of one's own case."""
    complaint = _tracked_case(number)
    if isinstance(complaint, Response):
        return complaint
    return send_attachment(complaint, attachment_id)


PUBLIC_PAGE_SIZE = 20


def _page_number() -> int:
    """The page asked for in the URL; anything else (text, 0, huge numbers) is page 1."""
    page = request.args.get("page", 1, type=int) or 1
    return page if 1 <= page <= 100_000 else 1


@public.get("/public")
def public_cases() -> str:
    """Cases whose complainant agreed and whose summary staff approved; searchable."""
    query = sa.select(Complaint).where(Complaint.consent_publish.is_(True),
                                       Complaint.summary_approved_at.is_not(None))
    text = (request.args.get("q") or "").strip()[:100]
    if text:
        query = query.where(Complaint.public_summary.contains(text, autoescape=True))
    for field, column in (("category", Complaint.category_code),
                          ("district", Complaint.district_code)):
        if request.args.get(field):
            query = query.where(column == request.args[field])
    if request.args.get("status") in {status.value for status in ComplaintStatus}:
        query = query.where(Complaint.status == ComplaintStatus(request.args["status"]))
    # Related rows in one query each, so that a page costs the same whatever its length.
    query = query.options(selectinload(Complaint.events), selectinload(Complaint.category),
                          selectinload(Complaint.district))
    pagination = db.paginate(query.order_by(Complaint.registered_at.desc(), Complaint.id.desc()),
                             page=_page_number(), per_page=PUBLIC_PAGE_SIZE, error_out=False)
    return render_template("complaints/public.html", pagination=pagination, q=text,
                           categories=services.categories(), districts=services.districts(),
                           public_events=services.public_events)
