"""Read-only queries of the log: the filtered entry list, entries of the records on a page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal.transparency import records, services
from portal.transparency.models import LogEntry


@dataclass(frozen=True)
class EntryFilters:
    """Which entries a list shows (None: any)."""

    kind: str | None = None
    since: date | None = None
    until: date | None = None


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` where the portal is (dates are shown in its time zone)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))


def entries_query(filters: EntryFilters) -> sa.Select[Any]:
    """Entries, newest first, filtered (to paginate)."""
    query = sa.select(LogEntry).order_by(LogEntry.index.desc())
    if filters.kind:
        query = query.where(LogEntry.kind == filters.kind)
    if filters.since:
        query = query.where(LogEntry.published_at >= _start_of(filters.since))
    if filters.until:
        query = query.where(LogEntry.published_at < _start_of(filters.until + timedelta(days=1)))
    return query


def entries_of(items: Iterable[Any]) -> dict[Any, LogEntry]:
    """The newest entry of each published record in ``items``, by record, in one query."""
    keyed = {}
    for item in items:
        kind = records.kind_of(item)
        if kind is not None:
            keyed[kind.key(item)] = item
    found = services.latest_entries(list(keyed))
    return {keyed[key]: entry for key, entry in found.items()}
