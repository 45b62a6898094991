"""Translated error pages (HTML for people, JSON for the API) and the domain error base."""

from __future__ import annotations

import logging
import math
import time
import traceback

from flask import Flask, Response, current_app, flash, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as SATimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.core import domains, transactions
from portal.extensions import limiter


class DomainError(Exception):
    """A rule of the domain was broken; ``message`` (translated) is what the person reads.

    Subclasses may set a default ``message``; raising with a message overrides it. ``field``
    names the form field the message belongs to (None: the whole form).
    """

    message: object = _l("The request could not be understood. Please check what you entered "
                         "and try again.")
    field: str | None = None

    def __init__(self, message: object | None = None, field: str | None = None) -> None:
        if message is not None:
            self.message = message
        if field is not None:
            self.field = field
        super().__init__(str(self.message))


def report(error: DomainError, form: FlaskForm | None = None, category: str = "error") -> None:
    """Tell the person why the domain refused, and make sure nothing of the request is saved.

    The message goes under the form field that ``error.field`` names, else into a flash message.
    """
    transactions.refused()
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(str(error.message), category)


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you "
                                "entered and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have moved, or "
                                   "the link may be mistyped.")),
    405: (_l("Method not allowed"), _l("This page cannot be used in that way.")),
    413: (_l("Upload too large"), _l("What you sent is larger than the portal accepts. Please "
                                     "send less or smaller files.")),
    429: (_l("Too many requests"), _l("You have made too many requests in a short time. Please "
                                      "wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An error on our side stopped this page. If you were "
                                         "sending a form, none of it was saved: please send it "
                                         "again later.")),
    503: (_l("Temporarily unavailable"), _l("The portal cannot reach its database just now. "
                                            "Please try again in a minute. If you were sending "
                                            "a form, none of it was saved: please send it "
                                            "again.")),
}
RETRY_AFTER_SECONDS = 30
# What a database outage (or restart) raises: no connection, a dropped one, a full pool.
OUTAGE_ERRORS = (OperationalError, InterfaceError, SATimeoutError, DisconnectionError)
CSRF_TEXT = _l("This form has expired or was sent from another page. Please reload the page "
               "and submit it again.")


def wants_json() -> bool:
    """Machine clients (the API, health checks) get JSON errors; people get a page."""
    # /api/ itself is a page for people (the API reference); what is under /api/v1/ is not
    if request.path.startswith(("/api/v1/", "/api/openapi.json", "/healthz", "/readyz")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def render_error(code: int, message: str | None = None) -> tuple[Response | str, int]:
    """Render the page or JSON body for an HTTP error code."""
    title, default_message = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    text = message or str(default_message)
    for prefix, render in domains.registry().error_bodies:
        if request.path.startswith(prefix):
            return render(code, text), code
    if wants_json():
        return jsonify(error={"status": code, "title": str(title), "message": text}), code
    try:
        return render_template("errors/error.html", code=code, title=title, message=text), code
    except Exception:
        current_app.logger.exception("The error page could not be rendered")
        page = (f'<!doctype html><html lang="{escape(html_lang_or_default())}"><meta '
                f'charset="utf-8"><title>{escape(str(title))}</title><h1>{escape(str(title))}'
                f"</h1><p>{escape(text)}</p></html>")
        return page, code


def html_lang_or_default() -> str:
    """``<html lang>`` for the bare fallback page."""
    try:
        from flask_babel import get_locale

        from portal.i18n import html_lang

        locale = get_locale()
        return html_lang(locale) if locale else "zh-Hans-CN"
    except Exception:
        return "zh-Hans-CN"


def _handle_http(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:
        return error
    body, code = render_error(error.code)
    response = current_app.make_response((body, code))
    if code == 429:
        response.headers["Retry-After"] = str(_seconds_until_allowed())
    allow = getattr(error, "valid_methods", None)
    if allow:
        response.headers["Allow"] = ", ".join(allow)
    return response


def _seconds_until_allowed() -> int:
    """When the rate limit that was hit lets the client in again."""
    current = limiter.current_limit
    if current is None:
        return RETRY_AFTER_SECONDS
    return max(1, math.ceil(current.reset_at - time.time()))


def _handle_csrf(_error: CSRFError) -> tuple[Response | str, int]:
    return render_error(400, str(CSRF_TEXT))


def _rollback() -> None:
    try:
        transactions.rollback()
    except Exception:  # the connection may be gone; the session is discarded anyway
        current_app.logger.warning("rollback failed after an error")


def _handle_outage(error: Exception) -> Response:
    """The database cannot be reached: a translated page that says to try again, 503."""
    _rollback()
    current_app.logger.warning("database unavailable on %s: %s", request.path,
                               type(error).__name__)
    body, code = render_error(503)
    response = current_app.make_response((body, code))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _handle_database_error(error: DBAPIError) -> Response:
    if error.connection_invalidated:
        return _handle_outage(error)
    raise error


def _handle_unexpected(error: Exception) -> Response | HTTPException:
    _rollback()
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return _handle_http(error)
    current_app.logger.exception("Unhandled error on %s", request.path)
    body, code = render_error(500)
    return current_app.make_response((body, code))


def describe_database_error(error: SQLAlchemyError) -> str:
    """The error's kind and SQLSTATE, without the driver's message (which may quote the row)."""
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    return f"{type(error).__name__}" + (f" (SQLSTATE {sqlstate})" if sqlstate else "")


class ScrubDatabaseErrors(logging.Filter):
    """Log database errors with their traceback but without their message: PostgreSQL's
    ``DETAIL: Failing row contains (...)`` would put complainants' text into the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the exception text of a database error."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, SQLAlchemyError):
            record.exc_text = ("Traceback (most recent call last):\n"
                               + "".join(traceback.format_tb(error.__traceback__))
                               + describe_database_error(error))
        return True


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.logger.addFilter(ScrubDatabaseErrors())
    # Flask-Limiter names the client address (its key) when a limit is hit, at INFO.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    for outage in OUTAGE_ERRORS:
        app.register_error_handler(outage, _handle_outage)
    app.register_error_handler(DBAPIError, _handle_database_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, _handle_unexpected)
    app.after_request(_say_when_to_retry)


def _say_when_to_retry(response: Response) -> Response:
    """Every 503, whichever view or handler made it, says when to try again and is never kept
    (clients, proxies and the fault drill count a 503 without Retry-After as an error)."""
    if response.status_code == 503:
        response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        response.headers["Cache-Control"] = "no-store"
    return response
