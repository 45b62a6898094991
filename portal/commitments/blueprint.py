"""The blueprints of service commitments: public pages, staff pages and the open data API."""

from __future__ import annotations

from flask import Blueprint

from portal.core.api import api_blueprint

public = Blueprint("commitments", __name__, url_prefix="/commitments")
staff = Blueprint("commitments_staff", __name__, url_prefix="/staff/commitments")
api = api_blueprint("commitments_api", __name__)
