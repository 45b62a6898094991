"""``audit verify`` and ``audit backfill``: the operator's check of the whole log, and the
recording of what was published before the log existed.

``verify`` reads every entry once, in order (a server-side cursor on PostgreSQL), and checks:
the indexes run 0, 1, 2... without a gap; each entry's bytes give its stored leaf hash and say
the kind, key and time its columns say; the tree head rebuilt from the bytes equals every
stored checkpoint's, whose signature and origin must verify; the head row and the stored
subtree hashes (which proofs are made of) agree with the entries; and every live published
record reads exactly as its newest entry. The first mismatch is reported by name.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.transparency import merkle, records, services
from portal.transparency.canonical import canonical_json, json_string
from portal.transparency.models import LogCheckpoint, LogEntry, LogHead, LogNode
from portal.transparency.note import NoteError, open_note, parse_checkpoint

BATCH = 5000


class AuditError(Exception):
    """The first thing in the log or the published records that does not match."""


@dataclass(frozen=True)
class AuditSummary:
    """What ``verify`` checked."""

    entries: int
    checkpoints: int
    records: int
    root: bytes


def _prefix(kind: str, key: str, published_at: Any) -> bytes:
    """How an entry's canonical bytes must start, from its columns (sorted keys: key, kind,
    published_at, record). Written out rather than through ``canonical_json``: it is made once
    per entry, and the strings are escaped by the same encoder."""
    return (f'{{"key":{json_string(key)},"kind":{json_string(kind)},'
            f'"published_at":{json_string(published_at.isoformat())},"record":').encode()


def _checkpoints() -> dict[int, tuple[bytes, str]]:
    settings = services.log_settings()
    verifier = settings.signer.verifier
    found: dict[int, tuple[bytes, str]] = {}
    for row in db.session.execute(sa.select(LogCheckpoint.tree_size, LogCheckpoint.root,
                                            LogCheckpoint.note)):
        where = f"checkpoint of tree size {row.tree_size}"
        try:
            checkpoint = parse_checkpoint(open_note(row.note, [verifier]).text)
        except NoteError as error:
            raise AuditError(f"{where}: its signature does not verify ({error})") from None
        if checkpoint.origin != settings.origin:
            raise AuditError(f"{where}: signed for another log ({checkpoint.origin})")
        if checkpoint.size != row.tree_size or checkpoint.root != row.root:
            raise AuditError(f"{where}: the signed note says size {checkpoint.size} and another "
                             "root hash than its row")
        found[row.tree_size] = (row.root, row.note)
    return found


def _entries() -> Iterator[Any]:
    """Every entry in index order, streamed in batches (Core rows: no ORM bookkeeping)."""
    table = LogEntry.__table__
    query = sa.select(table.c["index"], table.c.kind, table.c.key, table.c.published_at,
                      table.c.content, table.c.leaf_hash).order_by(table.c["index"])
    # On the statement: the connection's own options would stay set for the session's writes.
    yield from db.session.connection().execute(query.execution_options(yield_per=BATCH))


class _Levels:
    """A running hash per level of the tree over its complete subtrees, in the order of their
    positions: what the entries give, to compare with the stored nodes level by level (read in
    their primary key's order, so the database sorts nothing)."""

    def __init__(self) -> None:
        self.hashes: list[Any] = []

    def add(self, level: int, position: int, digest: bytes) -> None:
        if level == len(self.hashes):
            self.hashes.append(hashlib.sha256())
        self.hashes[level].update(b"%d," % position + digest)

    def digests(self) -> list[bytes]:
        return [running.digest() for running in self.hashes]


def verify() -> AuditSummary:
    """Check the whole log and the published records; AuditError names the first mismatch."""
    checkpoints = _checkpoints()
    known = set(records.kinds())
    newest: dict[str, int] = {}  # key -> index of its newest entry (registered kinds only)
    stack: list[bytes] = []
    levels = _Levels()
    sha256 = hashlib.sha256
    count = 0
    for index, kind, key, published_at, content, stored_leaf in _entries():
        if index != count:
            raise AuditError(f"entry {count} is missing (the next entry is number {index})")
        leaf = sha256(b"\x00" + content).digest()
        if leaf != stored_leaf:
            raise AuditError(f"entry {index} ({key}): its bytes do not give its leaf hash "
                             "(edited)")
        if not content.startswith(_prefix(kind, key, published_at)):
            raise AuditError(f"entry {index} ({key}): its kind, key or date differ from its "
                             "signed bytes")
        stack.append(leaf)
        levels.add(0, count, leaf)
        level, done = 0, count + 1
        while not done & 1:
            right = stack.pop()
            stack[-1] = sha256(b"\x01" + stack[-1] + right).digest()
            level, done = level + 1, done >> 1
            levels.add(level, count >> level, stack[-1])
        count += 1
        if count in checkpoints and merkle.fold_right(stack) != checkpoints[count][0]:
            raise AuditError(f"checkpoint of tree size {count}: the entries up to entry "
                             f"{index} ({key}) do not give its root hash (an entry was "
                             "edited, removed or reordered)")
        if kind in known:
            newest[key] = index
    root = merkle.fold_right(stack) if stack else merkle.EMPTY_ROOT
    beyond = [size for size in checkpoints if size > count]
    if beyond:
        raise AuditError(f"checkpoint of tree size {min(beyond)}: the log holds only {count} "
                         "entries (entries were removed)")
    head = db.session.get(LogHead, 1)
    if head is not None and (head.size, head.root) != (count, root):
        raise AuditError(f"the log's head says {head.size} entries and another root hash than "
                         f"its {count} entries")
    _check_nodes(levels.digests())
    checked = _check_records(newest)
    return AuditSummary(count, len(checkpoints), checked, root)


def _check_nodes(expected: list[bytes]) -> None:
    """The stored subtree hashes, level by level in the order of their positions."""
    stored = _Levels()
    table = LogNode.__table__
    query = sa.select(table.c.level, table.c.position, table.c.hash).order_by(
        table.c.level, table.c.position).execution_options(yield_per=BATCH)
    for level, position, digest in db.session.connection().execute(query):
        while len(stored.hashes) < level:  # a level with no node at all
            stored.hashes.append(hashlib.sha256())
        stored.add(level, position, digest)
    if stored.digests() != expected:
        raise AuditError("the stored subtree hashes (from which proofs are made) do not match "
                         "the entries")


def _check_records(newest: dict[str, int]) -> int:
    checked = 0
    seen: set[str] = set()
    for kind in records.kinds().values():
        described = {kind.key(record): canonical_json(kind.content(record))
                     for record, _at in kind.published()}
        indexes = [newest[key] for key in described if key in newest]
        stored: dict[str, bytes] = {}
        for start in range(0, len(indexes), BATCH):
            for row in db.session.execute(sa.select(LogEntry.key, LogEntry.content).where(
                    LogEntry.index.in_(indexes[start:start + BATCH]))):
                stored[row.key] = services.record_part(row.content)
        for key, content in described.items():
            if key not in stored:
                raise AuditError(f"published record {key} has no entry in the log "
                                 "(run flask --app portal audit backfill once)")
            if stored[key] != content:
                raise AuditError(f"published record {key} differs from its entry number "
                                 f"{newest[key]} (changed after publication)")
            checked += 1
        seen.update(described)
    for key, index in newest.items():
        if key not in seen:
            raise AuditError(f"entry {index}: record {key} is no longer published (deleted)")
    return checked


def backfill() -> int:
    """Record every live published record that has no entry yet, oldest first; how many."""
    streams = []
    for kind in records.kinds().values():
        streams.append([(at, kind.name, kind.key(record), kind.content(record))
                        for record, at in kind.published()])
    items = []
    for at, name, key, content in heapq.merge(*streams, key=lambda item: (item[0], item[2])):
        items.append((name, key, at, content))
    have = services.latest_entries([key for _name, key, _at, _content in items])
    missing = [(name, key, at, services.envelope(name, key, at, content))
               for name, key, at, content in items if key not in have]
    if missing:
        services.append_entries(missing)
    return len(missing)
