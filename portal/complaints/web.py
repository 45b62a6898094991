"""What the complainant's pages share: rate limits, uploaded files, forms given to this browser,
and the tracked cases it has opened."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.complaints import codes
from portal.complaints.attachments import (
    IMAGE_TYPES,
    MAX_BYTES,
    MAX_FILES,
    AttachmentError,
    CleanFile,
    clean_files,
    given_name,
)
from portal.complaints.models import Complaint, ComplaintAttachment
from portal.core import page_cache
from portal.extensions import db, limiter

FORM_KEYS = "complaint_forms"
FORM_KEY_SECONDS = 3 * 60 * 60
MAX_FORM_KEYS = 8
TRACKED_KEY = "tracked_cases"
TRACKED_SECONDS = 30 * 60
# The cases a browser keeps open at most (the newest): the session is a cookie, and a cookie
# larger than a server takes (8 KB) would lock the browser out of every page.
MAX_TRACKED = 20


def remember_form_key(key: str) -> None:
    """Note that this browser was given this form, so that only it may see the form's code."""
    keys = {tag: at for tag, at in session.get(FORM_KEYS, {}).items()
            if time.time() - at < FORM_KEY_SECONDS}
    keys[codes.key_digest(key)[:16]] = time.time()
    session[FORM_KEYS] = dict(sorted(keys.items(), key=lambda item: item[1])[-MAX_FORM_KEYS:])


# Which forms a browser was given changes none of the pages it reads.
page_cache.not_shown(FORM_KEYS)
NEW_FORM_KEY = "complaint-form-key"


@page_cache.filler(NEW_FORM_KEY)
def new_form_key() -> str:
    """A new form's submission key, noted as given to this browser (a page kept with the form
    gets each visitor's own)."""
    key = codes.new_submission_key()
    remember_form_key(key)
    return key


def form_given_here(key: str) -> bool:
    """Whether this browser was given the form with this key (lately)."""
    at = session.get(FORM_KEYS, {}).get(codes.key_digest(key)[:16])
    return at is not None and time.time() - at < FORM_KEY_SECONDS


FILE_NAMES = "complaint_file_names"
MAX_FILE_NAMES = 10


def upload_names(field: Any) -> list[str]:
    """The names given to the files of a file field (as ``uploads`` counts them), fit to show;
    "" for a file without a usable name."""
    return [given_name(upload.filename) or "" for upload in (field.data or [])
            if getattr(upload, "filename", "")]


def remember_file_names(rows: list[ComplaintAttachment], names: list[str]) -> None:
    """Note which files of an unsent form this browser sent, with the names it gave them: in
    its own session cookie, so that the database never holds the names."""
    known = {key: name for key, name in session.get(FILE_NAMES, {}).items()}
    known.update({str(row.id): name for row, name in zip(rows, names, strict=False)})
    newest = sorted(known.items(), key=lambda item: int(item[0]))[-MAX_FILE_NAMES:]
    session[FILE_NAMES] = dict(newest)


def file_names() -> dict[int, str]:
    """The names this browser gave the files it sent with unsent forms, by file id."""
    return {int(key): name for key, name in session.get(FILE_NAMES, {}).items()}


def draft_file_here(attachment: ComplaintAttachment | None) -> bool:
    """Whether this browser sent the file with a form of its own that is not sent yet."""
    if attachment is None or attachment.complaint_id is not None or \
            attachment.submission_digest is None:
        return False
    at = session.get(FORM_KEYS, {}).get(attachment.submission_digest[:16])
    return (str(attachment.id) in session.get(FILE_NAMES, {}) and at is not None
            and time.time() - at < FORM_KEY_SECONDS)


def open_case_here(number: str) -> None:
    """This browser gave the case's code: it may see the case for a while."""
    tracked = {key: at for key, at in session.get(TRACKED_KEY, {}).items()
               if time.time() - at < TRACKED_SECONDS}
    tracked[number] = time.time()
    session[TRACKED_KEY] = dict(sorted(tracked.items(), key=lambda item: item[1])[-MAX_TRACKED:])


