"""Which written rows of complaints the public sees: a case (and its events) only while, or
once, it is on the public list. Filing and handling a case nobody can read publicly leaves the
cache of public pages alone (``portal.core.public_changes``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.complaints.enums import PUBLIC_EVENTS
from portal.complaints.models import Complaint, ComplaintEvent
from portal.core import public_changes
from portal.extensions import db


def _was_or_is_listed(complaint: Complaint) -> bool:
    history = sa.inspect(complaint).attrs.listed_at.history
    return any(value is not None for value in (*history.added, *history.unchanged,
                                               *history.deleted))


def _written(complaint: Complaint) -> bool:
    """Whether a column of the case changes, or the case goes (not only its list of events:
    an event is judged on its own)."""
    state = sa.inspect(complaint)
    if state.session is not None and complaint in state.session.deleted:
        return True
    return any(state.attrs[column.key].history.has_changes()
               for column in state.mapper.column_attrs)


def _unlisted(complaint: Complaint) -> bool:
    """Not listed as this session read it; checked again before the commit, in case another
    request listed it meanwhile."""
    session = sa.inspect(complaint).session
    if complaint.id is not None and session is not None:
        public_changes.recheck_later(session, "complaints", complaint.id)
    return False


def public_row(record: Any) -> bool:
    """Whether writing ``record`` (a complaint or one of its events) changes a public page;
    True when it cannot be told."""
    if isinstance(record, Complaint):
        if not _written(record):
            return False  # only its list of events: each event is judged on its own
        return _was_or_is_listed(record) or _unlisted(record)
    if isinstance(record, ComplaintEvent):
        if record.kind is not None and record.kind not in PUBLIC_EVENTS:
            return False  # an internal note, a look at the contact details
        complaint = sa.inspect(record).attrs.complaint.loaded_value
        if isinstance(complaint, Complaint):
            return _was_or_is_listed(complaint) or _unlisted(complaint)
    return True


def listed_now(ids: set[int]) -> bool:
    """Whether any of these cases is on the public list as committed (the recheck)."""
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Complaint.id.in_(sorted(ids)), Complaint.listed_at.is_not(None)))))
