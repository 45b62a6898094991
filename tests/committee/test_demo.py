"""The committee's demo data: two 11-seat terms, agriculture seated only by the minimum, one
resignation with its replacement, all fictitious and dated before the moment of loading."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from portal.accounts import demo as accounts_demo
from portal.committee import demo, services
from portal.committee.models import CommitteeMember, Term
from portal.extensions import db
from portal.transparency.models import LogEntry

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def test_the_demo_terms(app) -> None:
    with app.app_context():
        accounts_demo.load(NOW)
        lines = demo.load(NOW)
        db.session.commit()
        assert lines
        terms = db.session.scalars(sa.select(Term).order_by(Term.starts_on)).all()
        assert len(terms) == 2 and all(t.is_published and t.total_seats == 11 for t in terms)
        assert all(t.published_at is not None and t.published_at < NOW for t in terms)
        for term in terms:
            result = services.apportionment_of(term)
            assert result.complete
            agri = result.row("agricultural")
            assert agri.whole == 0 and agri.total == 1 and agri.without_minimum == 0
            shares = {row.key: row.share for row in result.rows}
            assert 0.6 < shares["large_industrial"] < 0.7 and 0.01 < shares["agricultural"] < 0.02
            assert len([c for c in term.candidates]) > term.total_seats
            assert all("演示" in m.name for m in term.members)
        current = terms[1]
        assert current.covers(NOW.date())
        seated = services.seated_on(current, NOW.date())
        assert len(seated) == 11
        resigned = [m for m in current.members if m.left_on is not None]
        assert len(resigned) == 1
        replacement = db.session.scalar(sa.select(CommitteeMember).where(
            CommitteeMember.replaces_id == resigned[0].id))
        assert replacement is not None and replacement.starts_on < NOW.date()
        assert replacement in seated and resigned[0] not in seated
        assert any(m.user_id is not None for m in current.members)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).where(
            LogEntry.kind == "committee_term")) == 2
