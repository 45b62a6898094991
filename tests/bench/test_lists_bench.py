"""``bench/lists_bench.py``: the complaints it writes with COPY are valid cases, and the portal
sees them at once (the bench raises the public-changes counter after writing behind its back)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench import lists_bench
from portal.extensions import db
from tests.conftest import POSTGRES_URL


@pytest.mark.skipif(not POSTGRES_URL, reason="the bench writes with PostgreSQL's COPY")
def test_generated_complaints_are_valid_and_seen_at_once(app, client):
    client.get("/complaints/public?lang=en")
    lists_bench.generate(app.config["SQLALCHEMY_DATABASE_URI"], 400)
    with app.app_context():
        listed = db.session.scalar(sa.text(
            "SELECT count(*) FROM complaints WHERE consent_publish AND listed_at IS NOT NULL"))
        still_open = db.session.scalar(sa.text(
            "SELECT count(*) FROM complaints WHERE status <> 'closed'"))
    assert 40 < listed < 140 and still_open > 0
    page = client.get("/complaints/public?lang=en").get_data(as_text=True)
    assert f"{listed} cases" in page


def test_without_postgresql_it_says_it_skipped(monkeypatch, capsys):
    monkeypatch.delenv("PORTAL_BENCH_DATABASE_URL", raising=False)
    lists_bench.main()
    assert "skipped" in capsys.readouterr().out
