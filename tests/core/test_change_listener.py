"""core.change_listener: on PostgreSQL each process learns of public changes by notification,
and falls back to reading the counter whenever it is not listening."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core import public_changes
from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import demo
from portal.fees.enums import FeeStatus
from portal.fees.models import FeeItem
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="notifications need PostgreSQL")
EN = {"Accept-Language": "en"}


@pytest.fixture
def listening(make_app):
    app = make_app(PAGE_CACHE_LISTEN=True)
    with app.app_context():
        demo.load(utcnow())
        db.session.commit()
    yield app
    listener = app.extensions.get(public_changes.LISTENER, {}).get("listener")
    if listener is not None:
        listener.stop()


def _another_process_changes(app, name, notify=True):
    """A change committed by another worker: a connection of its own, the same transaction
    raising the counter and notifying (or a script that forgets to notify)."""
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE fee_items SET name_en = :n WHERE code = 'HIGH-REL'"),
                               {"n": name})
            generation, at = connection.execute(sa.text(
                "UPDATE public_changes SET generation = generation + 1, changed_at = now() "
                "WHERE id = 1 RETURNING generation, changed_at")).one()
            if notify:
                connection.execute(sa.select(sa.func.pg_notify(
                    "portal_public_changes", f"{generation} {at.isoformat()}")))
    finally:
        engine.dispose()


def _listener(app):
    return app.extensions[public_changes.LISTENER]["listener"]


def test_a_notification_reaches_a_kept_page(listening):
    client = listening.test_client()
    client.get("/fees/", headers=EN)
    assert _listener(listening).latest() is not None  # listening, no query per page
    _another_process_changes(listening, "Changed by another worker")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if "Changed by another worker" in client.get("/fees/", headers=EN).get_data(as_text=True):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the notification never arrived")


def _eventually(client, text):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if text in client.get("/fees/", headers=EN).get_data(as_text=True):
            return
        time.sleep(0.1)
    pytest.fail(f"never saw {text!r}")


def test_a_change_without_a_notification_is_seen_within_seconds(listening):
    client = listening.test_client()
    client.get("/fees/", headers=EN)
    _another_process_changes(listening, "Raised without NOTIFY", notify=False)
    _eventually(client, "Raised without NOTIFY")


def test_a_counter_that_went_back_is_taken(listening):
    client = listening.test_client()
    client.get("/fees/", headers=EN)
    listener = _listener(listening)
    deadline = time.monotonic() + 5
    while listener.latest() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    generation, _at = listener.latest()
    engine = sa.create_engine(listening.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.begin() as connection:  # a restored backup
            connection.execute(sa.text("UPDATE public_changes SET generation = :g, "
                                       "changed_at = now() - interval '1 day'"),
                               {"g": generation - 1})
    finally:
        engine.dispose()
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline and listener.latest()[0] != generation - 1:
        time.sleep(0.1)
    assert listener.latest()[0] == generation - 1


def test_the_committing_process_knows_at_once(listening):
    client = listening.test_client()
    client.get("/fees/", headers=EN)
    with listening.app_context():
        db.session.add(FeeItem(code="NEW-FEE", name_zh="新收费", name_en="Known at once",
                               amount=Decimal("1.00"), status=FeeStatus.ACTIVE,
                               basis_number="n", basis_title="t"))
        db.session.commit()
    assert "Known at once" in client.get("/fees/", headers=EN).get_data(as_text=True)


def test_not_listening_means_reading_the_counter(listening):
    client = listening.test_client()
    client.get("/fees/", headers=EN)
    listener = _listener(listening)
    listener.stop()
    assert listener.latest() is None
    _another_process_changes(listening, "Read from the database")
    assert "Read from the database" in client.get("/fees/", headers=EN).get_data(as_text=True)
