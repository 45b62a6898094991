"""Account forms, with labels and messages translated lazily."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from portal.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from portal.core.forms import PortalForm

REQUIRED = _l("This field is required.")


class LoginForm(PortalForm):
    """Username and password: the first step of logging in."""

    username = StringField(_l("Username"), validators=[
        DataRequired(REQUIRED), Length(max=64, message=_l("At most 64 characters."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[
        DataRequired(REQUIRED),
        Length(max=MAX_PASSWORD_LENGTH, message=_l("At most 256 characters."))],
        render_kw={"autocomplete": "current-password"})


class CodeForm(PortalForm):
    """The 6-digit code from an authenticator app: the second step."""

    code = StringField(_l("6-digit code"), validators=[
        DataRequired(REQUIRED),
        Regexp(r"^\s*\d{3}\s*\d{3}\s*$", message=_l("Enter the 6 digits shown in your "
                                                     "authenticator app."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "pattern": r"[0-9 ]*", "maxlength": "8"})


class ChangePasswordForm(PortalForm):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[
        DataRequired(REQUIRED),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("A password needs at least 12 and at most 256 characters."))],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(REQUIRED), EqualTo("new", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"})
