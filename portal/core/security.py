"""Response headers that every page carries."""

from __future__ import annotations

from flask import Flask, Request, Response, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import current_user

from portal.core import page_cache
from portal.core.api import API_PREFIX, SAME_FOR_EVERYONE
from portal.core.errors import OUTAGE_ERRORS

CSP_DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'{style_hashes}",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES).format(style_hashes="")

PRIVATE_PREFIXES = ("/accounts/", "/staff/")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def allow_style_hashes(*hashes: str) -> None:
    """Let this response apply the inline stylesheets with these exact SHA-256 hashes."""
    g.csp_style_hashes = (*g.get("csp_style_hashes", ()), *hashes)


def allow_framing() -> None:
    """Let any site show this response in a frame (embeddable charts): ``frame-ancestors *``
    and no ``X-Frame-Options``, for this response only."""
    g.csp_allow_framing = True


def add_security_headers(response: Response) -> Response:
    """Set the security headers unless a view chose its own value."""
    hashes = g.get("csp_style_hashes", ())
    # A kept page (served without its view) carries the policy its view chose.
    framable = g.get("csp_allow_framing", False) or "frame-ancestors *" in (
        response.headers.get("Content-Security-Policy") or "")
    if hashes or framable:
        extra = "".join(f" 'sha256-{value}'" for value in hashes)
        policy = "; ".join(CSP_DIRECTIVES).format(style_hashes=extra)
        if framable:
            policy = policy.replace("frame-ancestors 'none'", "frame-ancestors *")
        response.headers.setdefault("Content-Security-Policy", policy)
    present = {name.lower() for name, _value in response.headers}  # a kept page has them all
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present and not (framable and name == "X-Frame-Options"):
            response.headers[name] = value
    # The open-data API answers everyone alike and never reads the session (so that its
    # answers do not vary with the cookie); other pages seen signed in are never cached.
    signed_in = not request.path.startswith(API_PREFIX + "/") and _signed_in()
    if request.path.startswith(PRIVATE_PREFIXES) or signed_in:
        # Login and enrolment pages (a TOTP secret), staff pages and exports: never cached.
        response.headers["Cache-Control"] = "no-store"
    return response


def _signed_in() -> bool:
    """Whether a person is signed in; with the database gone (their account cannot be read),
    the answer is treated as a signed-in one (never kept), and the outage is not raised
    again after the answer is made."""
    # "_user_id": Flask-Login's mark of a signed-in session
    if "_user_id" not in session and not page_cache.remember_cookie_sent():
        return False  # no account to read (Flask-Login would hash the address and agent)
    try:
        return bool(current_user.is_authenticated)
    except OUTAGE_ERRORS:
        return True


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, left alone by a response the same for everyone
    (``portal.core.api.same_for_everyone``: a published file that never changes): Flask
    would otherwise add ``Vary: Cookie`` to every response, since Flask-Login looks at the
    session after each request, and a shared cache would keep a copy per visitor."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Without a cookie, a new session, without building the cookie's signer."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if getattr(response, SAME_FOR_EVERYONE, False):
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Install the headers and the session-cookie policy."""
    app.session_interface = SessionInterface()
    app.after_request(add_security_headers)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["ENV"] != "development",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=app.config["ENV"] != "development",
        PERMANENT_SESSION_LIFETIME=60 * 60 * 8,
    )
