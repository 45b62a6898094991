"""The statistics' blueprints: the public dashboard and pages, and the open-data API."""

from __future__ import annotations

from flask import Blueprint

from portal.core.api import api_blueprint

public = Blueprint("stats", __name__, url_prefix="/stats")
api = api_blueprint("stats_api", __name__)
