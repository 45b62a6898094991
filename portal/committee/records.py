"""How a published term reads in the transparency log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.committee.models import Term
from portal.committee.services import apportionment_of
from portal.core.publication import PublicationStatus
from portal.extensions import db
from portal.transparency.records import RecordKind, fixed, register_kind


def term_key(term: Term) -> str:
    """``committee-term:<id>``."""
    return f"committee-term:{term.id}"


def term_content(term: Term) -> dict[str, Any]:
    """A published term as its public page shows it: dates, seats, fees and the seats each
    class receives."""
    totals = apportionment_of(term).totals()
    return {
        "starts_on": term.starts_on, "ends_on": term.ends_on, "total_seats": term.total_seats,
        "minimum_seats": term.minimum_seats, "reference_year": term.reference_year,
        "method": "largest_remainder",
        "classes": [{"customer_class": row.customer_class.value, "fees": fixed(row.fees, 2),
                     "source": row.source, "source_url": row.source_url,
                     "seats": totals[row.customer_class.value]}
                    for row in sorted(term.fees, key=lambda row: row.customer_class.value)],
    }


def _published_terms() -> Iterable[tuple[Any, datetime]]:
    terms = db.session.scalars(
        sa.select(Term).where(Term.status == PublicationStatus.PUBLISHED)
        .options(selectinload(Term.fees)).order_by(Term.published_at, Term.id))
    return [(term, term.published_at or term.created_at) for term in terms]


def register(app: Flask) -> None:
    """Make the log record every published term."""
    register_kind(app, RecordKind("committee_term", _l("Committee term and seats"), Term,
                                  term_key, term_content, _published_terms))
