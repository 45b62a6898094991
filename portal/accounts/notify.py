"""Emails to account holders: repeated failed logins on their account."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import mail
from portal.core.models import utcnow


def throttle_started(user: User) -> bool:
    """Tell the owner that failed attempts made the account wait; True if sent."""
    if not mail.configured() or not user.email:
        return False
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        message = mail.new_message(
            user.email, _("Failed logins on your account %(username)s",
                          username=user.username),
            render_template("accounts/email_throttled.txt", user=user, now=utcnow(),
                            failures=user.failed_logins))
    return mail.send(message, f"failed-login warning for account {user.id}")
