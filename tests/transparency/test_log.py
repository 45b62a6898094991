"""Appending publications: one entry each, in the publishing transaction, with a signed
checkpoint per transaction; proofs from the stored subtrees match the pure tree."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import services as fees
from portal.transparency import merkle, services
from portal.transparency.models import LogCheckpoint, LogEntry, LogNode
from portal.transparency.note import open_note, parse_checkpoint
from tests.conftest import csrf_token
from tests.transparency.conftest import fee_data


def _entries(app):
    with app.app_context():
        return db.session.scalars(sa.select(LogEntry).order_by(LogEntry.index)).all()


def test_each_publication_is_an_entry_with_a_signed_checkpoint(app, publish_fees, make_tariff):
    publish_fees("F-1", "F-2")
    make_tariff("T-1")
    entries = _entries(app)
    assert [(e.index, e.kind, e.key) for e in entries] == [
        (0, "fee", "fee:F-1"), (1, "fee", "fee:F-2"), (2, "tariff", "tariff:T-1:v1")]
    content = json.loads(entries[0].content)
    assert content["record"]["amount"] == "10.00"
    assert content["record"]["name_zh"] == "费用 F-1" and content["record"]["name_en"] == "Fee F-1"
    assert json.loads(entries[2].content)["record"]["prices"][0] == {
        "tier": 1, "period": "all", "price": "0.5380"}
    assert entries[2].content.decode().startswith('{"key":"tariff:T-1:v1","kind":"tariff",')
    with app.app_context():
        checkpoints = db.session.scalars(sa.select(LogCheckpoint)
                                         .order_by(LogCheckpoint.tree_size)).all()
        assert [c.tree_size for c in checkpoints] == [1, 2, 3]
        verifier = services.log_settings().signer.verifier
        leaves = [e.leaf_hash for e in entries]
        for checkpoint in checkpoints:
            opened = parse_checkpoint(open_note(checkpoint.note, [verifier]).text)
            assert opened.size == checkpoint.tree_size
            assert opened.root == merkle.root_from_leaves(leaves[:checkpoint.tree_size])
            assert opened.origin == "localhost/open-power-service"


def test_an_unchanged_save_adds_no_entry_and_a_change_adds_one(app, publish_fees):
    publish_fees("F-1")
    assert publish_fees("F-1") == 1
    with app.app_context():
        fees.save_fee_item(fee_data("F-1", "12.50"), utcnow())
        fees.save_fee_item(fee_data("F-2"), utcnow())
        db.session.commit()
        assert services.head().size == 3
        # one transaction, one checkpoint
        assert db.session.scalars(sa.select(LogCheckpoint.tree_size)).all() == [1, 3]
    assert json.loads(_entries(app)[1].content)["record"]["amount"] == "12.50"


def test_abolishing_a_fee_is_an_entry(app, publish_fees):
    publish_fees("F-1")
    with app.app_context():
        fees.save_fee_item(fee_data("F-1", status=fees.FeeStatus.ABOLISHED,
                                    abolished_on=date(2024, 3, 1)), utcnow())
        db.session.commit()
    record = json.loads(_entries(app)[1].content)["record"]
    assert (record["status"], record["abolished_on"]) == ("abolished", "2024-03-01")


def test_a_successor_records_the_closed_predecessor_too(app, make_tariff):
    make_tariff("T-1", start=date(2024, 1, 1))
    make_tariff("T-1", start=date(2024, 7, 1))
    keys = [(e.key, json.loads(e.content)["record"]["effective_to"]) for e in _entries(app)]
    assert keys == [("tariff:T-1:v1", None), ("tariff:T-1:v2", None),
                    ("tariff:T-1:v1", "2024-06-30")]


def test_a_publication_rolled_back_leaves_no_entry_and_no_checkpoint(app, publish_fees):
    publish_fees("F-1")
    with app.app_context():
        fees.save_fee_item(fee_data("F-2"), utcnow())
        assert services.head().size == 2  # appended inside the transaction...
        db.session.rollback()
    with app.app_context():  # ...and gone with it
        assert services.head().size == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)) == 1
        assert db.session.scalars(sa.select(LogCheckpoint.tree_size)).all() == [1]
        db.session.commit()  # a later commit signs nothing for the rolled-back append
        assert db.session.scalars(sa.select(LogCheckpoint.tree_size)).all() == [1]


def test_a_publish_request_that_fails_after_the_entry_leaves_neither(app, client, make_user,
                                                                    auth, make_tariff,
                                                                    monkeypatch):
    make_tariff("T-1", publish=False)
    make_user("staffer", role="staff")
    auth.login("staffer")
    token = csrf_token(client, "/staff/fees/tariffs/T-1/versions/1")

    def broken(_key):  # fails after the log's receiver appended the entry
        raise RuntimeError("cache down")

    monkeypatch.setattr(fees, "forget", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post("/staff/fees/tariffs/T-1/versions/1/publish",
                           data={"csrf_token": token})
    assert response.status_code == 500
    assert _entries(app) == []
    with app.app_context():
        assert services.head().size == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogCheckpoint)) == 0
    monkeypatch.undo()
    response = client.post("/staff/fees/tariffs/T-1/versions/1/publish",
                           data={"csrf_token": token})
    assert response.status_code == 302
    assert [e.key for e in _entries(app)] == ["tariff:T-1:v1"]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_stored_proofs_equal_the_pure_tree_s(app, size):
    with app.app_context():
        for i in range(size):
            services.record_publication("test", f"test:{i}", {"n": i})
        db.session.commit()
        leaves = [e.leaf_hash for e in db.session.scalars(
            sa.select(LogEntry).order_by(LogEntry.index))]
        nodes = {(n.level, n.position): n.hash for n in db.session.scalars(sa.select(LogNode))}
        assert nodes == merkle.complete_subtrees(leaves)
        for m in range(size):
            for n in range(m + 1, size + 1):
                assert services.inclusion_proof(m, n) == merkle.inclusion_proof(m, leaves[:n])
        for m in range(size + 1):
            assert services.consistency_proof(m, size) == merkle.consistency_proof(m, leaves)
