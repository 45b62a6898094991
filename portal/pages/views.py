"""Home, about and privacy, and the health endpoints that operators and load balancers poll."""

from __future__ import annotations

import time

from flask import current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.core import mail
from portal.core.page_cache import cacheable
from portal.extensions import db, limiter
from portal.pages.blueprint import public


@public.get("/")
@open_to_all
@cacheable
def home() -> str:
    """What residents, committee members and journalists can do here."""
    return render_template("pages/home.html")


@public.get("/about")
@open_to_all
@cacheable
def about() -> str:
    """About the portal and how it treats personal data, in plain language."""
    return render_template("pages/about.html")


@public.get("/healthz")
@limiter.exempt
@open_to_all
def healthz() -> Response:
    """The process is alive and answering."""
    return jsonify(status="ok")


def _database_ok() -> bool:
    """Whether the database answers; a failure's transaction is rolled back with the 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _rate_limit_store_state() -> str:
    if not current_app.config["RATELIMIT_ENABLED"]:
        return "disabled"
    try:
        return "ok" if limiter.storage.check() else "unavailable"
    except Exception:  # any client error means the store cannot be used
        return "unavailable"


@public.get("/readyz")
@limiter.exempt
@open_to_all
def readyz() -> tuple[Response, int]:
    """Each dependency's state; 503 only when the database, without which nothing works, is
    down. An unreachable rate-limit store or mail server degrades the portal (limits fall
    back to each process, emails are not sent) but it still serves."""
    checks = {"database": "ok" if _database_ok() else "unavailable",
              "rate_limit_store": _rate_limit_store_state()}
    if mail.configured():
        checks["mail"] = "ok" if _mail_ok() else "unavailable"
    if checks["database"] != "ok":
        response = jsonify(status="unavailable", checks=checks)
        response.headers["Retry-After"] = "30"
        return response, 503
    status = "degraded" if "unavailable" in checks.values() else "ready"
    return jsonify(status=status, checks=checks), 200


_mail_checked: dict[str, tuple[float, bool]] = {}
MAIL_CHECK_SECONDS = 60


def _mail_ok() -> bool:
    """Whether the SMTP server answered within the last minute (checked at most once a
    minute per process, so that frequent readiness probes do not flood it)."""
    key = str(current_app.config["MAIL_SERVER"])
    checked = _mail_checked.get(key)
    if checked is None or time.monotonic() - checked[0] > MAIL_CHECK_SECONDS:
        checked = (time.monotonic(), mail.reachable())
        _mail_checked[key] = checked
    return checked[1]
