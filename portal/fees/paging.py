"""The page a list shows: ``?page=N``, with anything odd read as the first page."""

from __future__ import annotations

from flask import request

PAGE_SIZE = 50
MAX_PAGE = 100_000


def page_number() -> int:
    """The requested page (1 if missing, malformed or out of range; ``db.paginate`` shows an
    empty last page for one past the end)."""
    raw = request.args.get("page", "")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_PAGE else 1
