"""Concurrent publishers on PostgreSQL take the indexes 0, 1, 2... in turn: no twin, no gap,
and every checkpoint they sign covers exactly the entries before it."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.transparency import audit, merkle, services
from portal.transparency.models import LogCheckpoint, LogEntry
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL,
                                reason="row locks need PostgreSQL (SQLite runs one writer)")

THREADS = 8
EACH = 5


def test_concurrent_publishers_never_share_an_index_nor_leave_a_gap(app):
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def publisher(number: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(EACH):
                    services.record_publication("test", f"test:{number}:{i}", {"n": i})
                    db.session.commit()
                db.session.remove()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=publisher, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with app.app_context():
        entries = db.session.scalars(sa.select(LogEntry).order_by(LogEntry.index)).all()
        assert [e.index for e in entries] == list(range(THREADS * EACH))
        assert len({e.key for e in entries}) == THREADS * EACH
        sizes = db.session.scalars(sa.select(LogCheckpoint.tree_size)
                                   .order_by(LogCheckpoint.tree_size)).all()
        assert sizes == list(range(1, THREADS * EACH + 1))
        leaves = [e.leaf_hash for e in entries]
        assert services.head().root == merkle.root_from_leaves(leaves)
        assert audit.verify().entries == THREADS * EACH
