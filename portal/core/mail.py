"""Outgoing email over SMTP (``PORTAL_MAIL_*``): one place that connects, sends and checks.

Emails are sent by background jobs (``portal.core.jobs``) once their change is committed: a
failed delivery is logged without the address, tried again, and never undoes the change.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

logger = logging.getLogger("portal.mail")
TIMEOUT_SECONDS = 10


def configured() -> bool:
    """Whether an SMTP server is configured."""
    return bool(current_app.config["MAIL_SERVER"])


def _connect(timeout: float) -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    if config["MAIL_STARTTLS"]:
        smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def new_message(to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message from ``PORTAL_MAIL_SENDER``."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message.set_content(body)
    return message


def send(message: EmailMessage, what: str) -> bool:
    """Deliver one message; ``what`` names it in the log (never the address). True if sent."""
    try:
        return deliver(message, what)
    except (OSError, smtplib.SMTPException):
        return False


class Undeliverable(smtplib.SMTPException):
    """The server refused the message for good (a 5xx answer, an address it cannot take):
    trying again cannot help."""

    permanent = True


def deliver(message: EmailMessage, what: str) -> bool:
    """Deliver one message, raising if the server did not take it (a job tries again, unless
    the refusal is for good: ``Undeliverable``); False if no server is configured. Once the
    server has taken the message, a failing goodbye does not count."""
    if not configured():
        return False
    try:
        smtp = _connect(TIMEOUT_SECONDS)
        try:
            smtp.send_message(message)
        finally:
            _close(smtp)
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("email not sent (%s): %s", what, type(error).__name__)
        if _for_good(error):
            raise Undeliverable(type(error).__name__) from error
        raise
    return True


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _for_good(error: Exception) -> bool:
    """A refusal that will not change: recipients or data refused with 5xx, or a feature the
    server lacks (an address in Chinese characters without SMTPUTF8)."""
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _text in error.recipients.values())
    code = getattr(error, "smtp_code", 0)
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= code < 600


def reachable(timeout: float = 3.0) -> bool:
    """Whether the SMTP server answers a NOOP (for ``/readyz``)."""
    try:
        with _connect(timeout) as smtp:
            return smtp.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False
