"""Publication: staff prepare a draft; once published, a record is public and never changes.

Tariff versions, fee items, committee terms, decisions, notices and their updates use it;
service commitments are to follow. A publishable record has ``status``
(``PublicationStatus``), ``published_at`` and ``published_by_id``; ``PublicationMixin`` gives a
new table those columns. Records that are in force over dates also have ``effective_from`` and
``effective_to`` (inclusive, None: open).

A domain's service publishes in this order: ``lock_row`` (serialise publishers of the same
parent, and read the record again), ``guard_unpublished`` (refuse twice), its own checks,
``check_no_overlap`` against the published siblings read after the lock with ``fresh()``, then
``publish``. Checking before the lock as well is allowed (a quick refusal), never instead.

``published`` is the one hook point where whatever must follow every publication subscribes:
the transparency log will append its entry there. Receivers are called inside the request's
transaction, after the record is flushed as published, so that a row they add is committed or
rolled back together with the publication; anything outside the database (an email, a
webhook) must be handed to ``portal.core.transactions.after_commit``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import NotFound

from portal.core.enums import TitledEnum
from portal.core.errors import DomainError
from portal.core.models import UTCDateTime, enum_type
from portal.extensions import db


class PublicationStatus(TitledEnum):
    """Drafts are seen by staff only; published records are public and immutable."""

    DRAFT = "draft"
    PUBLISHED = "published"


PublicationStatus.TITLES = {"draft": _l("Draft"), "published": _l("Published")}

_signals = Namespace()
#: Sent as ``published.send(record, by=user_or_None, now=datetime)`` after every publication.
#: Subscribe with ``@published.connect`` (or ``published.connect(fn, sender=...)``).
published = _signals.signal("portal.published")


class AlreadyPublishedError(DomainError):
    """A published record was to be changed, deleted or published again."""

    message = _l("A published record cannot be changed.")
    field = "status"


class Publishable(Protocol):
    """What ``publish`` needs of a record."""

    status: Any
    published_at: Any
    published_by_id: Any


class Dated(Protocol):
    """A record in force from one day to another (inclusive; ``effective_to`` None: open)."""

    effective_from: Any
    effective_to: Any


class PublicationMixin:
    """Columns of a publishable table: its status, and when and by whom it was published.

    A table using it adds the check ``status = 'draft' OR published_at IS NOT NULL``.
    """

    status: Mapped[PublicationStatus] = mapped_column(
        enum_type(PublicationStatus, "status"), default=PublicationStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    @property
    def is_published(self) -> bool:
        """Whether the public can see this record."""
        return is_published(self)


class LegalBasisMixin:
    """The document that allows a price or charge, or sets a service commitment."""

    basis_number: Mapped[str] = mapped_column(sa.String(120))
    basis_title: Mapped[str] = mapped_column(sa.String(300))
    basis_url: Mapped[str | None] = mapped_column(sa.String(500))


def fingerprint(content: Mapping[str, Any] | Sequence[Any]) -> str:
    """One hash of everything a publication makes public: what the confirmation page saw, sent
    back with the answer and compared, after the lock, with the record as it is then."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def is_published(record: Publishable) -> bool:
    """Whether the record is public (and so can no longer change)."""
    return bool(record.status is PublicationStatus.PUBLISHED)


def guard_unpublished(record: Publishable, error: DomainError | None = None) -> None:
    """Refuse (with ``error``, or ``AlreadyPublishedError``) to touch a published record."""
    if is_published(record):
        raise error if error is not None else AlreadyPublishedError()


