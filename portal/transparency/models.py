"""Tables of the transparency log: its entries, the hashes of its complete subtrees, the one
head row that publishers lock in turn, and every checkpoint the portal has signed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import Base, UTCDateTime

HASH = sa.LargeBinary(32)


class LogHead(Base):
    """The log's size and tree head: one row (id 1), locked by each publisher in turn, so
    that entries get the indexes 0, 1, 2... without gaps or twins."""

    __tablename__ = "transparency_log_head"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),
                      sa.CheckConstraint("size >= 0", name="size_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    root: Mapped[bytes] = mapped_column(HASH)


class LogEntry(Base):
    """One publication: the exact canonical JSON bytes the leaf hash is made of.

    ``kind``, ``key`` and ``published_at`` repeat what the bytes say, for lists and filters.
    """

    __tablename__ = "transparency_entries"
    __table_args__ = (sa.CheckConstraint('"index" >= 0', name="index_not_negative"),
                      sa.Index("ix_transparency_entries_key_index", "key", "index"),
                      sa.Index("ix_transparency_entries_kind_published_at", "kind",
                               "published_at"),
                      sa.Index("ix_transparency_entries_published_at", "published_at"))

    index: Mapped[int] = mapped_column("index", sa.BigInteger, primary_key=True,
                                       autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(HASH)


class LogNode(Base):
    """The hash of a complete subtree: ``level`` 0 is a leaf, ``level`` k covers the 2**k
    leaves from ``position * 2**k``."""

    __tablename__ = "transparency_nodes"
    __table_args__ = (sa.CheckConstraint("level >= 0 AND level < 64", name="level_in_range"),)

    level: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(HASH)


class LogCheckpoint(Base):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note), one per tree size."""

    __tablename__ = "transparency_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    root: Mapped[bytes] = mapped_column(HASH)
    note: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
