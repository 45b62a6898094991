"""Tampering, even with full access to the database, is caught by ``audit verify`` and by the
standalone verifier (which sees only the public site)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import services as fees
from portal.transparency import merkle, services
from portal.transparency.note import Checkpoint, signer_from_seed
from portal.transparency.verify import VerificationError, verify
from tests.transparency.conftest import fee_data


@pytest.fixture
def log(app, make_tariff, publish_fees):
    """Five entries over four transactions; returns the checkpoint a journalist saved at 3."""
    publish_fees("F-1", "F-2")
    make_tariff("T-1")
    with app.app_context():
        saved = services.checkpoint_of_size(3).note
        fees.save_fee_item(fee_data("F-1", "11.00"), utcnow())
        fees.save_fee_item(fee_data("F-3"), utcnow())
        db.session.commit()
    return saved


def _fetch(client):
    def fetch(path: str) -> bytes:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.data
    return fetch


def _vkey(app):
    with app.app_context():
        return services.log_settings().signer.verifier.vkey


def _sql(app, statement, **params):
    with app.app_context():
        db.session.execute(sa.text(statement), params)
        db.session.commit()


def _audit(runner):
    return runner.invoke(args=["audit", "verify"])


def test_an_untouched_log_verifies_everywhere(app, client, runner, log):
    result = _audit(runner)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 5 entries, 4 signed checkpoint(s) and 4 published records")
    latest, _note = verify(_fetch(client), _vkey(app), log)
    assert latest.size == 5


def test_an_edited_published_price_is_caught(app, runner, log):
    _sql(app, "UPDATE tariff_prices SET price = 0.1 WHERE tier = 1")
    result = _audit(runner)
    assert result.exit_code == 1
    assert "published record tariff:T-1:v1 differs from its entry number 2" in result.output


def test_an_edited_fee_item_is_caught(app, runner, log):
    _sql(app, "UPDATE fee_items SET amount = 1 WHERE code = 'F-2'")
    result = _audit(runner)
    assert result.exit_code == 1 and "published record fee:F-2 differs" in result.output


def _rewrite_entry(app, index, new_content: bytes):
    """An operator's best forgery: new bytes with their own leaf hash (nodes left alone)."""
    _sql(app, 'UPDATE transparency_entries SET content = :c, leaf_hash = :h WHERE "index" = :i',
         c=new_content, h=merkle.leaf_hash(new_content), i=index)


def test_an_edited_entry_is_caught(app, client, runner, log):
    with app.app_context():
        content = db.session.execute(sa.text(
            'SELECT content FROM transparency_entries WHERE "index" = 1')).scalar_one()
    _rewrite_entry(app, 1, content.replace(b'"10.00"', b'"1.00"'))
    result = _audit(runner)
    assert result.exit_code == 1
    assert "checkpoint of tree size 2: the entries up to entry 1 (fee:F-2)" in result.output
    with pytest.raises(VerificationError, match="do not give the root hash"):
        verify(_fetch(client), _vkey(app), log)


def test_a_deleted_last_entry_is_caught(app, client, runner, log):
    _sql(app, 'DELETE FROM transparency_entries WHERE "index" = 4')
    result = _audit(runner)
    assert result.exit_code == 1 and "log holds only 4 entries" in result.output
    with pytest.raises(VerificationError, match="removed"):
        verify(_fetch(client), _vkey(app), log)


def test_a_deleted_last_entry_with_its_checkpoint_is_caught(app, client, runner, log):
    with app.app_context():
        saved_five = services.checkpoint_of_size(5).note  # a journalist kept this one
        root_four = merkle.root_from_leaves(
            [row[0] for row in db.session.execute(sa.text(
                'SELECT leaf_hash FROM transparency_entries WHERE "index" < 4 ORDER BY "index"'))])
    _sql(app, 'DELETE FROM transparency_entries WHERE "index" = 4')
    _sql(app, "DELETE FROM transparency_checkpoints WHERE tree_size = 5")
    _sql(app, "DELETE FROM transparency_nodes WHERE level = 0 AND position = 4")
    _sql(app, "UPDATE transparency_log_head SET size = 4, root = :r", r=root_four)
    result = _audit(runner)
    assert result.exit_code == 1
    assert "published record fee:F-3 has no entry in the log" in result.output
    with pytest.raises(VerificationError, match="cut short"):
        verify(_fetch(client), _vkey(app), saved_five)


