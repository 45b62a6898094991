"""Declarative base with a naming convention, so that migrations name every constraint."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa
from sqlalchemy import DateTime, Dialect, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model: a typed SQLAlchemy 2 declarative base.

    Models subclass it directly, not ``db.Model``: Flask-SQLAlchemy builds ``db.Model`` at run
    time (type checkers cannot follow that) from this class's registry and metadata, so both
    map into the same registry and ``db.metadata``, ``db.session`` and ``db.paginate`` serve
    them alike.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every model maps one table (DeclarativeBase types it as any FROM clause).
        __table__: ClassVar[sa.Table]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC-aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    """A ``created_at`` column set when the row is inserted."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def enum_type(enum_class: type[Enum], column: str, length: int = 24) -> sa.Enum:
    """A portable enum column type that stores the members' values as short strings.

    The database refuses any other value: a CHECK constraint named after the column
    (``ck_<table>_<column>`` by the naming convention), so that two columns of one enum in a
    table (an event's ``from_status`` and ``to_status``) get a constraint each.
    """
    return sa.Enum(enum_class, name=column, native_enum=False, length=length,
                   create_constraint=True,
                   values_callable=lambda members: [member.value for member in members],
                   validate_strings=True)