def lock_row(model: Any, row_id: int, *reload: object) -> None:
    """Lock one row until the transaction ends, so that two publishers take turns, then read
    ``reload`` (records loaded before the lock) again: another publisher may have changed them
    while this one waited.

    PostgreSQL runs ``SELECT ... FOR UPDATE``. SQLite has no row locks, and its reads take no
    lock that outlasts them: two publishers would both read a draft, then write in turn, each
    giving it a number. There an ``UPDATE`` of the row that changes nothing takes the
    database's write lock, which every other writer waits for until the transaction ends.
    Whatever else is read to decide a publication must be read after the lock, with
    ``fresh()``. A record that another request deleted meanwhile is a 404: there is nothing
    left to publish or change.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        table = model.__table__
        db.session.execute(sa.update(table).where(table.c.id == row_id)
                           .values(id=table.c.id))
    else:
        db.session.execute(sa.select(model.id).where(model.id == row_id).with_for_update())
    for record in reload:
        try:
            db.session.refresh(record)
        except sa.exc.InvalidRequestError:  # deleted by another request meanwhile
            raise NotFound() from None


def lock_name(name: str, table: sa.Table, shared: bool = False) -> None:
    """Wait for, then hold until the transaction ends, a lock on something that is not one row
    (the statistics' months while a refresh makes them final). Holders of the ``shared`` lock
    do not wait for one another, only for the exclusive holder, which waits for them all.

    PostgreSQL takes an advisory transaction lock named by a hash of ``name``. SQLite has
    neither: an ``UPDATE`` of ``table`` that matches no row takes the database's write lock
    (shared or not), as in ``lock_row``; what the holder reads afterwards is what the last
    writer committed."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.update(table).where(sa.false()).values({
            table.primary_key.columns[0].name: table.primary_key.columns[0]}))
        return
    take = sa.func.pg_advisory_xact_lock_shared if shared else sa.func.pg_advisory_xact_lock
    db.session.execute(sa.select(take(sa.func.hashtext(name))))


def fresh(query: sa.Select[Any]) -> sa.Select[Any]:
    """``query`` reading the database's current values even for rows this session already
    holds (a sibling loaded before the lock must not be judged, or closed, by a stale copy)."""
    return query.execution_options(populate_existing=True)


def covers(record: Dated, day: date) -> bool:
    """Whether ``day`` falls within the record's dates."""
    return bool(record.effective_from <= day
                and (record.effective_to is None or day <= record.effective_to))


def in_force_clause(model: Any, day: date) -> sa.ColumnElement[bool]:
    """SQL: the rows of ``model`` that are published and whose dates include ``day``."""
    return sa.and_(model.status == PublicationStatus.PUBLISHED, model.effective_from <= day,
                   sa.or_(model.effective_to.is_(None), model.effective_to >= day))


def overlaps(a: Dated, b: Dated) -> bool:
    """Whether two records share at least one day."""
    return bool((b.effective_to is None or a.effective_from <= b.effective_to)
                and (a.effective_to is None or b.effective_from <= a.effective_to))


def check_no_overlap(record: Dated, siblings: Iterable[Dated],
                     refuse: Callable[[Any], DomainError]) -> None:
    """Make ``record`` the only one of its siblings in force on each of its days.

    An open-ended sibling that started earlier is closed the day before ``record`` starts (the
    one change a published record ever undergoes); any other overlap raises ``refuse(sibling)``.
    """
    for other in siblings:
        if other is record or not overlaps(record, other):
            continue
        if other.effective_to is None and other.effective_from < record.effective_from:
            other.effective_to = record.effective_from - timedelta(days=1)
            continue
        raise refuse(other)


def publish(record: Publishable, by: Any, now: datetime,
            published_at: datetime | None = None) -> None:
    """Make a draft public and immutable, then tell the ``published`` subscribers.

    ``published_at`` is the date a record brought in from before the portal (the demo data's
    documents, a migration) was first published; it defaults to ``now`` and is never later.
    The subscribers still receive ``now``, when the portal made the record public.
    """
    if published_at is not None and published_at > now:
        raise ValueError("published_at is later than now")
    guard_unpublished(record)
    record.status = PublicationStatus.PUBLISHED
    record.published_at = published_at or now
    record.published_by_id = by.id if by is not None else None
    db.session.flush()
    announce(record, by, now)


def announce(record: object, by: Any, now: datetime) -> None:
    """Tell the ``published`` subscribers about a record made public without a draft stage
    (a fee item is public as soon as it is saved)."""
    published.send(record, by=by, now=now)
