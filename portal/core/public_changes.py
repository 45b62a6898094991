"""When did anything the public can see last change? One counter, raised in the transaction
that changes it: the page cache (``portal.core.page_cache``) keys its pages on it.

Every write through the session is judged when it is committed, without a domain having to
remember to say so:

- a write to a table that a domain declared private (``domains.add_private_tables``: users,
  throttles, API keys' counters...) changes nothing public;
- a row of a table with a judge (``domains.add_public_judge``: a complaint counts only once it
  is on the public list) changes something public if its judge says so; a row it judged
  private on what the session had read is checked again against the database just before the
  commit (its ``recheck``: another request may have listed the case meanwhile);
- a publishable record's own row (``PublicationMixin``) counts only once it is or was
  published: a draft is staff at work;
- a write to any other table, and any statement run through ``Session.execute`` that inserts,
  updates or deletes (judged tables included: a bulk statement is not judged row by row), or
  text that is not plainly a read or a change of the schema, changes something public, unless
  the statement judges itself (``.execution_options(public_change=False)``).

Forgetting to declare a private table costs speed (pages rebuilt more often than needed), never
correctness. Work outside the session (a raw connection) calls ``changed()`` itself. A
savepoint's release or rollback is not the commit: what it changed counts with its transaction.

The counter row is raised just before the commit, in the same transaction, so that a reader
sees both the change and the new counter or neither; on PostgreSQL the same transaction sends
``NOTIFY`` (``portal.core.change_listener``). Readers read the counter before anything else: a
page built from older data is stored under the older counter, which nobody asks for any more.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session as PortalSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.core import change_listener, domains
from portal.core.models import Base, UTCDateTime, utcnow
from portal.core.publication import PublicationMixin, PublicationStatus
from portal.extensions import db

CHANGED = "portal.public_changed"
LISTENER = "portal.public_changes_listener"
BUMPED = "portal.public_changes_bumped"
RECHECK = "portal.public_changes_recheck"
TABLE = "public_changes"
OPTION = "public_change"  # an execution option: True/False, the statement's own judgement
# Text that only reads, or changes the schema (a deployment's business: pages are keyed on
# the build), is no change; any other text is.
_READ = re.compile(r"^\s*(select|show|explain|pragma|set|savepoint|release|begin|"
                   r"(create|drop|alter)\s+(table|index|view|sequence))\b", re.IGNORECASE)
_WRITES = re.compile(r"\b(insert|update|delete|truncate|merge|replace|copy|nextval|setval|"
                     r"into)\b", re.IGNORECASE)
_DML = re.compile(r"^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from)\s+\"?(\w+)",
                  re.IGNORECASE)


class PublicChange(Base):
    """The one row counting the changes of what the public sees."""

    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(sa.BigInteger, default=1)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


def recheck_later(session: Session, table: str, row_id: int) -> None:
    """A row judged private on what this session read: ask the table's recheck again just
    before the commit (another transaction may have made it public meanwhile)."""
    session.info.setdefault(RECHECK, {}).setdefault(table, set()).add(row_id)


def changed(session: Session | None = None) -> None:
    """Something public changes in this transaction (for work the session cannot see)."""
    (session or db.session()).info[CHANGED] = True


READER = "portal.public_changes.reader"
_QUERY = sa.select(PublicChange.generation, PublicChange.changed_at).where(PublicChange.id == 1)


def _reader() -> sa.Engine | None:
    """The portal's engine in autocommit mode (the same pool): the counter costs one round
    trip (no BEGIN, no ROLLBACK), outside the request's own transaction. None for an
    in-memory SQLite database, whose one connection the request's session holds."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    # Made once per app: each ``execution_options`` makes an engine and registers listeners.
    found: sa.Engine | None = current_app.extensions.get(READER)
    if found is None:
        found = current_app.extensions[READER] = db.engine.execution_options(
            isolation_level="AUTOCOMMIT")
    return found


def current(listen: bool = False) -> tuple[int, datetime] | None:
    """(counter, when it last moved) as committed; None if it cannot be read (the row is
    missing, the database does not answer: then nothing is cached, and a page that needs no
    database still answers). ``listen``: on PostgreSQL, from this process's listener when it
    is connected (no query; see ``portal.core.change_listener``), unless
    ``PORTAL_PAGE_CACHE_LISTEN`` is off."""
    try:
        engine = _reader()
        if engine is None:
            row = db.session.execute(_QUERY).first()
            return (int(row[0]), row[1]) if row is not None else None
        if listen and current_app.config["PAGE_CACHE_LISTEN"]:
            listener = change_listener.current_listener(current_app.extensions.setdefault(
                LISTENER, {}), engine, _QUERY)
            known = listener.latest() if listener is not None else None
            if known is not None:
                return known
        with engine.connect() as connection:
            row = connection.execute(_QUERY).first()
    except sa.exc.SQLAlchemyError:
        current_app.logger.warning("the public-changes counter cannot be read: no page cache")
        return None
    return (int(row[0]), row[1]) if row is not None else None


