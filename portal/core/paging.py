"""Pages of a list that grows: ``?page=N`` read leniently, a page past the end shows the last.

Every HTML list uses ``page_of`` (a list that can grow past what anyone pages through counts
only so far: ``most``) and the one pager macro ``templates/_pager.html``; the API
checks its paging arguments strictly instead (``core.api.page_arguments``).

A list paged ``by_key`` links its next and previous pages by the place of the row they follow
(``after``) or precede (``before``): that row's values of the list's order, so a page follows
where the last one ended even if that row has moved or gone since. The database finds such a
page in its index without counting the rows before it: page 500 costs what page 1 does. A
bare ``?page=N`` still works (its rows are counted from the first).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import request
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import Grouping, UnaryExpression

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
    # Where the first and the last row stand, when the pages link by them (``by_key``).
    keys: tuple[str, str] | None = None

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

    @property
    def next_args(self) -> dict[str, Any]:
        """The query arguments of the next page's link (``None`` drops an argument)."""
        return {"page": self.next_num, "after": self.keys[1] if self.keys else None,
                "before": None}

    @property
    def prev_args(self) -> dict[str, Any]:
        """The query arguments of the previous page's link."""
        return {"page": self.prev_num, "before": self.keys[0] if self.keys else None,
                "after": None}

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def page_of(query: sa.Select[Any], per_page: int, total: int | None = None,
            most: int | None = None, by_key: bool = False) -> ListPage:
    """The requested page of ``query``; past the end, the last page.
    ``total``: the number of rows, when the caller counted them already (a kept count);
    ``most``: count no further than this many rows (a list that may hold more than anyone
    pages through: past them, the filters narrow it), so that a count costs the same at any
    size of the table; ``by_key``: link the pages by their rows' places (a list ordered in one
    direction by columns that are never empty, ending with its primary key; else by number)."""
    wanted, more = requested_page(), False
    if total is None:
        total = _count(query, most)
        if most is not None and total > most:
            total, more = most, True
    last = max(1, -(-total // per_page))
    shown = min(wanted, last)
    order = key_order(query) if by_key else None
    found = _rows_by_key(query, order, per_page) if order else None
    if found is None:
        items = _rows(query, (shown - 1) * per_page, per_page)
    else:
        items, at_start = found
        shown = 1 if at_start else shown
    keys = _end_places(order, items) if order and items else None
    return ListPage(items, shown, per_page, total, more, keys)


# The values a place in a list may hold, by the Python type of its column.
# None: not such a value; an error (ValueError, TypeError): neither.
_READERS: dict[type, Callable[[Any], Any]] = {
    int: lambda value: value if type(value) is int and abs(value) < 2**63 else None,
    str: lambda value: _text(value),
    datetime: lambda value: _aware(datetime.fromisoformat(value)),  # in UTC, or an error
    date: lambda value: date.fromisoformat(value),
}


@dataclass(frozen=True)
class KeyOrder:
    """A query's order, when pages can be found by a row's place in it."""

    key: sa.Column[Any]
    columns: list[sa.ColumnElement[Any]]
    kinds: list[type]
    descending: bool


def key_order(query: sa.Select[Any]) -> KeyOrder | None:
    """The order of ``query`` if every term goes the same way, none can be NULL (a column
    declared NOT NULL, or a CASE with an ELSE), each holds whole numbers, text, dates or
    moments, and the last is the primary key."""
    key = _single_key(query)
    columns: list[sa.ColumnElement[Any]] = []
    kinds: list[type] = []
    directions = set()
    for term in query._order_by_clauses:
        column, descending = term, False
        if isinstance(term, UnaryExpression):
            if term.modifier not in (operators.asc_op, operators.desc_op):
                return None
            column, descending = term.element, term.modifier is operators.desc_op
        kind = _kind(column)
        if kind is None:
            return None
        columns.append(column)
        kinds.append(kind)
        directions.add(descending)
    if key is None or not columns or len(directions) != 1 or not columns[-1].compare(key):
        return None
    return KeyOrder(key, columns, kinds, directions.pop())  # type: ignore[arg-type]


def _kind(column: Any) -> type | None:
    """The Python type of a column that is never NULL, if pages can be found by it."""
    if isinstance(column, Grouping):
        return _kind(column.element)
    if isinstance(column, sa.Case):  # the portal's CASEs order by whole numbers
        return int if column.else_ is not None else None
    if not isinstance(column, sa.Column) or column.nullable:
        return None
    plain = column.type
    if isinstance(plain, sa.TypeDecorator):
        plain = plain.impl_instance
    try:
        kind = plain.python_type
    except NotImplementedError:
        return None
    return next((known for known in _READERS if issubclass(kind, known)), None)


def _fits(value: int, column: Any) -> bool:
    """Whether a whole number fits the column (PostgreSQL's INTEGER holds 32 bits)."""
    big = isinstance(getattr(column, "type", None), sa.BigInteger)
    return abs(value) < (2**63 if big else 2**31)


def _text(value: Any) -> str | None:
    """Text a database takes (no NUL, no lone surrogate), of a length a key may have."""
    if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
        return None
    value.encode()  # UnicodeEncodeError, a ValueError, for a lone surrogate
    return value


def _aware(moment: datetime) -> datetime | None:
    """The moment in UTC (OverflowError at the calendar's edges), if it says its offset."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _end_places(order: KeyOrder, items: list[Any]) -> tuple[str, str]:
    """Where the first and the last row stand in the list, written for a link."""
    ends = {getattr(items[0], order.key.key), getattr(items[-1], order.key.key)}
    places = {place[-1]: place for place in db.session.execute(
        sa.select(*order.columns).where(order.key.in_(ends)))}
    first, last = (places[getattr(item, order.key.key)] for item in (items[0], items[-1]))
    return _written(first), _written(last)


def _written(place: Sequence[Any]) -> str:
    plain = [value.isoformat() if isinstance(value, date) else value for value in place]
    text = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(text).rstrip(b"=").decode()


def _read_place(raw: str, order: KeyOrder) -> tuple[Any, ...] | None:
    """A place written by ``_written`` for this order; None if it is anything else."""
    if not raw or len(raw) > 1_000:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(values, list) or len(values) != len(order.kinds):
            return None
        place = tuple(_READERS[kind](value) for kind, value in zip(order.kinds, values,
                                                                   strict=True))
        if any(type(value) is int and not _fits(value, column)
               for value, column in zip(place, order.columns, strict=True)):
            return None
    except (ValueError, TypeError, OverflowError):  # binascii.Error and JSONDecodeError
        return None  # are ValueErrors; OverflowError: a moment at the edge of the calendar
    return None if any(value is None for value in place) else place


def _rows_by_key(query: sa.Select[Any], order: KeyOrder, per_page: int
                 ) -> tuple[list[Any], bool] | None:
    """The page after the place ``?after=`` names or before the one ``?before=`` names (the
    first and last row of the page that linked to it), and whether it is the list's first
    page. None: no such argument, or no row on that side (the list changed), and the page is
    found by its number instead."""
    after = request.args.get("after", "")
    place = _read_place(after or request.args.get("before", ""), order)
    if place is None:
        return None
    forward = bool(after)
    # Backwards, one row more tells whether the page is the first.
    page = beside(query, order, place, forward, per_page if forward else per_page + 1)
    rows = list(db.session.execute(page).unique().scalars())
    if not rows:
        return None
    if forward:
        return rows, False
    if len(rows) <= per_page:  # the first page, whole even if rows came before the place
        return _rows(query, 0, per_page), True
    return list(reversed(rows[:per_page])), False


def beside(query: sa.Select[Any], order: KeyOrder, place: tuple[Any, ...], forward: bool,
           limit: int) -> sa.Select[Any]:
    """``limit`` rows of ``query`` after ``place`` (values of the order's columns) or, not
    ``forward``, before it, nearest first: one comparison of rows, which the database answers
    from an index in the list's order."""
    position = sa.tuple_(*order.columns)
    values = sa.tuple_(*(sa.bindparam(None, value, type_=column.type)
                         for column, value in zip(order.columns, place, strict=True)))
    if forward != order.descending:
        chosen, terms = position > values, [column.asc() for column in order.columns]
    else:
        chosen, terms = position < values, [column.desc() for column in order.columns]
    return query.where(chosen).order_by(None).order_by(*terms).limit(limit)


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
