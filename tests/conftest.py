"""Fixtures: a fresh database per test (SQLite, or PostgreSQL given PORTAL_TEST_DATABASE_URL)."""

from __future__ import annotations

import html
import os
import re
import warnings
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from portal import create_app
from portal.accounts import services
from portal.accounts.models import User
from portal.core import domains
from portal.core.models import utcnow
from portal.extensions import db

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
TEST_DATA_KEY = "Ak1BDqTHQ0bOdxyXL0vvmsG8h9dmw6hCU2xrvPx0OtI="  # a Fernet key for tests only
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def database_url(tmp_path: Path) -> str:
    """The database for one test: PostgreSQL if configured, else a new SQLite file."""
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def reset_database(url: str) -> None:
    """Drop every table (and Alembic's version table) so that a test starts empty."""
    engine = sa.create_engine(url)
    with engine.begin() as connection, warnings.catch_warnings():
        # SQLite's reflection skips an index on an expression (the inbox's): dropped with its
        # table all the same.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
        metadata = sa.MetaData()
        metadata.reflect(connection)
        metadata.drop_all(connection)
    engine.dispose()


def unmigrated_app(tmp_path: Path) -> Flask:
    """An app on a database without tables, for tests that run the migrations themselves."""
    url = database_url(tmp_path)
    reset_database(url)
    return create_app({"SECRET_KEY": "x", "DATABASE_URL": url, "TESTING": True,
                       "LOG_LEVEL": "WARNING"})


def make_test_app(tmp_path: Path, **overrides: Any) -> Flask:
    """An app on a fresh database with its tables created."""
    url = database_url(tmp_path)
    reset_database(url)
    settings = {"SECRET_KEY": "test-secret", "DATABASE_URL": url, "TESTING": True,
                "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING",
                # each app would keep a listening connection to PostgreSQL open: read the
                # public-changes counter on each request (tests/core/test_change_listener.py)
                "PAGE_CACHE_LISTEN": False,
                "DATA_KEY": TEST_DATA_KEY, "CODE_PEPPER": "test-pepper", **overrides}
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        domains.load_reference_data()  # what the migrations load
        db.session.commit()
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The portal on a fresh, empty database."""
    application = make_test_app(tmp_path)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    """Build an app with configuration overrides (e.g. rate limiting switched on)."""
    return lambda **overrides: make_test_app(tmp_path, **overrides)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client without JavaScript."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs ``flask --app portal ...`` commands."""
    return app.test_cli_runner()


def count_statements(app: Flask, client: FlaskClient, url: str) -> tuple[int, str]:
    """How many SQL statements a GET of ``url`` runs, and the page (which must answer 200).

    List pages are tested at 10 and at 500 rows: the count must not grow with the rows.
    """
    seen: list[int] = []

    def count(*_args: Any) -> None:
        seen.append(1)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(url)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return len(seen), response.get_data(as_text=True)


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on the page at ``url``."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Submit the form at ``url`` as a browser would, with its CSRF token."""
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data}, **kwargs)


def confirm_form(client: FlaskClient, url: str, data: dict[str, Any] | None = None,
                 **kwargs: Any) -> Any:
    """Submit a form whose step asks for a confirmation first (``portal.core.confirmation``),
    check that it asked, and confirm what the question page showed."""
    asked = post_form(client, url, data or {})
    assert asked.status_code == 200, asked.status_code
    text = asked.get_data(as_text=True)
    found = re.search(r'name="seen" value="([^"]*)"', text)
    seen = html.unescape(found.group(1)) if found else ""
    return post_form(client, url, {**(data or {}), "confirm": "yes", "seen": seen}, **kwargs)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., tuple[User, str]]:
    """Create an account; returns it with its password. ``totp=False`` leaves it un-enrolled."""

    def factory(username: str = "alice", role: str = "staff", totp: bool = True,
                **overrides: Any) -> tuple[User, str]:
        password = overrides.pop("password", "correct horse battery")
        with app.app_context():
            user = services.create_user(username, overrides.pop("display_name", username),
                                        role, password)
            if totp:
                services.enrol(user)
            for key, value in overrides.items():
                setattr(user, key, value)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user, password

    return factory


def next_code(app: Flask, username: str, steps_ahead: int = 0) -> str:
    """A valid one-time code for the account (``steps_ahead`` 1 gives the next 30-second code)."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        assert user is not None
        return services.current_totp(user, utcnow() + timedelta(seconds=30 * steps_ahead))


class AuthActions:
    """Log in and out through the real forms, second factor included."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client

    def login(self, username: str = "alice", password: str = "correct horse battery",
              code: str | None = None) -> Any:
        response = post_form(self.client, "/accounts/login",
                             {"username": username, "password": password})
        if response.status_code != 302:
            return response
        step = response.headers["Location"]
        return post_form(self.client, step, {"code": code or next_code(self.app, username)})

    def logout(self) -> Any:
        token = csrf_token(self.client, "/accounts/")
        return self.client.post("/accounts/logout", data={"csrf_token": token})


@pytest.fixture
def auth(app: Flask, client: FlaskClient) -> AuthActions:
    """Log in and out as a person would."""
    return AuthActions(app, client)
