"""Pages of a list that grows: ``?page=N`` read leniently, a page past the end shows the last.

Every HTML list uses ``page_of`` (a list that can grow past what anyone pages through counts
only so far: ``most``) and the one pager macro ``templates/_pager.html``; the API
checks its paging arguments strictly instead (``core.api.page_arguments``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import request

from portal.extensions import db

MAX_PAGE = 100_000
# From this many rows into a list, a page is found by its rows' keys first.
DEEP_OFFSET = 1_000


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


@dataclass
class ListPage:
    """One page of a list, as the pager and the list templates read it. ``more``: the list was
    counted only up to ``total`` rows, and holds more."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def page_of(query: sa.Select[Any], per_page: int, page: int | None = None,
            total: int | None = None, most: int | None = None) -> ListPage:
    """One page of ``query`` (default: the requested page); past the end, the last page.
    ``total``: the number of rows, when the caller counted them already (a kept count);
    ``most``: count no further than this many rows (a list that may hold more than anyone
    pages through: past them, the filters narrow it), so that a count costs the same at any
    size of the table."""
    wanted = requested_page() if page is None else page
    more = False
    if total is None:
        total = _count(query, most)
        if most is not None and total > most:
            total, more = most, True
    last = max(1, -(-total // per_page))
    shown = min(wanted, last)
    return ListPage(_rows(query, (shown - 1) * per_page, per_page), shown, per_page, total,
                    more)


def _count(query: sa.Select[Any], most: int | None) -> int:
    """The rows of ``query``, up to ``most + 1``: the count reads no row's columns (an
    index-only scan where an index covers the conditions), and stops there."""
    rows: sa.Select[Any] = query.with_only_columns(
        sa.literal_column("1"), maintain_column_froms=True).order_by(None)
    if most is not None:
        rows = rows.limit(most + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(rows.subquery())) or 0


def _rows(query: sa.Select[Any], offset: int, limit: int) -> list[Any]:
    """The page's rows. Deep in a list, the rows passed over are found by their primary key
    alone, and only the page's own rows are read whole (the database skips index entries, not
    rows)."""
    key = _single_key(query)
    if offset < DEEP_OFFSET or key is None:
        page = query.limit(limit).offset(offset)
    else:
        ids = query.with_only_columns(key, maintain_column_froms=True).limit(limit).offset(
            offset)
        page = query.where(key.in_(ids.scalar_subquery()))
    return list(db.session.execute(page).unique().scalars())


def _single_key(query: sa.Select[Any]) -> sa.ColumnElement[Any] | None:
    """The primary key column of the one entity ``query`` selects, if it has one column."""
    described = query.column_descriptions
    entity = described[0].get("entity") if len(described) == 1 else None
    if entity is None:
        return None
    key = sa.inspect(entity).primary_key
    return key[0] if len(key) == 1 else None
