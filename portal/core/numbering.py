"""Numbers that count per year without gaps (``TS-2026-000123``, ``UC-2026-007``).

Each series (``"complaint"``, a committee's decisions...) has one row per year in
``year_counters``. ``next_number`` takes the next one with a single atomic upsert
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), on PostgreSQL and SQLite alike:
concurrent transactions, even the first ones of a year, each get their own number (the second
waits for the first's row lock), and a transaction that is rolled back gives its number back,
so the numbers that are committed have no gaps.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import Base
from portal.extensions import db

MAX_SERIES = 40


class YearCounter(Base):
    """The last number given out in one series and year."""

    __tablename__ = "year_counters"
    __table_args__ = (sa.CheckConstraint("last >= 0", name="last_not_negative"),)

    series: Mapped[str] = mapped_column(sa.String(MAX_SERIES), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


def next_number(series: str, year: int) -> int:
    """The next number of ``series`` in ``year`` (1 for the first), inside the caller's
    transaction: it is given for good only when that transaction commits."""
    if not series or len(series) > MAX_SERIES:
        raise ValueError(f"a series is named with 1 to {MAX_SERIES} characters: {series!r}")
    table = YearCounter.__table__
    upsert: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(table) if db.session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(table))
    statement = upsert.values(series=series, year=year, last=1).on_conflict_do_update(
        index_elements=[table.c.series, table.c.year],
        set_={"last": table.c.last + 1}).returning(table.c.last)
    return int(db.session.execute(statement).scalar_one())


def formatted(prefix: str, year: int, number: int, width: int = 3) -> str:
    """``formatted("UC", 2026, 7)`` -> ``"UC-2026-007"`` (a longer number keeps its digits).

    Zero is formatted too (``UC-2026-000``): a number typed in to be looked up, found nowhere."""
    if number < 0 or width < 1:
        raise ValueError(f"a number is not negative and takes a digit at least: {number}, {width}")
    return f"{prefix}-{year}-{number:0{width}d}"
