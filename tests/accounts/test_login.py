"""Logging in with a password and a one-time code; lockout; sessions; permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.models import utcnow
from portal.extensions import db
from tests.conftest import csrf_token, next_code, post_form


def _user(app, username="alice"):
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.username == username))


def test_login_with_password_and_code(app, client, make_user, auth):
    make_user()
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/"
    page = client.get("/accounts/?lang=en").get_data(as_text=True)
    assert "Your account" in page and "Utility staff" in page
    assert _user(app).last_login_at is not None


def test_login_returns_to_the_page_asked_for(client, make_user, auth):
    make_user()
    first = client.get("/accounts/password")
    assert first.status_code == 302
    assert "/accounts/login?next=/accounts/password" in first.headers["Location"]
    response = post_form(client, "/accounts/login?next=/accounts/password",
                         {"username": "alice", "password": "correct horse battery"})
    step = response.headers["Location"]
    response = post_form(client, step, {"code": next_code(auth.app, "alice")})
    assert response.headers["Location"] == "/accounts/password"


def test_next_never_leads_to_another_site(client, make_user, auth):
    make_user()
    response = post_form(client, "/accounts/login?next=//evil.example/x",
                         {"username": "alice", "password": "correct horse battery"})
    response = post_form(client, response.headers["Location"],
                         {"code": next_code(auth.app, "alice")})
    assert response.headers["Location"] == "/accounts/"


def test_wrong_password_is_refused_with_a_translated_message(client, make_user):
    make_user()
    response = post_form(client, "/accounts/login?lang=en",
                         {"username": "alice", "password": "wrong password!"})
    assert response.status_code == 401
    assert "The username or password is not correct." in response.get_data(as_text=True)
    response = post_form(client, "/accounts/login?lang=zh",
                         {"username": "alice", "password": "wrong password!"})
    assert "用户名或密码不正确。" in response.get_data(as_text=True)


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, make_user):
    make_user()
    unknown = post_form(client, "/accounts/login?lang=en",
                        {"username": "nobody", "password": "whatever12345"})
    assert unknown.status_code == 401
    assert "The username or password is not correct." in unknown.get_data(as_text=True)


def test_empty_fields_are_named(client):
    response = post_form(client, "/accounts/login?lang=en", {"username": "", "password": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required." in page
    assert 'aria-invalid="true"' in page


def test_wrong_code_is_refused_and_does_not_log_in(app, client, make_user, auth):
    make_user()
    response = auth.login(code="000000")
    assert response.status_code == 401
    assert "验证码不正确" in response.get_data(as_text=True)
    assert client.get("/accounts/").status_code == 302


def test_malformed_code_is_a_form_error(client, make_user, auth):
    make_user()
    response = auth.login(code="12ab")
    assert response.status_code == 400
    assert "6 位数字" in response.get_data(as_text=True)


def test_a_code_cannot_be_used_twice(app, client, make_user, auth):
    make_user()
    code = next_code(app, "alice")
    assert auth.login(code=code).status_code == 302
    auth.logout()
    response = auth.login(code=code)
    assert response.status_code == 401


def test_account_locks_after_five_failures_for_fifteen_minutes(app, client, make_user, auth):
    make_user()
    for _ in range(5):
        post_form(client, "/accounts/login", {"username": "alice", "password": "wrong one!"})
    locked = post_form(client, "/accounts/login?lang=en",
                       {"username": "alice", "password": "correct horse battery"})
    assert locked.status_code == 401
    assert "locked" in locked.get_data(as_text=True)
    until = _user(app).locked_until
    assert timedelta(minutes=14) < until - utcnow() <= timedelta(minutes=15)
    with app.app_context():
        db.session.execute(sa.update(User).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert auth.login().status_code == 302


def test_wrong_codes_count_towards_the_lock(app, client, make_user, auth):
    make_user()
    for _ in range(5):
        auth.login(code="000000")
    assert _user(app).locked_until is not None


def test_first_login_requires_setting_up_one_time_codes(app, client, make_user):
    make_user(totp=False)
    response = post_form(client, "/accounts/login",
                         {"username": "alice", "password": "correct horse battery"})
    assert response.headers["Location"] == "/accounts/login/setup"
    page = client.get("/accounts/login/setup?lang=en").get_data(as_text=True)
    assert "<svg" in page and "Set up your one-time codes" in page
    secret = _user(app).totp_secret
    assert secret and secret[:4] in page
    # The protected pages stay closed until the code is confirmed.
    assert client.get("/accounts/").status_code == 302
    response = post_form(client, "/accounts/login/setup", {"code": next_code(app, "alice")})
    assert response.status_code == 302
    assert _user(app).totp_enabled
    assert client.get("/accounts/").status_code == 200


def test_enrolled_account_cannot_be_sent_to_setup_again(app, client, make_user):
    make_user()
    post_form(client, "/accounts/login", {"username": "alice", "password": "correct horse battery"})
    before = _user(app).totp_secret
    client.get("/accounts/login/setup")
    assert _user(app).totp_secret == before


def test_second_step_without_the_first_goes_back_to_login(client):
    response = client.get("/accounts/login/code")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login"


def test_second_step_expires(app, client, make_user):
    make_user()
    post_form(client, "/accounts/login", {"username": "alice", "password": "correct horse battery"})
    with client.session_transaction() as session:
        pending = dict(session["pending_login"])
        pending["at"] -= 6 * 60
        session["pending_login"] = pending
    response = client.get("/accounts/login/code")
    assert response.headers["Location"] == "/accounts/login"


def test_disabled_account_cannot_log_in_and_loses_its_session(app, client, make_user, auth, runner):
    make_user()
    auth.login()
    assert client.get("/accounts/").status_code == 200
    assert runner.invoke(args=["users", "disable", "alice"]).exit_code == 0
    assert client.get("/accounts/").status_code == 302
    assert auth.login(code=next_code(app, "alice", 1)).status_code == 401


def test_password_reset_ends_other_sessions(app, client, make_user, auth, runner):
    make_user()
    auth.login()
    result = runner.invoke(args=["users", "reset-password", "alice"])
    assert result.exit_code == 0
    assert client.get("/accounts/").status_code == 302


def test_logout_needs_post_with_csrf(client, make_user, auth):
    make_user()
    auth.login()
    assert client.get("/accounts/logout").status_code == 405
    assert client.post("/accounts/logout").status_code == 400
    assert client.get("/accounts/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/accounts/").status_code == 302


def test_change_password(app, client, make_user, auth):
    make_user()
    auth.login()
    bad = post_form(client, "/accounts/password?lang=en",
                    {"current": "correct horse battery", "new": "short", "confirm": "short"})
    assert bad.status_code == 400
    assert "at least 12" in bad.get_data(as_text=True)
    differ = post_form(client, "/accounts/password?lang=en",
                       {"current": "correct horse battery", "new": "a brand new phrase",
                        "confirm": "another phrase!"})
    assert "The two new passwords differ." in differ.get_data(as_text=True)
    wrong = post_form(client, "/accounts/password?lang=en",
                      {"current": "not my password", "new": "a brand new phrase",
                       "confirm": "a brand new phrase"})
    assert wrong.status_code == 400
    before = _user(app).password_hash
    ok = post_form(client, "/accounts/password",
                   {"current": "correct horse battery", "new": "a brand new phrase",
                    "confirm": "a brand new phrase"})
    assert ok.status_code == 302
    assert _user(app).password_hash != before
    assert client.get("/accounts/").status_code == 200  # this session goes on


PROTECTED = [
    ("/accounts/", {"staff", "committee", "admin"}),
    ("/accounts/password", {"staff", "committee", "admin"}),
    ("/accounts/users", {"admin"}),
]


@pytest.mark.parametrize(("url", "allowed"), PROTECTED)
def test_anonymous_visitors_are_sent_to_login(client, url, allowed):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login?next=")


@pytest.mark.parametrize(("url", "allowed"), PROTECTED)
@pytest.mark.parametrize("role", ["staff", "committee", "admin"])
def test_each_role_opens_only_its_pages(client, make_user, auth, url, allowed, role):
    make_user(role=role)
    auth.login()
    response = client.get(url + "?lang=en")
    if role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "You do not have permission to open this page." in response.get_data(as_text=True)


def test_admin_sees_every_account(client, make_user, auth):
    make_user(role="admin")
    make_user("bob", role="committee", totp=False)
    auth.login()
    page = client.get("/accounts/users?lang=en").get_data(as_text=True)
    assert "bob" in page and "Awaiting first login" in page and "2 accounts" in page


def test_login_is_rate_limited(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    token = csrf_token(client, "/accounts/login")
    statuses = [client.post("/accounts/login?lang=en",
                            data={"csrf_token": token, "username": "x", "password": "y"}
                            ).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    page = client.post("/accounts/login?lang=en",
                       data={"csrf_token": token, "username": "x", "password": "y"})
    assert "Too many requests" in page.get_data(as_text=True)
    assert "Retry-After" in page.headers


def test_rate_limits_are_shared_through_redis(make_app):
    """With Redis as storage (production), the limit holds across app instances (workers)."""
    import os

    url = os.environ.get("PORTAL_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI needs PORTAL_TEST_REDIS_URL")
        pytest.skip("set PORTAL_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to test with Redis")
    import redis

    redis.Redis.from_url(url).flushdb()
    settings = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute",
                "RATELIMIT_STORAGE_URI": url}
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    statuses = []
    for client in (first, second, first):
        token = csrf_token(client, "/accounts/login")
        statuses.append(client.post("/accounts/login",
                                    data={"csrf_token": token, "username": "x",
                                          "password": "y"}).status_code)
    assert statuses == [401, 401, 429]
