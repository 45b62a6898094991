"""Open311 fixtures: a partner's key, published cases, the complaints in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.complaints.models import Complaint
from portal.core.models import utcnow
from portal.core.numbering import YearCounter
from portal.extensions import db
from portal.open311 import keys
from tests.complaints.conftest import publish_case

BASE = "/open311/v2"
GOOD = {"service_code": "BIZ-FEE", "attribute[district]": "CENTRAL",
        "description": "营业厅收取临时接电费 200 元，没有说明依据。"}


@pytest.fixture
def make_key(app):
    """Make a partner's key; returns the key (shown once) and its id."""

    def factory(name="hotline", channel="12345 市民热线", rate_limit=None):
        with app.app_context():
            row, key = keys.create(name, "示例市热线（虚构）", channel, utcnow(), rate_limit)
            db.session.commit()
            return key, row.id

    return factory


@pytest.fixture
def key(make_key):
    """One partner's key."""
    return make_key()[0]


@pytest.fixture
def publish(app):
    """A published case registered at ``at`` (three days ago); returns (tracking number,
    public id)."""
    counter = iter(range(10_000))

    def factory(at=None, status=None, **filing):
        with app.app_context():
            return publish_case(at or utcnow() - timedelta(days=3), f"public-{next(counter)}",
                                status, **filing)

    return factory


def stored(app) -> tuple[int, int]:
    """How many complaints there are, and the last number given this year (nothing
    half-written: a refused request changes neither)."""
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) or 0
        last = db.session.scalar(sa.select(sa.func.max(YearCounter.last))) or 0
        return int(count), int(last)


def complaint(app, number: str) -> Complaint:
    """A complaint by its tracking number, detached with what the tests read."""
    with app.app_context():
        found = db.session.scalar(sa.select(Complaint).where(
            Complaint.tracking_number == number))
        assert found is not None
        db.session.expunge(found)
        return found

