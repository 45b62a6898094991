"""Permanent redirects from addresses that moved, with their path and query kept."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, redirect, request
from werkzeug.wrappers import Response


def moved(app: Flask, old_prefix: str, new_prefix: str) -> None:
    """Send every address under ``old_prefix`` to the same place under ``new_prefix``.

    GET and HEAD get 301; other methods 308, which keeps the method and the form. A prefix
    written with a trailing slash is a section (``/complaints/staff/``), one without it a
    page (``/accounts/users``): ``/accounts/users/`` goes to the page, without the slash.
    """
    keep_slash = old_prefix.endswith("/")
    endpoint = "moved:" + old_prefix

    def redirect_moved(rest: str | None) -> Response:
        target = new + ("" if rest is None else "/" + quote(rest, safe="/"))
        if rest is None and request.path.endswith("/") and keep_slash:
            target += "/"
        if request.query_string:
            target += "?" + request.query_string.decode("ascii", "replace")
        return redirect(target, 301 if request.method in ("GET", "HEAD") else 308)

    old, new = old_prefix.rstrip("/"), new_prefix.rstrip("/")
    methods = ["GET", "POST"]
    app.add_url_rule(old, endpoint + ":page", lambda: redirect_moved(None), methods=methods,
                     strict_slashes=False)
    app.add_url_rule(old + "/<path:rest>", endpoint, redirect_moved, methods=methods)
