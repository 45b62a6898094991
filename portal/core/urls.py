"""Where a redirect that a request asks for may lead."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException

MAX_TARGET_LENGTH = 2000


def _has_unsafe_characters(text: str) -> bool:
    return any(ord(char) < 0x21 or ord(char) == 0x7F or char == "\\" for char in text)


def safe_local_path(target: str | None, fallback: str) -> str:
    """``target`` if it is a path of this site that a route answers with GET, else ``fallback``.

    Refuses other hosts and schemes (``//``, ``/\\``, ``javascript:``), whitespace and control
    characters (browsers drop tabs and newlines, turning ``/\\t/evil`` into ``//evil``), in
    plain or percent-encoded form.
    """
    if not target or len(target) > MAX_TARGET_LENGTH:
        return fallback
    decoded = unquote(target)
    if _has_unsafe_characters(target) or _has_unsafe_characters(decoded):
        return fallback
    parts = urlsplit(target)
    path = unquote(parts.path)
    if parts.scheme or parts.netloc or parts.fragment or not path.startswith("/") \
            or path.startswith("//"):
        return fallback
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except HTTPException:  # not found, not GET, or a redirect (RequestRedirect) elsewhere
        return fallback
    return parts.path + (f"?{parts.query}" if parts.query else "")


def absolute(endpoint: str, **values: Any) -> str:
    """The full address of a page, for an email: under ``PORTAL_PUBLIC_URL`` when it is set
    (a job or a duty runs outside any request), else the request's own host."""
    from flask import url_for

    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
