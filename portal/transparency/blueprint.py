"""The blueprints of the transparency log: its public page and its open API."""

from __future__ import annotations

from flask import Blueprint

from portal.core.api import api_blueprint

public = Blueprint("transparency", __name__, url_prefix="/transparency")
api = api_blueprint("transparency_api", __name__)
