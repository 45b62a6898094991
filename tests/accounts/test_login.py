"""Logging in with a password and a one-time code; lockout; sessions; permissions."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core import protection
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


BYPASSES = [
    "//evil.example/x", "/\\evil.example", "/%09/evil.example", "/%0A", "%0A", "/%0d%0a/x",
    "/\t/evil.example", "https://evil.example/", "http:/evil.example", "javascript:alert(1)",
    "/%2F%2Fevil.example", "/%5Cevil.example", "%2F%2Fevil.example", "///evil.example",
    "/accounts/%00", " /accounts/", "/accounts/#x", "evil.example", "/no/such/page",
    "/accounts/logout",  # answers POST only
]


@pytest.mark.parametrize("target", BYPASSES)
def test_next_never_leads_to_another_site(client, make_user, auth, target):
    make_user()
    response = client.post("/accounts/login", query_string={"next": target},
                           data={"csrf_token": csrf_token(client, "/accounts/login"),
                                 "username": "alice", "password": "correct horse battery"})
    assert response.status_code == 302
    response = post_form(client, response.headers["Location"],
                         {"code": next_code(auth.app, "alice")})
    assert response.headers["Location"] == "/accounts/"


def test_next_keeps_a_page_of_this_site_with_its_query(client, make_user, auth):
    make_user(role="admin")
    response = client.post("/accounts/login",
                           query_string={"next": "/staff/accounts/users?lang=en"},
                           data={"csrf_token": csrf_token(client, "/accounts/login"),
                                 "username": "alice", "password": "correct horse battery"})
    response = post_form(client, response.headers["Location"],
                         {"code": next_code(auth.app, "alice")})
    assert response.headers["Location"] == "/staff/accounts/users?lang=en"


def test_wrong_password_is_refused_with_a_translated_message(client, make_user):
    make_user()
    response = post_form(client, "/accounts/login?lang=en",
                         {"username": "alice", "password": "wrong password!"})
    assert response.status_code == 401
    assert "The username or password is not correct." in response.get_data(as_text=True)
    response = post_form(client, "/accounts/login?lang=zh",
                         {"username": "alice", "password": "wrong password!"})
    assert "用户名或密码不正确" in response.get_data(as_text=True)


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


def _fail_login(client, times, username="alice"):
    for _ in range(times):
        post_form(client, "/accounts/login", {"username": username, "password": "wrong one!"})


def _end_wait(app):
    with app.app_context():
        db.session.execute(sa.update(User).values(throttled_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_failures_make_the_account_wait_longer_each_time(app, client, make_user, auth):
    make_user()
    _fail_login(client, 4)
    assert _user(app).throttled_until is None  # four failures are free
    _fail_login(client, 1)
    wait = _user(app).throttled_until - utcnow()
    assert timedelta(seconds=25) < wait <= timedelta(seconds=30)
    # During the wait even the right password is refused, and the attempt does not count.
    refused = post_form(client, "/accounts/login?lang=en",
                        {"username": "alice", "password": "correct horse battery"})
    assert refused.status_code == 401
    assert _user(app).failed_logins == 5
    _end_wait(app)
    _fail_login(client, 1)
    assert timedelta(seconds=55) < _user(app).throttled_until - utcnow() <= timedelta(minutes=1)
    for _ in range(10):
        _end_wait(app)
        _fail_login(client, 1)
    wait = _user(app).throttled_until - utcnow()
    assert timedelta(minutes=14) < wait <= timedelta(minutes=15)  # capped, never a hard lock
    _end_wait(app)
    assert auth.login().status_code == 302
    assert _user(app).failed_logins == 0


def _page_without_tokens(response):
    return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


def test_unknown_and_waiting_accounts_get_the_same_answer_with_the_same_work(
        app, client, make_user, monkeypatch):
    from portal.accounts import services

    make_user()
    _fail_login(client, 5)
    verified = []
    original = services._password_matches
    monkeypatch.setattr(services, "_password_matches",
                        lambda stored, password: verified.append(1) or original(stored, password))
    answers = [post_form(client, "/accounts/login?lang=en", {"username": name, "password": pw})
               for name, pw in [("alice", "correct horse battery"), ("nobody", "anything at all"),
                                ("alice", "wrong one!")]]
    assert verified == [1, 1, 1]
    assert {answer.status_code for answer in answers} == {401}
    assert len({_page_without_tokens(answer) for answer in answers}) == 1


def test_wrong_codes_count_towards_the_wait(app, client, make_user, auth):
    make_user()
    for _ in range(5):
        auth.login(code="000000")
    assert _user(app).throttled_until is not None
    response = auth.login()  # the password step now answers like a wrong password
    assert response.status_code == 401


def test_the_code_step_says_how_long_to_wait(app, client, make_user):
    make_user()
    post_form(client, "/accounts/login", {"username": "alice", "password": "correct horse battery"})
    for _ in range(4):
        post_form(client, "/accounts/login/code?lang=en", {"code": "000000"})
    fifth = post_form(client, "/accounts/login/code?lang=en", {"code": "000000"})
    assert fifth.status_code == 401
    assert "this account waits 30 seconds before it accepts another code" in _page(fifth)
    # The right code during the wait keeps the person on the code step and says so.
    early = post_form(client, "/accounts/login/code?lang=zh", {"code": next_code(app, "alice")})
    assert early.status_code == 429
    assert "秒" in _page(early)
    assert client.get("/accounts/").status_code == 302
    _end_wait(app)
    done = post_form(client, "/accounts/login/code", {"code": next_code(app, "alice")})
    assert done.status_code == 302 and done.headers["Location"] == "/accounts/"


def test_full_width_digits_are_read_at_the_code_step(app, client, make_user):
    make_user()
    post_form(client, "/accounts/login", {"username": "alice", "password": "correct horse battery"})
    wide = next_code(app, "alice").translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    arabic = post_form(client, "/accounts/login/code", {"code": "١٢٣٤٥٦"})
    assert arabic.status_code == 401
    response = post_form(client, "/accounts/login/code", {"code": wide})
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/"


def test_login_and_enrolment_pages_are_never_cached(app, client, make_user, auth):
    make_user("bob", totp=False)
    post_form(client, "/accounts/login", {"username": "bob", "password": "correct horse battery"})
    assert client.get("/accounts/login/setup").headers["Cache-Control"] == "no-store"
    assert client.get("/accounts/login").headers["Cache-Control"] == "no-store"


def _page(response):
    return response.get_data(as_text=True)


def test_the_owner_hears_when_waits_begin(app, client, make_user, monkeypatch):
    from portal.core import mail

    sent = []
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.invalid")
    monkeypatch.setattr(mail, "deliver", lambda message, what: sent.append(message) or True)
    make_user(email="alice@example.org")
    make_user("bob")  # no address: nobody to tell
    _fail_login(client, 4)
    assert sent == []
    _fail_login(client, 1)
    assert len(sent) == 1
    assert sent[0]["To"] == "alice@example.org"
    assert "alice" in sent[0]["Subject"]
    assert "5" in sent[0].get_content()
    _end_wait(app)
    _fail_login(client, 1)
    assert len(sent) == 1  # once, when the waits begin
    _fail_login(client, 5, "bob")
    assert len(sent) == 1


def _setup_secret(page):
    return re.search(r'class="secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def test_first_login_requires_setting_up_one_time_codes(app, client, make_user):
    make_user(totp=False)
    response = post_form(client, "/accounts/login",
                         {"username": "alice", "password": "correct horse battery"})
    assert response.headers["Location"] == "/accounts/login/setup"
    page = client.get("/accounts/login/setup?lang=en").get_data(as_text=True)
    assert "<svg" in page and "Set up your one-time codes" in page
    secret = _setup_secret(page)
    assert _user(app).totp_secret is None  # nothing stored before a code confirms it
    # The same attempt keeps its secret; the protected pages stay closed until it is confirmed.
    assert _setup_secret(client.get("/accounts/login/setup").get_data(as_text=True)) == secret
    assert client.get("/accounts/").status_code == 302
    response = post_form(client, "/accounts/login/setup", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert _user(app).totp_enabled
    stored = _user(app).totp_secret
    with app.app_context():
        assert protection.decrypt(stored) == secret
    assert secret not in stored  # kept encrypted, like contact details
    assert client.get("/accounts/").status_code == 200


def test_a_password_alone_never_learns_the_secret_the_owner_enrols(app, make_user):
    make_user(totp=False)
    attacker, owner = app.test_client(), app.test_client()
    for browser in (attacker, owner):
        post_form(browser, "/accounts/login",
                  {"username": "alice", "password": "correct horse battery"})
    seen = _setup_secret(attacker.get("/accounts/login/setup").get_data(as_text=True))
    own = _setup_secret(owner.get("/accounts/login/setup").get_data(as_text=True))
    assert seen != own
    assert post_form(owner, "/accounts/login/setup",
                     {"code": pyotp.TOTP(own).now()}).status_code == 302
    # The attacker's secret opens nothing: its next login goes to the code step of `own`.
    post_form(attacker, "/accounts/login",
              {"username": "alice", "password": "correct horse battery"})
    response = post_form(attacker, "/accounts/login/code", {"code": pyotp.TOTP(seen).now()})
    assert response.status_code == 401
    assert attacker.get("/accounts/").status_code == 302


def test_enrolled_account_cannot_be_sent_to_setup_again(app, client, make_user):
    make_user()
    post_form(client, "/accounts/login", {"username": "alice", "password": "correct horse battery"})
    before = _user(app).totp_secret
    with app.app_context():
        secret = protection.decrypt(before)
    # The password alone must never show the secret of an enrolled account.
    response = client.get("/accounts/login/setup")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/code"
    assert secret[:4] not in response.get_data(as_text=True)
    response = client.post("/accounts/login/setup",
                           data={"csrf_token": csrf_token(client, "/accounts/login/code"),
                                 "code": next_code(app, "alice")})
    assert response.headers["Location"] == "/accounts/login/code"
    assert _user(app).totp_secret == before
    assert client.get("/accounts/").status_code == 302  # no session from the setup page


def test_new_account_cannot_skip_enrolment_through_the_code_step(app, client, make_user):
    make_user(totp=False)
    post_form(client, "/accounts/login", {"username": "alice", "password": "correct horse battery"})
    assert client.get("/accounts/login/code").headers["Location"] == "/accounts/login/setup"


def test_an_administrator_resets_a_second_factor(app, client, make_user, auth, runner):
    import logging

    make_user()
    auth.login()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("portal.audit").addHandler(handler)
    try:
        result = runner.invoke(args=["users", "reset-totp", "alice"])
    finally:
        logging.getLogger("portal.audit").removeHandler(handler)
    assert result.exit_code == 0, result.output
    assert records[0].getMessage().startswith(
        "second factor reset for account alice")
    assert client.get("/accounts/").status_code == 302  # its sessions ended
    assert not _user(app).totp_enabled and _user(app).totp_secret is None
    response = post_form(client, "/accounts/login",
                         {"username": "alice", "password": "correct horse battery"})
    assert response.headers["Location"] == "/accounts/login/setup"
    assert runner.invoke(args=["users", "reset-totp", "nobody"]).exit_code != 0


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


def test_logout_ends_a_copied_session_cookie(app, client, make_user, auth):
    make_user()
    auth.login()
    copied = client.get_cookie("session").value
    assert auth.logout().status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/accounts/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login")


def test_an_idle_session_ends(app, client, make_user, auth):
    make_user()
    auth.login()
    assert client.get("/accounts/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] -= 29 * 60
    assert client.get("/accounts/").status_code == 200  # activity keeps it open
    with client.session_transaction() as session:
        session["seen_at"] -= 31 * 60
    response = client.get("/accounts/?lang=en", follow_redirects=True)
    assert "logged out after 30 minutes without activity" in response.get_data(as_text=True)
    assert "Please log in to open this page." not in response.get_data(as_text=True)
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
    ("/staff/accounts/users", {"admin"}),
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
    page = client.get("/staff/accounts/users?lang=en").get_data(as_text=True)
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
    assert 50 < int(page.headers["Retry-After"]) <= 61  # when the minute's window ends
    # Answers that are not 429 carry no Retry-After of the limiter's.
    ordinary = client.get("/accounts/login")
    assert "Retry-After" not in ordinary.headers


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
