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
    return parse_page(request.args.get("page", "")) or 1


def parse_page(raw: str, most: int = MAX_PAGE) -> int | None:
    """A whole number from 1 to ``most`` written in ASCII digits, else None (checked for length
    first: Python refuses to read a number of more than 4,300 digits)."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(most)):
        return None
    value = int(raw)
    return value if 1 <= value <= most else None


def page_of(query: sa.Select[Any], per_page: int, page: int | None = None,
            total: int | None = None) -> Pagination:
    """One page of ``query`` (default: the requested page); past the end, the last page.
    ``total``: the number of rows, when the caller counted them already (a kept count)."""
    wanted = requested_page() if page is None else page
    if total is not None:
        last = max(1, -(-total // per_page))
        pagination = db.paginate(query, page=min(wanted, last), per_page=per_page,
                                 error_out=False, count=False)
        pagination.total = total
        return pagination
    pagination = db.paginate(query, page=wanted, per_page=per_page, error_out=False)
    if wanted > 1 and not pagination.items and pagination.total:
        pagination = db.paginate(query, page=pagination.pages, per_page=per_page,
                                 error_out=False)
    return pagination
