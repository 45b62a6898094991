"""Response headers that every page carries."""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_login import current_user

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
    framable = g.get("csp_allow_framing", False)
    if hashes or framable:
        extra = "".join(f" 'sha256-{value}'" for value in hashes)
        policy = "; ".join(CSP_DIRECTIVES).format(style_hashes=extra)
        if framable:
            policy = policy.replace("frame-ancestors 'none'", "frame-ancestors *")
        response.headers.setdefault("Content-Security-Policy", policy)
    for name, value in SECURITY_HEADERS.items():
        if not (framable and name == "X-Frame-Options"):
            response.headers.setdefault(name, value)
    if request.path.startswith(PRIVATE_PREFIXES) or current_user.is_authenticated:
        # Login and enrolment pages (a TOTP secret), staff pages and exports: never cached.
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Install the headers and the session-cookie policy."""
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
