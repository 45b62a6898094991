"""Each process learns of public changes from PostgreSQL as they are committed (``LISTEN`` /
``NOTIFY``), so that a kept page costs no query at all.

The transaction that raises the public-changes counter also sends ``NOTIFY`` with the new
value; PostgreSQL delivers it when, and only if, that transaction commits. A thread in each
worker process holds one connection that listens, and keeps the latest counter in memory. The
process that commits knows at once (``advance``); the others within the time a notification
takes to arrive (well under a millisecond on one machine). Whenever the listener is not
connected (starting, the database restarting), ``portal.core.public_changes.current`` reads the
counter from the database on each request instead: slower, never stale.

SQLite has no notifications: there the counter is read on each request (a local file read).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa

CHANNEL = "portal_public_changes"
RETRY_SECONDS = (1, 2, 5, 10, 30)
WAIT_SECONDS = 1.0  # how long one wait for notifications lasts before checking for a stop
logger = logging.getLogger("portal.change_listener")


class Listener:
    """The latest public-changes counter of one process, kept by a listening thread."""

    def __init__(self, engine: sa.Engine, query: sa.Select[Any] | Any) -> None:
        self.engine, self.query = engine, query
        self.pid = os.getpid()
        self.state: tuple[int, datetime] | None = None
        self.connected = False
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="public-changes-listener",
                                       daemon=True)
        self.thread.start()

    def latest(self) -> tuple[int, datetime] | None:
        """The counter, if the listener is connected and has read it; else None."""
        with self.lock:
            return self.state if self.connected else None

    def advance(self, generation: int, changed_at: datetime) -> None:
        """This process committed a change: know it before the notification comes back."""
        with self.lock:
            if self.state is None or generation > self.state[0]:
                self.state = (generation, changed_at)

    def stop(self) -> None:
        """End the thread (tests; a worker otherwise ends with its process)."""
        self.stopping.set()
        self.thread.join(timeout=WAIT_SECONDS + 1)

    def _run(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                self._listen()
                failures = 0
            except Exception as error:  # any failure: read from the database until back
                with self.lock:
                    self.connected = False
                wait = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                logger.warning("listening for public changes failed (%s); pages read the "
                               "counter from the database, retrying in %d s",
                               type(error).__name__, wait)
                self.stopping.wait(wait)

    def _listen(self) -> None:
        raw = self.engine.raw_connection()
        connection: Any = raw.driver_connection  # psycopg's own connection
        raw.detach()  # the thread's own from now on, never back in the pool
        try:
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            with self.engine.connect() as reader:  # after LISTEN: nothing is missed
                row = reader.execute(self.query).first()
            with self.lock:
                if row is not None:
                    fresh = (int(row[0]), row[1])
                    if self.state is None or fresh[0] > self.state[0]:
                        self.state = fresh
                self.connected = row is not None
            while not self.stopping.is_set():
                for note in connection.notifies(timeout=WAIT_SECONDS):
                    generation, _sep, moment = note.payload.partition(" ")
                    self.advance(int(generation), datetime.fromisoformat(moment))
                if connection.closed:
                    raise ConnectionError("the listening connection closed")
        finally:
            with self.lock:
                self.connected = False
            raw.close()


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
