"""Accounts in one transaction per request: refusals keep their failure counts, nothing else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core import mail
from portal.extensions import db
from tests.conftest import csrf_token, post_form


def _failures(app, username="alice"):
    """The failure count as another connection sees it (what was committed)."""
    with app.app_context(), db.engine.connect() as connection:
        return connection.scalar(sa.select(User.failed_logins)
                                 .where(User.username == username))


def _fail_login(client, times=1):
    return [post_form(client, "/accounts/login?lang=en",
                      {"username": "alice", "password": "wrong one!"}).status_code
            for _ in range(times)]


@pytest.fixture
def sent(app, monkeypatch):
    """Emails the portal sends, with the failure count committed when each was sent."""
    outbox = []
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.invalid")
    monkeypatch.setattr(mail, "deliver", lambda message, what: outbox.append(
        (message["To"], _failures(app))) or True)
    return outbox


def test_a_refused_login_keeps_its_failure_count(app, client, make_user):
    make_user()
    assert _fail_login(client, 2) == [401, 401]
    assert _failures(app) == 2


def test_the_owner_is_warned_only_once_the_failures_are_saved(app, client, make_user, sent):
    make_user(email="alice@example.org")
    _fail_login(client, 5)
    assert sent == [("alice@example.org", 5)]


def test_no_warning_when_the_failures_could_not_be_saved(app, client, make_user, sent,
                                                         monkeypatch):
    make_user(email="alice@example.org", failed_logins=4)

    def broken_commit():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk full"))

    token = csrf_token(client, "/accounts/login")
    monkeypatch.setattr(db.session, "commit", broken_commit)
    response = client.post("/accounts/login?lang=en", data={
        "csrf_token": token, "username": "alice", "password": "wrong one!"})
    monkeypatch.undo()
    assert response.status_code == 503
    assert sent == []
    assert _failures(app) == 4


def test_a_wrong_current_password_changes_nothing(app, client, make_user, auth):
    make_user()
    auth.login()
    with app.app_context():
        before = db.session.scalar(sa.select(User.password_hash))
    page = post_form(client, "/accounts/password?lang=en",
                     {"current": "not my password", "new": "a brand new phrase",
                      "confirm": "a brand new phrase"})
    assert page.status_code == 400
    assert "The current password is not correct." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User.password_hash)) == before
    assert client.get("/accounts/").status_code == 200  # still logged in
