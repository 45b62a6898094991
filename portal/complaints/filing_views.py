"""Filing a complaint after the blank form (``complaints.new``): one endpoint per step.

``POST /complaints/new/check`` shows what will be sent (and keeps the files), ``.../edit`` goes
back to the form with everything kept, ``.../send`` registers the complaint and shows the
receipt. Pages opened before the steps had their own addresses post to ``/complaints/new``,
which checks. A kept file can be removed from either page (``.../check/remove-file``,
``.../edit/remove-file``: a button per file, no script needed), and a photo is shown back, to
the browser that sent it only (``.../files/<id>``). A database fault in any step shows the
person what they wrote, to copy.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import SessionTransaction

from portal.accounts.roles import open_to_all
from portal.complaints import services, web
from portal.complaints.attachments import IMAGE_TYPES, MAX_FILES
from portal.complaints.blueprint import filing
from portal.complaints.forms import ComplaintForm, TrackForm
from portal.complaints.models import ComplaintAttachment
from portal.core import transactions
from portal.core.errors import DomainError, report
from portal.core.models import utcnow
from portal.extensions import db


def form_page(form: ComplaintForm, template: str = "complaints/new.html",
              status: int = 200) -> Any:
    """The form (or its check step) with the files already kept for it."""
    if template == "complaints/check.html":
        form.check_token.data = _serializer().dumps(form.submission_key.data)
    staged = (services.pending_attachments(form.submission_key.data or "")
              if form.is_submitted() else [])  # a new form has none
    return render_template(template, form=form, staged=staged, names=web.file_names(),
                           image_types=IMAGE_TYPES), status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="complaint-check")


def _sent_form() -> ComplaintForm:
    form = ComplaintForm()
    if form.keep_key():
        web.remember_form_key(form.submission_key.data or "")
    return form


@filing.post("")
@filing.post("/check")
@web.limit_filing
@web.limit_uploads
@open_to_all
def check() -> Any:
    """Check step: the complaint as it will be sent; files are cleaned and kept meanwhile."""
    form = _sent_form()
    if not form.validate():
        return form_page(form, status=400)
    try:
        _keep_files(form)
    except DomainError as error:
        error.field = error.field or form.attachments.name
        report(error, form)
        return form_page(form, status=400)
    return form_page(form, "complaints/check.html")


def _keep_files(form: ComplaintForm) -> None:
    key = form.submission_key.data or ""
    # No files sent: nothing to count.
    staged = 0 if web.carries_no_files() else len(services.pending_attachments(key))
    files = web.uploads(form.attachments, staged, MAX_FILES, _("At most 5 files can be attached."))
    if files:
        services.purge_stale_uploads(utcnow())
        rows = services.stage_attachments(key, files, utcnow())
        web.remember_file_names(rows, web.upload_names(form.attachments))


@filing.post("/edit")
@web.limit_filing
@open_to_all
def edit() -> Any:
    """Back from the check step to the form, with everything kept."""
    return form_page(_sent_form())


@filing.post("/send")
@web.limit_filing
@open_to_all
def send() -> Any:
    """Register the checked complaint and show its receipt, once."""
    form = _sent_form()
    if not form.validate():
        return form_page(form, status=400)
    if not _checked(form):
        return form_page(form, "complaints/check.html", 400)
    key = form.submission_key.data or ""
    try:
        receipt = _submit(form, key)
    except services.ComplaintError as error:
        report(error)
        return form_page(form, status=400)
    # A double click or a resent form shows the code again in the browser that was given the
    # form; anyone else holding the form's key gets the tracking number only.
    show_code = not receipt.duplicate or web.form_given_here(key)
    return render_template("complaints/receipt.html", receipt=receipt, show_code=show_code,
                           track_form=TrackForm(number=receipt.complaint.tracking_number)), 201


def _remove_file(form: ComplaintForm, on_form: bool) -> bool:
    """Remove the file whose button was pressed from the form's kept files; False (with the
    reason shown, under the files field ``on_form``, else above the page) if it is not one of
    them."""
    raw = request.form.get("remove_file", "")
    try:
        services.unstage_attachment(form.submission_key.data or "",
                                    int(raw) if raw.isdigit() and len(raw) < 12 else -1)
    except services.ComplaintError as error:
        report(error, form if on_form else None)
        return False
    flash(_("The file was removed."), "success")
    return True


@filing.post("/check/remove-file")
@web.limit_filing
@open_to_all
def remove_file_checked() -> Any:
    """Remove a kept file on the check step, and check again."""
    form = _sent_form()
    if not form.validate():
        return form_page(form, status=400)
    removed = _remove_file(form, on_form=False)
    return form_page(form, "complaints/check.html", 200 if removed else 400)


@filing.post("/edit/remove-file")
@web.limit_filing
@open_to_all
def remove_file_editing() -> Any:
    """Remove a kept file while changing the complaint, and go on changing it."""
    form = _sent_form()
    removed = _remove_file(form, on_form=True)
    return form_page(form, status=200 if removed else 400)


@filing.get("/files/<int(max=2147483647):attachment_id>")
@open_to_all
def preview(attachment_id: int) -> Any:
    """A photo kept with an unsent form, shown back to the browser that sent it."""
    attachment = db.session.get(ComplaintAttachment, attachment_id)
    if attachment is None or not web.draft_file_here(attachment):
        abort(404)
    return web.send_preview(attachment)


def _checked(form: ComplaintForm) -> bool:
    """Whether the form went through the check step (lately) as it is."""
    try:
        key = _serializer().loads(form.check_token.data or "",
                                  max_age=current_app.config["CHECK_STEP_MINUTES"] * 60)
    except SignatureExpired:
        flash(_("The check step has expired. Please check your complaint and send it again."),
              "error")
        return False
    except BadSignature:
        return False
    return bool(key == form.submission_key.data)


def _submit(form: ComplaintForm, key: str) -> services.Receipt:
    """File; a simultaneous double submit finds the complaint the other one made."""
    savepoint = _savepoint()
    try:
        receipt = services.submit_complaint(form.to_filing(), key, utcnow())
    except IntegrityError:
        if savepoint.is_active:
            savepoint.rollback()
        receipt = services.submit_complaint(form.to_filing(), key, utcnow())
        if not receipt.duplicate:
            raise
        return receipt
    savepoint.commit()
    return receipt


def _savepoint() -> SessionTransaction:
    """A SAVEPOINT inside the request's transaction. SQLite's Python driver opens no
    transaction before a SAVEPOINT, which then becomes the whole transaction (releasing it
    would commit): open the transaction first."""
    connection = db.session.connection()
    driver = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN")
    return db.session.begin_nested()


@filing.errorhandler(SQLAlchemyError)
def not_saved(_error: SQLAlchemyError) -> Any:
    """The database failed (on the request's commit, too): say so and show what was written."""
    transactions.rollback()
    current_app.logger.exception("Complaint could not be stored")
    return render_template("complaints/not_saved.html", subject=request.form.get("subject", ""),
                           description=request.form.get("description", "")), 503
