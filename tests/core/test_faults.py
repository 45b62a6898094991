"""Faults end in a clear answer: database outages, an unreachable rate-limit store, forged
Host headers."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.extensions import db
from tests.conftest import csrf_token


def _break_the_database(app):
    """Every statement from now on fails as during a database restart."""
    def fail(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", fail)
    return fail


@pytest.mark.parametrize("url", [
    "/complaints/new", "/complaints/public", "/tariffs/", "/fees/", "/fees/check",
    "/tariffs/RES-TIER", "/api/v1/fees", "/api/v1/tariffs",
])
def test_a_database_outage_is_a_translated_503_with_retry_after(make_app, url):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    _break_the_database(app)
    response = app.test_client().get(url + "?lang=en")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    if url.startswith("/api/"):
        assert response.json["error"]["status"] == 503
        return
    assert "Please try again in a minute." in response.get_data(as_text=True)
    zh = app.test_client().get(url + "?lang=zh")
    assert zh.status_code == 503 and "一分钟后再试" in zh.get_data(as_text=True)


def test_a_database_outage_during_a_form_post_is_a_503(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False, RATELIMIT_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client, "/accounts/login")
    _break_the_database(app)
    response = client.post("/accounts/login?lang=en",
                           data={"csrf_token": token, "username": "a", "password": "b" * 12})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"  # not the rate limit's window


def test_an_unreachable_database_server_is_a_503(tmp_path):
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL":
                      "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1"})
    client = app.test_client()
    response = client.get("/complaints/public", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["Retry-After"] == "30"
    assert ready.json == {"status": "unavailable",
                          "checks": {"database": "unavailable", "rate_limit_store": "ok"}}


def test_readyz_reports_each_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready",
                             "checks": {"database": "ok", "rate_limit_store": "disabled"}}


DEAD_REDIS = "redis://127.0.0.1:9/0"


def test_without_redis_limits_fall_back_to_memory_and_readyz_says_degraded(make_app, caplog):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=DEAD_REDIS,
                   LOGIN_RATE_LIMIT="3 per minute", PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    token = csrf_token(client, "/accounts/login")
    with caplog.at_level(logging.WARNING):
        statuses = [client.post("/accounts/login", data={
            "csrf_token": token, "username": "x", "password": "y" * 12}).status_code
            for _ in range(4)]
    assert statuses == [401, 401, 401, 429]  # still limited, per process
    assert "falling back to in-memory storage" in caplog.text
    # ... and the warning reaches the portal's log, not only a NullHandler.
    assert any(isinstance(handler, logging.StreamHandler)
               for handler in logging.getLogger("flask-limiter").handlers)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "degraded",
                          "checks": {"database": "ok", "rate_limit_store": "unavailable"}}


@pytest.mark.parametrize("url", ["/complaints/track", "/complaints/new"])
def test_without_redis_filing_and_tracking_still_work(make_app, url):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=DEAD_REDIS,
                   PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    assert client.get(url).status_code == 200
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "number": "TS-2026-000001",
                                      "code": "X"})
    assert response.status_code in {200, 400}


def test_readyz_checks_the_mail_server_when_configured(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["checks"]["mail"] == "unavailable"


def test_absolute_links_use_the_public_address_not_a_forged_host(make_app):
    app = make_app(PUBLIC_URL="https://portal.example.cn")
    client = app.test_client()
    for url in ("/tariffs/feed.atom", "/api/v1/tariffs"):
        body = client.get(url, headers={"Host": "evil.example"}).get_data(as_text=True)
        assert "evil.example" not in body, url
    feed = client.get("/tariffs/feed.atom", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "https://portal.example.cn/tariffs/feed.atom" in feed


def test_untrusted_hosts_are_refused_when_trusted_hosts_are_set(make_app):
    app = make_app(TRUSTED_HOSTS="portal.example.cn, localhost")
    client = app.test_client()
    assert client.get("/about", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/about", headers={"Host": "portal.example.cn"}).status_code == 200


@pytest.mark.parametrize("value", ["portal.example.cn", "ftp://x", "https://x/path", "https://"])
def test_a_public_url_must_be_a_site_address(tmp_path, value):
    from portal.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="PORTAL_PUBLIC_URL"):
        load_config(tmp_path, environ={"PORTAL_PUBLIC_URL": value})


@pytest.mark.parametrize("url", ["/", "/staff/complaints/", "/healthz", "/fees/"])
def test_a_signed_in_person_gets_a_503_too_when_the_database_goes(make_app, url):
    """Their account cannot be read: the answer is the outage's 503 (with Retry-After, never
    kept), not a 500 from the page around it (found by the fault review)."""
    from portal.accounts import services as accounts
    from tests.conftest import AuthActions

    app = make_app(PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        user = accounts.create_user("handler", "Handler", "staff", "correct horse battery")
        accounts.enrol(user)
        db.session.commit()
    client = app.test_client()
    AuthActions(app, client).login("handler")
    _break_the_database(app)
    response = client.get(url + "?lang=en")
    if url == "/healthz":  # the process answers, whatever the database
        assert response.status_code == 200
        return
    assert response.status_code == 503, response.status_code
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Please try again in a minute." in response.get_data(as_text=True)


def test_the_postgresql_connection_gives_up_before_gunicorn_does(tmp_path):
    """A database that does not answer is a 503 in seconds, not a worker killed at 30 s."""
    from portal import _engine_options

    options = _engine_options({"DATABASE_PRE_PING": False,
                               "DATABASE_URL": "postgresql+psycopg://x@h/d"})
    assert options["connect_args"]["connect_timeout"] <= 10
    assert options["connect_args"]["tcp_user_timeout"] <= 15_000
    assert options["pool_timeout"] <= 10
    assert "connect_args" not in _engine_options({"DATABASE_PRE_PING": False,
                                                  "DATABASE_URL": "sqlite://"})
