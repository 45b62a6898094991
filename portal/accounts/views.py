"""Login with a second factor, logout, and one's own account."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta
from typing import Any

import segno
from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.accounts import notify, services
from portal.accounts.blueprint import public
from portal.accounts.forms import ChangePasswordForm, CodeForm, LoginForm
from portal.accounts.models import User
from portal.accounts.roles import Permission, open_to_all, permission_required
from portal.core import transactions
from portal.core.api import API_PREFIX
from portal.core.errors import OUTAGE_ERRORS, report
from portal.core.models import utcnow
from portal.core.urls import safe_local_path
from portal.extensions import db, limiter, login_manager
from portal.i18n import SESSION_KEY as LANGUAGE_KEY

PENDING_KEY = "pending_login"
PENDING_MAX_AGE = timedelta(minutes=5)
SEEN_KEY = "seen_at"
SEEN_RESOLUTION_SECONDS = 30


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _throttle() -> services.Throttle:
    return services.Throttle(
        free_failures=current_app.config["LOGIN_MAX_FAILURES"],
        max_delay=timedelta(minutes=current_app.config["LOGIN_MAX_DELAY_MINUTES"]))


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """Load the account behind a session; a stale session token logs the person out."""
    user_id, _sep, token = identity.partition(":")
    if not user_id.isdigit() or len(user_id) > 12 or g.get("database_down"):
        return None
    try:
        user = db.session.get(User, int(user_id))
    except OUTAGE_ERRORS:
        # The database is gone: this request answers 503, and the error page is made for
        # someone not signed in (asking again would fail again).
        g.database_down = True
        raise
    if user is None or not secrets.compare_digest(user.session_token, token) \
            or not user.is_active:
        return None
    return user


def _safe_next(target: str | None) -> str:
    return safe_local_path(target, url_for("accounts.home"))


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    started = pending.get("at", 0)
    if utcnow().timestamp() - float(started) > PENDING_MAX_AGE.total_seconds():
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, int(pending.get("id", 0)))
    if user is None or user.session_token != pending.get("token") or not user.is_active:
        return None
    return user


def _keep_language_only() -> None:
    language = session.get(LANGUAGE_KEY)
    session.clear()
    if language:
        session[LANGUAGE_KEY] = language  # logging out keeps the language the person chose


@public.before_app_request
def _end_idle_session() -> Response | None:
    """Log out a session that has been idle longer than ``PORTAL_SESSION_IDLE_MINUTES``.

    The open-data API uses no session: its answers must not vary with the cookie (a shared
    cache keeps one copy), so its requests neither read the session here nor count as
    activity."""
    if request.path.startswith(API_PREFIX + "/"):
        return None
    if SEEN_KEY not in session:
        if "_user_id" in session:  # a session from before idle timeouts: starts counting now
            session[SEEN_KEY] = utcnow().timestamp()
        return None
    now = utcnow().timestamp()
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if now - float(session[SEEN_KEY]) > idle:
        logout_user()
        _keep_language_only()
        flash(ngettext("You were logged out after %(num)s minute without activity. Please log "
                       "in again.",
                       "You were logged out after %(num)s minutes without activity. Please log "
                       "in again.", current_app.config["SESSION_IDLE_MINUTES"]), "info")
        return None
    if now - float(session[SEEN_KEY]) > SEEN_RESOLUTION_SECONDS:
        session[SEEN_KEY] = now
    return None


def _wait_message(until: datetime) -> str:
    """At the code step the person has proved the password: tell them how long to wait."""
    seconds = max(1, math.ceil((until - utcnow()).total_seconds()))
    return ngettext("After repeated failed attempts this account waits %(num)s second before "
                    "it accepts another code. Then enter the current code.",
                    "After repeated failed attempts this account waits %(num)s seconds before "
                    "it accepts another code. Then enter the current code.", seconds)


def _refuse_counting_the_failure(error: services.LoginFailedError | services.InvalidCodeError,
                                 form: LoginForm | CodeForm) -> None:
    """Refuse, but keep the failure count; warn the owner once it is saved, if waits began."""
    transactions.keep_despite_refusal()
    if error.throttle_started is not None:
        notify.later_throttle_started(error.throttle_started)
    report(error, form)


@public.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@open_to_all
def login() -> Any:
    """Step one: username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 400 if form.errors else 200
    try:
        user = services.check_password(form.username.data, form.password.data, utcnow(),
                                       _throttle())
    except services.LoginFailedError as error:
        _refuse_counting_the_failure(error, form)
        return render_template("accounts/login.html", form=form), 401
    session[PENDING_KEY] = {"id": user.id, "token": user.session_token,
                            "at": utcnow().timestamp(),
                            "next": _safe_next(request.args.get("next"))}
    target = "accounts.verify_code" if user.totp_enabled else "accounts.setup_code"
    return redirect(url_for(target))


