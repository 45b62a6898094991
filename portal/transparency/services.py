"""The transparency log: append publications, keep complete-subtree hashes, sign checkpoints.

``record_publication`` runs inside the publishing transaction. It locks the one head row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers on the whole database), so
that concurrent publishers take the indexes 0, 1, 2... in turn, without a gap or a twin, and
the primary key on the index refuses a twin in any case.

A checkpoint is signed once per transaction that appended, just before it commits (a
SQLAlchemy ``before_commit`` hook), in that same transaction rather than after the commit:
entries and the checkpoint that covers them are saved together or not at all, so the log is
never left with unsigned entries to repair, and the head row is still locked, so checkpoints
are signed in the order of their tree sizes. Signing costs one Ed25519 signature (tens of
microseconds).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from portal.config import ConfigError
from portal.core.models import utcnow
from portal.extensions import db
from portal.transparency import merkle
from portal.transparency.canonical import canonical_json
from portal.transparency.models import LogCheckpoint, LogEntry, LogHead, LogNode
from portal.transparency.note import Checkpoint, NoteError, Signer, parse_signing_key

EXTENSION = "portal.transparency"
PENDING = "portal.transparency.pending"
SITE_PATH = "open-power-service"


class LogCorruptError(RuntimeError):
    """The stored tree lacks a hash it must have (a deleted or damaged row)."""


@dataclass(frozen=True)
class LogSettings:
    """Who the log is and which key signs its checkpoints."""

    origin: str
    signer: Signer


def configure(app: Flask) -> LogSettings:
    """Read the log's origin and signing key from the configuration (ConfigError if wrong)."""
    origin = str(app.config.get("LOG_ORIGIN") or "").strip()
    if not origin:
        host = urlsplit(str(app.config.get("PUBLIC_URL") or "")).hostname or "localhost"
        origin = f"{host}/{SITE_PATH}"
    if "\n" in origin or not origin.isprintable():
        raise ConfigError("PORTAL_LOG_ORIGIN: one line of printable text expected")
    name = str(app.config.get("LOG_KEY_NAME") or "").strip() or origin
    try:
        signer = parse_signing_key(str(app.config["LOG_SIGNING_KEY"]), name)
    except NoteError as error:
        raise ConfigError(f"PORTAL_LOG_SIGNING_KEY or PORTAL_LOG_KEY_NAME: {error}") from None
    settings = LogSettings(origin, signer)
    app.extensions[EXTENSION] = settings
    return settings


def log_settings() -> LogSettings:
    """The current app's log settings."""
    found: LogSettings = current_app.extensions[EXTENSION]
    return found


def envelope(kind: str, key: str, published_at: datetime, record: Mapping[str, Any]) -> bytes:
    """The canonical bytes of an entry: what was published, which record, and when."""
    return canonical_json({"kind": kind, "key": key, "record": dict(record),
                           "published_at": published_at.astimezone(UTC).isoformat()})


def record_part(content: bytes) -> bytes:
    """The canonical bytes of the record inside an entry's content."""
    return canonical_json(json.loads(content)["record"])


def record_publication(kind: str, key: str, content: Mapping[str, Any],
                       published_at: datetime | None = None) -> LogEntry:
    """Append one publication to the log, in the caller's transaction."""
    at = published_at or utcnow()
    return append_entries([(kind, key, at, envelope(kind, key, at, content))])[0]


def append_entries(items: Sequence[tuple[str, str, datetime, bytes]]) -> list[LogEntry]:
    """Append entries (kind, key, published_at, canonical bytes) under one lock of the head."""
    head = _lock_head()
    size = head.size
    frontier = dict(read_nodes(merkle.frontier_nodes(size)))
    entries, node_rows = [], []
    for kind, key, at, data in items:
        leaf = merkle.leaf_hash(data)
        made = merkle.new_nodes(size, leaf, frontier)
        for (level, position), value in made.items():
            node_rows.append({"level": level, "position": position, "hash": value})
        frontier.update(made)
        entries.append(LogEntry(index=size, kind=kind, key=key, published_at=at, content=data,
                                leaf_hash=leaf))
        size += 1
    # Keep only what the next append needs, so that a large batch stays small in memory.
    db.session.execute(sa.insert(LogEntry), [
        {"index": e.index, "kind": e.kind, "key": e.key, "published_at": e.published_at,
         "content": e.content, "leaf_hash": e.leaf_hash} for e in entries])
    db.session.execute(sa.insert(LogNode), node_rows)
    head.size = size
    head.root = merkle.root_from_frontier(size, frontier)
    db.session.flush()
    session = db.session()
    session.info[PENDING] = (session.get_transaction(), log_settings())
    return entries


