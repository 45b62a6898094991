"""Emails to account holders: repeated failed logins on their account."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import jobs, mail
from portal.core.models import utcnow
from portal.extensions import db

LOGIN_WARNING = "login-warning-email"


def later_throttle_started(user: User) -> None:
    """Warn the owner once the failure count is saved (a background job, which tells of the
    count and the moment of this failure, whenever it runs)."""
    jobs.later(LOGIN_WARNING, user_id=user.id, failures=user.failed_logins,
               at=utcnow().isoformat())


@jobs.handler(LOGIN_WARNING)
def _warn(user_id: int, failures: int, at: str) -> None:
    user = db.session.get(User, user_id)
    if user is not None:
        throttle_started(user, failures, datetime.fromisoformat(at))


def throttle_started(user: User, failures: int, at: datetime) -> bool:
    """Tell the owner that failed attempts made the account wait; True if sent, False if there
    is nowhere to send it; raises if the mail server refused (the job tries again)."""
    if not mail.configured() or not user.email:
        return False
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        message = mail.new_message(
            user.email, _("Failed logins on your account %(username)s",
                          username=user.username),
            render_template("accounts/email_throttled.txt", user=user, now=at,
                            failures=failures))
    return mail.deliver(message, f"failed-login warning for account {user.id}")
