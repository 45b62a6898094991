"""``flask demo reset``: a demo database starts afresh; a database with real data is refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.accounts import demo as accounts_demo
from portal.accounts.models import User
from portal.core import domains
from portal.demo.models import DemoDataset
from portal.extensions import db


@pytest.fixture
def quick(app, tmp_path, monkeypatch):
    """Only the demo accounts (the other data sets take seconds), and a private instance
    folder for the passwords file."""
    monkeypatch.setattr(domains.registry(app), "demo_loaders",
                        [("accounts", accounts_demo.load)])
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def _usernames(app):
    with app.app_context():
        return set(db.session.scalars(sa.select(User.username)))


def test_reset_starts_a_demo_database_afresh(app, runner, quick):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert runner.invoke(args=["users", "create", "tester", "--role", "staff"]).exit_code == 0
    assert "tester" in _usernames(app)
    result = runner.invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert _usernames(app) == {"demo-admin", "demo-staff", "demo-committee"}
    with app.app_context():
        assert db.session.scalars(sa.select(DemoDataset.name)).all() == ["accounts"]
    # The passwords file holds the new passwords only.
    saved = (quick / "demo-accounts.txt").read_text(encoding="utf-8")
    new = re.findall(r"password=(\S+)", result.output)
    assert re.findall(r"password=(\S+)", saved) == new
    assert not set(re.findall(r"password=(\S+)", first.output)) & set(new)


def test_reset_refuses_a_database_with_real_data(app, runner, quick, make_user):
    make_user("real-person")
    result = runner.invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code != 0 and "not demo data" in result.output
    assert _usernames(app) == {"real-person"}
    assert not (quick / "demo-accounts.txt").exists()


def test_reset_asks_first(app, runner, quick):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "reset"], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    assert len(_usernames(app)) == 3


def test_reset_of_an_empty_database_loads_the_demo(app, runner, quick):
    result = runner.invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert _usernames(app) == {"demo-admin", "demo-staff", "demo-committee"}


def test_reset_starts_the_public_record_afresh_too(app, runner, quick, monkeypatch):
    """A data set that publishes (the fee standards) fills the public record: a reset empties
    it and starts it again, instead of failing on the hashes of entries it deleted."""
    from portal.fees import demo as fees_demo

    monkeypatch.setattr(domains.registry(app), "demo_loaders",
                        [("accounts", accounts_demo.load), ("fees", fees_demo.load)])
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code == 0, result.output
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and verify.output.startswith("OK"), verify.output