def _lock_head() -> LogHead:
    head = db.session.scalar(sa.select(LogHead).where(LogHead.id == 1).with_for_update()
                             .execution_options(populate_existing=True))
    if head is None:  # the migration and the reference data create it; a bare create_all not
        head = LogHead(id=1, size=0, root=merkle.EMPTY_ROOT)
        db.session.add(head)
        db.session.flush()
    return head


def create_head() -> None:
    """The head row of the empty log (reference data, as the migration creates it)."""
    if db.session.get(LogHead, 1) is None:
        db.session.add(LogHead(id=1, size=0, root=merkle.EMPTY_ROOT))
        db.session.flush()


def empty_head() -> None:
    """Put the head back to the empty log, once every entry and node is deleted (``demo
    reset``): appending to a head that still counted them would look for their hashes."""
    head = _lock_head()
    head.size, head.root = 0, merkle.EMPTY_ROOT
    db.session.flush()


def read_nodes(nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """The stored hashes of complete subtrees, in one query; LogCorruptError if one is missing."""
    wanted = set(nodes)
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(LogNode.level, LogNode.position, LogNode.hash).where(
        sa.or_(*(sa.and_(LogNode.level == level, LogNode.position == position)
                 for level, position in sorted(wanted)))))
    found = {(row.level, row.position): row.hash for row in rows}
    if len(found) != len(wanted):
        missing = sorted(wanted - found.keys())[0]
        raise LogCorruptError(f"the hash of subtree {missing} is missing")
    return found


def sign_pending(session: Session) -> None:
    """Sign a checkpoint for the head if this transaction appended (``before_commit``)."""
    pending = session.info.pop(PENDING, None)
    if pending is None or pending[0] is not session.get_transaction():
        return  # nothing appended, or appended in a transaction that was rolled back
    settings: LogSettings = pending[1]
    head = session.get(LogHead, 1)
    if head is None or session.scalar(sa.select(LogCheckpoint.id)
                                      .where(LogCheckpoint.tree_size == head.size)):
        return
    text = Checkpoint(settings.origin, head.size, head.root).text
    session.add(LogCheckpoint(tree_size=head.size, root=head.root,
                              note=settings.signer.sign(text), created_at=utcnow()))
    session.flush()


def install_signing_hook() -> None:
    """Sign checkpoints before every commit of a session that appended (once per process)."""
    if not sa.event.contains(Session, "before_commit", sign_pending):
        sa.event.listen(Session, "before_commit", sign_pending)


# Reading --------------------------------------------------------------------------------


def head() -> LogHead:
    """The log's current size and tree head (without locking)."""
    found = db.session.get(LogHead, 1)
    return found if found is not None else LogHead(id=1, size=0, root=merkle.EMPTY_ROOT)


def latest_checkpoint() -> LogCheckpoint | None:
    """The checkpoint of the largest tree."""
    return db.session.scalar(sa.select(LogCheckpoint).order_by(LogCheckpoint.tree_size.desc())
                             .limit(1))


def checkpoint_of_size(size: int) -> LogCheckpoint | None:
    """The checkpoint signed when the log had ``size`` entries, if any."""
    return db.session.scalar(sa.select(LogCheckpoint).where(LogCheckpoint.tree_size == size))


def latest_entry(key: str) -> LogEntry | None:
    """The newest entry of a published record."""
    return db.session.scalar(sa.select(LogEntry).where(LogEntry.key == key)
                             .order_by(LogEntry.index.desc()).limit(1))


def latest_entries(keys: Sequence[str]) -> dict[str, LogEntry]:
    """The newest entry of each record, by key, in one query."""
    if not keys:
        return {}
    newest = (sa.select(LogEntry.key, sa.func.max(LogEntry.index).label("index"))
              .where(LogEntry.key.in_(keys)).group_by(LogEntry.key).subquery())
    rows = db.session.scalars(sa.select(LogEntry).join(newest, LogEntry.index == newest.c.index))
    return {entry.key: entry for entry in rows}


def entries_between(start: int, end: int) -> list[LogEntry]:
    """Entries ``start`` to ``end - 1``."""
    return list(db.session.scalars(sa.select(LogEntry).where(
        LogEntry.index >= start, LogEntry.index < end).order_by(LogEntry.index)))


def inclusion_proof(index: int, tree_size: int) -> list[bytes]:
    """PATH(index, D[0:tree_size]) from the stored subtrees (O(log n) hashes, one query)."""
    return merkle.hash_ranges(merkle.inclusion_ranges(index, tree_size), read_nodes)


def consistency_proof(first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]) from the stored subtrees (O(log n) hashes, one query)."""
    return merkle.hash_ranges(merkle.consistency_ranges(first, second), read_nodes)


def b64(value: bytes) -> str:
    """Standard base64, as checkpoints and the API write hashes."""
    return base64.b64encode(value).decode()