def close_case_here(number: str) -> None:
    """This browser forgets the case: the code is needed again (a phone that others use)."""
    tracked = dict(session.get(TRACKED_KEY, {}))
    tracked.pop(number, None)
    session[TRACKED_KEY] = tracked


def tracked(view: Callable[..., Any]) -> Callable[..., Any]:
    """Call ``view`` with the case, if this browser opened it with its code lately; else send
    the browser to the tracking form."""
    @wraps(view)
    def wrapper(number: str, **kwargs: Any) -> Any:
        at = session.get(TRACKED_KEY, {}).get(number)
        if at is None or time.time() - at > TRACKED_SECONDS:
            flash(_("Please enter your tracking number and secret code."), "info")
            return redirect(url_for("complaints.track", number=number))
        complaint = db.session.scalar(sa.select(Complaint).where(
            Complaint.tracking_number == number))
        if complaint is None:
            abort(404)
        return view(complaint, **kwargs)
    return wrapper


def uploads(field: Any, already: int, most: int, full: str) -> list[CleanFile]:
    """Count, then clean, the files of a file field; AttachmentError names the first bad one."""
    files = [upload for upload in (field.data or []) if getattr(upload, "filename", "")]
    if len(files) > MAX_FILES:
        raise AttachmentError(_("At most 5 files can be attached."), field.name)
    # Counted before any file is read: decoding files that cannot be kept only costs memory.
    if already + len(files) > most:
        raise AttachmentError(full, field.name)
    if not files:
        return []
    outcomes = clean_files([upload.stream.read(MAX_BYTES + 1) for upload in files])
    for index, outcome in enumerate(outcomes, start=1):
        if isinstance(outcome, AttachmentError):
            raise AttachmentError(_("File %(number)s: %(problem)s", number=index,
                                    problem=str(outcome.message)), field.name)
    return [outcome for outcome in outcomes if isinstance(outcome, CleanFile)]


def carries_no_files() -> bool:
    """Requests without files (sending a checked complaint, a complaint without photos,
    rating, withdrawing...) are never held back by the upload limit."""
    return not any(getattr(upload, "filename", "")
                   for _field, uploads in request.files.lists() for upload in uploads)


def _upload_limit() -> str:
    return str(current_app.config["UPLOAD_RATE_LIMIT"])


def _file_limit() -> str:
    return str(current_app.config["FILE_RATE_LIMIT"])


def _filed(response: Response) -> bool:
    return response.status_code == 201


# One budget for every page that takes files, so that a second page does not double it.
# Counted when the request arrives, before any file is decoded: a request whose decoding kills
# the worker must still count.
limit_uploads = limiter.shared_limit(_upload_limit, scope="complaint-uploads", methods=["POST"],
                                     exempt_when=carries_no_files)
# Every step of filing is held back once too many complaints were sent; only a sent one counts.
limit_filing = limiter.shared_limit(_file_limit, scope="complaint-filing", methods=["POST"],
                                    deduct_when=_filed)


def send_preview(attachment: ComplaintAttachment) -> Response:
    """A photo of an unsent form, shown back to the browser that sent it: only JPEG and PNG
    (which the cleaning rebuilt from their pixels), with their own type, never stored by the
    browser, and not to be embedded by other sites."""
    if attachment.media_type not in IMAGE_TYPES:
        abort(404)
    response = current_app.response_class(attachment.data, mimetype=attachment.media_type)
    response.headers["Content-Disposition"] = f"inline; filename={attachment.filename}"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def no_store(response: Response) -> Response:
    """Complaint pages hold personal data and codes: no browser or proxy may keep a copy
    (except of the public cases as an anonymous reader sees them)."""
    if not page_cache.in_use():
        response.headers.setdefault("Cache-Control", "no-store")
    return response


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
