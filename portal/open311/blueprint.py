"""The blueprints of Open311: the GeoReport v2 endpoint and the partners' page for staff."""

from __future__ import annotations

from flask import Blueprint

from portal.core.api import api_blueprint

PREFIX = "/open311/v2"
open311 = api_blueprint("open311", __name__, url_prefix=PREFIX)
staff = Blueprint("open311_staff", __name__, url_prefix="/staff/partners")