def test_swapped_entries_are_caught(app, client, runner, log):
    with app.app_context():
        rows = db.session.execute(sa.text(
            'SELECT "index", content FROM transparency_entries WHERE "index" IN (0, 1)')).all()
    contents = {row[0]: row[1] for row in rows}
    _rewrite_entry(app, 0, contents[1])
    _rewrite_entry(app, 1, contents[0])
    result = _audit(runner)
    assert result.exit_code == 1 and "MISMATCH" in result.output
    with pytest.raises(VerificationError):
        verify(_fetch(client), _vkey(app), log)


def test_a_replaced_checkpoint_is_caught(app, client, runner, log):
    forger = signer_from_seed("localhost/open-power-service", bytes(32))
    with app.app_context():
        leaves = [merkle.leaf_hash(b"forged")] * 5
        root = merkle.root_from_leaves(leaves)
        text = Checkpoint("localhost/open-power-service", 5, root).text
    _sql(app, "UPDATE transparency_checkpoints SET note = :n, root = :r WHERE tree_size = 5",
         n=forger.sign(text), r=root)
    result = _audit(runner)
    assert result.exit_code == 1
    assert "checkpoint of tree size 5: its signature does not verify" in result.output
    with pytest.raises(VerificationError, match="latest checkpoint"):
        verify(_fetch(client), _vkey(app), log)


def test_a_rewritten_history_is_caught_against_a_saved_checkpoint(app, client, log):
    """The operator rewrites entry 0 and re-signs everything with the real key: only a
    checkpoint saved earlier shows it."""
    with app.app_context():
        content = db.session.execute(sa.text(
            'SELECT content FROM transparency_entries WHERE "index" = 0')).scalar_one()
    _rewrite_entry(app, 0, content.replace(b'"10.00"', b'"0.00"'))
    with app.app_context():
        leaves = [row[0] for row in db.session.execute(sa.text(
            'SELECT leaf_hash FROM transparency_entries ORDER BY "index"'))]
        nodes = merkle.complete_subtrees(leaves)
        db.session.execute(sa.text("DELETE FROM transparency_nodes"))
        for (level, position), value in nodes.items():
            db.session.execute(sa.text("INSERT INTO transparency_nodes VALUES (:l, :p, :h)"),
                               {"l": level, "p": position, "h": value})
        settings = services.log_settings()
        root = merkle.root_from_leaves(leaves)
        db.session.execute(sa.text(
            "UPDATE transparency_checkpoints SET note = :n, root = :r WHERE tree_size = 5"),
            {"n": settings.signer.sign(Checkpoint(settings.origin, 5, root).text), "r": root})
        db.session.commit()
    verify(_fetch(client), _vkey(app))  # alone, the re-signed latest checkpoint looks fine
    with pytest.raises(VerificationError, match="history was rewritten"):
        verify(_fetch(client), _vkey(app), log)


@pytest.mark.parametrize("statement", [
    "UPDATE transparency_nodes SET hash = :h WHERE level = 1 AND position = 0",
    "DELETE FROM transparency_nodes WHERE level = 1 AND position = 1",
    "INSERT INTO transparency_nodes (level, position, hash) VALUES (3, 0, :h)",
    "INSERT INTO transparency_nodes (level, position, hash) VALUES (7, 0, :h)",
    "UPDATE transparency_nodes SET position = 9 WHERE level = 0 AND position = 4",
])
def test_a_forged_subtree_hash_is_caught(app, runner, log, statement):
    """Proofs are made of the stored subtree hashes: a changed, missing or extra one would make
    proofs that fail, and the audit names it."""
    _sql(app, statement, h=b"\x07" * 32)
    result = _audit(runner)
    assert result.exit_code == 1
    assert "the stored subtree hashes (from which proofs are made) do not match" in result.output


def test_publishing_after_an_audit_in_the_same_session_works(app, log):
    """The audit streams the log with a server-side cursor on PostgreSQL: the session's
    connection must come back able to write (inserts of many rows cannot use such a cursor)."""
    from portal.transparency import audit

    with app.app_context():
        assert audit.verify().entries == 5
        fees.save_fee_item(fee_data("F-9"), utcnow())
        db.session.commit()
        assert services.head().size == 6 and audit.verify().entries == 6


def test_the_nightly_duty_fails_on_a_mismatch_and_says_where(app, runner, log):
    assert runner.invoke(args=["duties", "run", "audit-verify"]).exit_code == 0
    _sql(app, 'DELETE FROM transparency_entries WHERE "index" = 4')
    result = runner.invoke(args=["duties", "run", "audit-verify"])
    assert result.exit_code == 1 and "MISMATCH" in result.output
    listed = runner.invoke(args=["duties", "list"]).output
    assert "FAILED" in next(line for line in listed.splitlines() if "audit-verify" in line)
