"""Home, about and privacy, and the health endpoints that operators and load balancers poll."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.extensions import db, limiter

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    """What residents, committee members and journalists can do here."""
    return render_template("pages/home.html")


@bp.get("/about")
def about() -> str:
    """About the portal and how it treats personal data, in plain language."""
    return render_template("pages/about.html")


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    """The process is alive and answering."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz() -> tuple[Response, int]:
    """The portal can serve requests: its database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="unavailable", reason="database unreachable",
                       detail=type(exc).__name__), 503
    return jsonify(status="ready", checks={"database": "ok"}), 200