def _second_step(template: str) -> Any:
    """Check the code of the account whose password was proved in this session."""
    user = _pending_user()
    if user is None:
        flash(_("Please log in again: the login step has expired."), "error")
        return redirect(url_for("accounts.login"))
    if (template == "accounts/setup.html") == user.totp_enabled:
        # An enrolled account never sees its secret again; a new one must enrol first.
        return redirect(url_for("accounts.verify_code" if user.totp_enabled
                                else "accounts.setup_code"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _render_code_page(template, form, user, 400 if form.is_submitted() else 200)
    try:
        services.check_totp(user, form.code.data, utcnow(), _throttle(),
                            enrolling=None if user.totp_enabled else _enrolment_secret())
    except (services.AccountThrottledError, services.InvalidCodeError) as error:
        return _render_code_page(template, form, user, _refuse_code(error, form))
    return _logged_in(user)


def _refuse_code(error: services.AccountThrottledError | services.InvalidCodeError,
                 form: CodeForm) -> int:
    """Say why the code was refused; the answer's status."""
    if isinstance(error, services.AccountThrottledError):
        flash(_wait_message(error.until), "error")
        return 429
    _refuse_counting_the_failure(error, form)
    if error.until is not None:
        flash(_wait_message(error.until), "info")
    return 401


def _logged_in(user: User) -> Response:
    """Open the session and go where the person was heading."""
    target = session.pop(PENDING_KEY, {}).get("next")
    login_user(user)
    session[SEEN_KEY] = utcnow().timestamp()
    flash(_("You are logged in."), "success")
    return redirect(_safe_next(target))


def _enrolment_secret() -> str:
    """The secret of this enrolment attempt, kept in this browser's session only."""
    pending = dict(session[PENDING_KEY])
    if not pending.get("secret"):
        pending["secret"] = services.new_totp_secret()
        session[PENDING_KEY] = pending
    return str(pending["secret"])


def _render_code_page(template: str, form: CodeForm, user: User, status: int) -> Any:
    context: dict[str, Any] = {}
    if template == "accounts/setup.html":
        secret = _enrolment_secret()
        uri = services.totp_uri(user, secret)
        # The SVG is generated here from our own URI (usernames are [a-z0-9._-]), not from input.
        svg = segno.make(uri, error="m").svg_inline(
            scale=5, border=2, title=_("QR code for your authenticator app"),
            svgclass="qr", lineclass=None, omitsize=True)
        context["qr_svg"] = Markup(svg)  # noqa: S704
        context["secret_groups"] = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template(template, form=form, user=user, **context), status


@public.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def verify_code() -> Any:
    """Step two for an enrolled account: the current one-time code."""
    return _second_step("accounts/code.html")


@public.route("/login/setup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def setup_code() -> Any:
    """Step two at first login: enrol an authenticator app and confirm it with a code."""
    return _second_step("accounts/setup.html")


@public.post("/logout")
@login_required
def logout() -> Response:
    """End the session everywhere (a POST with a CSRF token, so that no link logs anyone out).

    The account's session token changes, so a copy of the cookie taken earlier stops working.
    """
    services.end_sessions(current_user._get_current_object())
    logout_user()
    _keep_language_only()
    flash(_("You are logged out."), "success")
    return redirect(url_for("pages.home"))


@public.get("/")
@permission_required(Permission.USE_ACCOUNT)
def home() -> str:
    """One's own account: role, what it may do, second-factor status."""
    return render_template("accounts/home.html")


@public.route("/password", methods=["GET", "POST"])
@permission_required(Permission.USE_ACCOUNT)
def change_password() -> Any:
    """Change one's own password; every other session ends."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/password.html", form=form), 400 if form.errors else 200
    try:
        services.change_password(current_user, form.current.data, form.new.data)
    except services.WrongPasswordError as error:
        report(error, form)
        return render_template("accounts/password.html", form=form), 400
    login_user(current_user._get_current_object())  # this session goes on, with the new token
    session[SEEN_KEY] = utcnow().timestamp()
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("accounts.home"))
