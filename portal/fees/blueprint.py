"""The blueprints of fee standards: public pages, staff pages and the open data API."""

from __future__ import annotations

from flask import Blueprint

from portal.core.api import api_blueprint

public = Blueprint("fees", __name__)
staff = Blueprint("fees_staff", __name__, url_prefix="/staff/fees")
api = api_blueprint("fees_api", __name__)