def _private() -> frozenset[str]:
    return frozenset(domains.registry().private_tables | {TABLE})


def _judges() -> dict[str, Callable[[Any], bool]]:
    return domains.registry().public_judges


def _table_of(statement: Any) -> str | None:
    """The table a statement writes; "" if it writes but the table cannot be told (any text
    that is not plainly a read); None if it does not write."""
    if isinstance(statement, sa.TextClause):
        text = statement.text
        if _READ.match(text) and not _WRITES.search(text):
            return None
        match = _DML.match(text)
        return match.group(1).lower() if match else ""
    if isinstance(statement, (sa.Insert, sa.Update, sa.Delete)):
        table = statement.table
        return str(getattr(table, "name", "")) or ""
    return None


def _on_execute(state: Any) -> None:
    """A statement through ``Session.execute``: a write to a table that is not private, unless
    the statement says itself whether it changes something public
    (``.execution_options(public_change=...)``: a bulk update of one case it judged)."""
    if not has_app_context() or state.session.info.get(CHANGED):
        return
    said = state.execution_options.get(OPTION)
    if said is not None:
        if said:
            state.session.info[CHANGED] = True
        return
    table = _table_of(state.statement)
    if table is not None and table not in _private():
        state.session.info[CHANGED] = True


def _draft(record: Any) -> bool:
    """A publishable record (``PublicationMixin``) that is a draft and never was anything else:
    staff at work, nothing public (its own rows only; rows of other tables that belong to a
    draft, such as a draft version's prices, still count)."""
    if not isinstance(record, PublicationMixin):
        return False
    history = sa.inspect(record).attrs.status.history
    return all(value in (None, PublicationStatus.DRAFT)
               for value in (*history.added, *history.unchanged, *history.deleted))


def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Rows the flush writes: judged by their table (and judge)."""
    if not has_app_context() or session.info.get(CHANGED):
        return
    private, judges = _private(), _judges()
    for record in (*session.new, *session.dirty, *session.deleted):
        table = getattr(getattr(record, "__table__", None), "name", "")
        if table in private or _draft(record):
            continue
        judge = judges.get(table)
        if judge is None or judge(record):
            session.info[CHANGED] = True
            return


def _before_commit(session: Session) -> None:
    """Raise the counter, in this transaction, if something public changed; on PostgreSQL,
    tell the other processes once the transaction commits. A savepoint's release is not the
    commit: what it changed is counted with its transaction."""
    if not has_app_context() or session.in_nested_transaction():
        return
    session.flush()
    rechecks = domains.registry().public_rechecks
    pending: dict[str, set[int]] = session.info.pop(RECHECK, {})
    if not session.info.pop(CHANGED, False) and not any(
            rechecks[table](ids) for table, ids in pending.items() if table in rechecks):
        return
    row = session.execute(sa.update(PublicChange).where(PublicChange.id == 1).values(
        generation=PublicChange.generation + 1, changed_at=utcnow()).returning(
        PublicChange.generation, PublicChange.changed_at)).first()
    if row is None:
        return
    session.info[BUMPED] = (int(row[0]), row[1])
    if session.get_bind().dialect.name == "postgresql":
        change_listener.notify(session, int(row[0]), row[1])


def _committed(session: Session) -> None:
    """This process knows its own change at once (the others by notification)."""
    if session.in_nested_transaction():
        return
    session.info.pop(CHANGED, None)
    session.info.pop(RECHECK, None)
    bumped = session.info.pop(BUMPED, None)
    if bumped is None or not has_app_context():
        return
    listener = current_app.extensions.get(LISTENER, {}).get("listener")
    if listener is not None:
        listener.advance(*bumped)


def _forget(session: Session, *_args: Any) -> None:
    """The transaction is rolled back: nothing of it happened (a savepoint's rollback leaves
    what the transaction changed before it, so the flag stays: counted anyway)."""
    if session.in_nested_transaction():
        return
    for key in (CHANGED, BUMPED, RECHECK):
        session.info.pop(key, None)


def seed() -> None:
    """The counter's row, as the migration makes it (a database made by ``create_all``)."""
    if db.session.get(PublicChange, 1) is None:
        db.session.add(PublicChange(id=1, generation=1, changed_at=utcnow()))
        db.session.flush()


_listening: list[bool] = []


def init_app(app: Flask) -> None:
    """Seed the counter's row with the reference data."""
    domains.add_reference_data(app, [TABLE], seed)


def listen() -> None:
    """Judge every session's writes (once per process, after the hooks the domains add)."""
    if _listening:
        return
    _listening.append(True)
    # The portal's sessions only (Flask-SQLAlchemy's class), not a script's own Session.
    for name, listener in (("do_orm_execute", _on_execute), ("before_flush", _on_flush),
                           ("before_commit", _before_commit), ("after_commit", _committed),
                           ("after_rollback", _forget)):
        sa.event.listen(PortalSession, name, listener)

