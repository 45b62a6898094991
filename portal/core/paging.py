"""Pages of a list that grows: ``?page=N`` read leniently, a page past the end shows the last.

Every HTML list uses ``page_of`` and the one pager macro ``templates/_pager.html``; the API
checks its paging arguments strictly instead (``core.api.page_arguments``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request
from flask_sqlalchemy.pagination import Pagination

from portal.extensions import db

MAX_PAGE = 100_000


def requested_page() -> int:
    """The page the URL asks for; anything odd (text, 0, a huge number) is page 1."""
    raw = request.args.get("page", "")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_PAGE else 1


def page_of(query: sa.Select[Any], per_page: int, page: int | None = None) -> Pagination:
    """One page of ``query`` (default: the requested page); past the end, the last page."""
    wanted = requested_page() if page is None else page
    pagination = db.paginate(query, page=wanted, per_page=per_page, error_out=False)
    if wanted > 1 and not pagination.items and pagination.total:
        pagination = db.paginate(query, page=pagination.pages, per_page=per_page,
                                 error_out=False)
    return pagination
