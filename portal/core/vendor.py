"""Third-party browser assets served by the portal itself (never from a CDN).

Plotly's bundle is served straight from the installed ``plotly`` package, so it always matches
the pinned version and no copy lives in the repository.
"""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.core.security import allow_style_hashes

bp = Blueprint("vendor", __name__, url_prefix="/vendor")
ASSETS = {"plotly.min.js": ("plotly", "package_data/plotly.min.js")}
# Plotly adds two <style> elements when it loads (an empty one it fills through the CSSOM, and
# its base rules). Pages with charts allow exactly these, not 'unsafe-inline'. A Plotly upgrade
# that changes them shows up as a CSP error in the browser tests; the chart still draws.
PLOTLY_STYLE_HASHES = ("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                       "ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o=")


def allow_plotly() -> None:
    """Let the current page run Plotly under the portal's strict Content-Security-Policy."""
    allow_style_hashes(*PLOTLY_STYLE_HASHES)


@bp.get("/<name>")
@open_to_all
def asset(name: str) -> Response:
    """A vendored asset, cached for a day."""
    if name not in ASSETS:
        abort(404)
    package, path = ASSETS[name]
    file = resources.files(package).joinpath(path)
    with resources.as_file(file) as real_path:
        return send_file(real_path, mimetype="text/javascript", max_age=86400)
