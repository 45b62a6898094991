"""Third-party browser assets served by the portal itself (never from a CDN).

Plotly's bundle is served straight from the installed ``plotly`` package, so it always matches
the pinned version and no copy lives in the repository.
"""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

bp = Blueprint("vendor", __name__, url_prefix="/vendor")
ASSETS = {"plotly.min.js": ("plotly", "package_data/plotly.min.js")}


@bp.get("/<name>")
def asset(name: str) -> Response:
    """A vendored asset, cached for a day."""
    if name not in ASSETS:
        abort(404)
    package, path = ASSETS[name]
    file = resources.files(package).joinpath(path)
    with resources.as_file(file) as real_path:
        return send_file(real_path, mimetype="text/javascript", max_age=86400)
