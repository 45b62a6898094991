"""Each process learns of public changes from PostgreSQL as they are committed (``LISTEN`` /
``NOTIFY``), so that a kept page costs no query at all.

The transaction that raises the public-changes counter also sends ``NOTIFY`` with the new
value; PostgreSQL delivers it when, and only if, that transaction commits. A thread in each
worker process holds one connection that listens, and keeps the latest counter in memory. The
process that commits knows at once (``advance``); the others within the time a notification
takes to arrive (well under a millisecond on one machine).

Every second the thread also reads the counter on its connection, and the database's value
wins: a script that raised the counter without ``NOTIFY`` is seen within a second, and so is a
counter that went back (a restored backup; keys also hold the moment of the last change, so
that pages of the forgotten future are never met again). A counter the database has not
confirmed for three seconds (a connection that died silently: TCP keepalives end it within
about 11 s) is not used; until the listener is back (starting, the database restarting),
``portal.core.public_changes.current`` reads the counter on each request instead.

SQLite has no notifications: there the counter is read on each request (a local file read).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import sqlalchemy as sa

CHANNEL = "portal_public_changes"
RETRY_SECONDS = (1, 2, 5, 10, 30)
WAIT_SECONDS = 1.0  # between two checks of the counter on the listening connection
TRUST_SECONDS = 3.0  # a counter the database has not confirmed for this long is not used
logger = logging.getLogger("portal.change_listener")


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


class Listener:
    """The latest public-changes counter of one process, kept by a listening thread."""

    def __init__(self, engine: sa.Engine, query: sa.Select[Any] | Any) -> None:
        self.engine = engine
        self.sql = str(query.compile(dialect=engine.dialect,
                                     compile_kwargs={"literal_binds": True}))
        self.pid = os.getpid()
        self.state: tuple[int, datetime] | None = None
        self.confirmed = 0.0  # monotonic time the database last confirmed the state
        self.backwards: tuple[int, datetime] | None = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="public-changes-listener",
                                       daemon=True)
        self.thread.start()

    def latest(self) -> tuple[int, datetime] | None:
        """The counter, if the database confirmed it within the last few seconds; else None
        (read it from the database)."""
        with self.lock:
            fresh = time.monotonic() - self.confirmed <= TRUST_SECONDS
            return self.state if fresh else None

    def advance(self, generation: int, changed_at: datetime) -> None:
        """A newer counter: committed by this process, or told by a notification."""
        with self.lock:
            if self.state is None or generation > self.state[0]:
                self.state = (generation, changed_at)

    def stop(self) -> None:
        """End the thread (tests; a worker otherwise ends with its process)."""
        self.stopping.set()
        self.thread.join(timeout=WAIT_SECONDS + 2)

    def _run(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                self._listen()
                failures = 0
            except Exception as error:  # any failure: read from the database until back
                with self.lock:
                    self.confirmed = 0.0
                wait = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                logger.warning("listening for public changes failed (%s); pages read the "
                               "counter from the database, retrying in %d s",
                               type(error).__name__, wait)
                self.stopping.wait(wait)

    def _check(self, connection: Any) -> None:
        """Read the counter on the listening connection: the database's word wins over the
        notifications (a script that raised it without NOTIFY), also backwards (a restored
        backup) once two checks in a row say so (not a check that read just before this
        process's own commit)."""
        row = connection.execute(self.sql).fetchone()
        if row is None:
            return
        found = (int(row[0]), _utc(row[1]))
        with self.lock:
            if self.state is None or found[0] > self.state[0] or (
                    found != self.state and self.backwards == found):
                self.state, self.backwards = found, None
            elif found != self.state and found[0] <= self.state[0]:
                self.backwards = found
            else:
                self.backwards = None
            self.confirmed = time.monotonic()

    def _listen(self) -> None:
        url = self.engine.url.set(drivername="postgresql")
        connection: Any = psycopg.connect(
            url.render_as_string(hide_password=False), autocommit=True, keepalives=1,
            keepalives_idle=5, keepalives_interval=2, keepalives_count=3,
            connect_timeout=5)
        try:
            connection.execute(f"LISTEN {CHANNEL}")
            self._check(connection)  # after LISTEN: nothing is missed
            while not self.stopping.is_set():
                for note in connection.notifies(timeout=WAIT_SECONDS):
                    generation, _sep, moment = note.payload.partition(" ")
                    self.advance(int(generation), _utc(datetime.fromisoformat(moment)))
                self._check(connection)
        finally:
            with self.lock:
                self.confirmed = 0.0
            try:
                connection.close()
            except Exception:  # already broken: nothing to close
                logger.debug("closing the listening connection failed", exc_info=True)


def notify(connection: Any, generation: int, changed_at: datetime) -> None:
    """Within the changing transaction: tell the listeners once it commits (PostgreSQL)."""
    connection.execute(sa.select(sa.func.pg_notify(CHANNEL,
                                                   f"{generation} {changed_at.isoformat()}")))


_starting = threading.Lock()


def current_listener(holder: dict[str, Any], engine: sa.Engine, query: Any
                     ) -> Listener | None:
    """This process's listener (one per process: a forked worker starts its own)."""
    if engine.dialect.name != "postgresql":
        return None
    listener: Listener | None = holder.get("listener")
    if listener is not None and listener.pid == os.getpid():
        return listener
    with _starting:
        listener = holder.get("listener")
        if listener is None or listener.pid != os.getpid():
            listener = Listener(engine, query)
            holder["listener"] = listener
            deadline = time.monotonic() + 0.5  # meanwhile requests read from the database
            while listener.latest() is None and time.monotonic() < deadline:
                time.sleep(0.01)
    return listener
