"""Configuration: defaults, environment variables, and clear start-up errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal import create_app
from portal.config import ConfigError, load_config, options_table

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_give_sqlite_in_instance_and_a_generated_secret(tmp_path):
    values = load_config(tmp_path, environ={})
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert values["DEFAULT_LOCALE"] == "zh_Hans_CN"
    assert values["RATELIMIT_STORAGE_URI"] == "memory://"
    secret = values["SECRET_KEY"]
    assert len(secret) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_config(tmp_path, environ={})["SECRET_KEY"] == secret


def test_environment_sets_options_with_their_types(tmp_path):
    values = load_config(tmp_path, environ={
        "PORTAL_SECRET_KEY": "1e5", "PORTAL_LOGIN_MAX_FAILURES": "7",
        "PORTAL_RATELIMIT_ENABLED": "false", "PORTAL_SERVICE_HOTLINE": "95598-1"})
    assert values["SECRET_KEY"] == "1e5"
    assert values["LOGIN_MAX_FAILURES"] == 7
    assert values["RATELIMIT_ENABLED"] is False
    assert values["SERVICE_HOTLINE"] == "95598-1"


def test_instance_file_is_read_and_environment_wins(tmp_path):
    (tmp_path / "config.py").write_text('SERVICE_HOTLINE = "1"\nREGULATOR_HOTLINE = "2"\n')
    values = load_config(tmp_path, environ={"PORTAL_SERVICE_HOTLINE": "3"})
    assert (values["SERVICE_HOTLINE"], values["REGULATOR_HOTLINE"]) == ("3", "2")


@pytest.mark.parametrize("url", [
    "not a url", "mysql://root@localhost/x", "postgresql+nodriver://x@localhost/db", "sqlite:/x",
])
def test_malformed_database_url_names_the_option(tmp_path, url):
    with pytest.raises(ConfigError, match="PORTAL_DATABASE_URL"):
        load_config(tmp_path, environ={"PORTAL_DATABASE_URL": url})


def test_bad_number_names_the_option(tmp_path):
    with pytest.raises(ConfigError, match="PORTAL_LOGIN_MAX_DELAY_MINUTES"):
        load_config(tmp_path, environ={"PORTAL_LOGIN_MAX_DELAY_MINUTES": "soon"})


@pytest.mark.parametrize(("name", "value"), [
    ("PORTAL_ENV", "staging"), ("PORTAL_DEFAULT_LOCALE", "fr"), ("PORTAL_TIMEZONE", "Mars/Base"),
    ("PORTAL_RATELIMIT_ENABLED", "maybe"), ("PORTAL_MAX_CONTENT_LENGTH", "-1"),
    ("PORTAL_RATELIMIT_STORAGE_TIMEOUT", "nan"), ("PORTAL_RATELIMIT_STORAGE_TIMEOUT", "inf"),
])
def test_bad_values_name_their_option(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(tmp_path, environ={name: value})


def test_start_up_fails_clearly_on_a_bad_database_url(monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgres://")
    with pytest.raises(ConfigError, match="PORTAL_DATABASE_URL"):
        create_app({"SECRET_KEY": "x"})


def test_readme_documents_every_option():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert options_table() in readme, "paste options_table() into the README"


def test_the_sqlite_database_file_is_readable_only_by_its_owner(tmp_path):
    import stat

    from portal import create_app

    create_app({"SECRET_KEY": "x", "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}"})
    mode = stat.S_IMODE((tmp_path / "portal.sqlite3").stat().st_mode)
    assert mode == 0o600
    load_config(tmp_path, environ={})  # the default file in the instance folder
    assert stat.S_IMODE((tmp_path / "portal.sqlite3").stat().st_mode) == 0o600
    (tmp_path / "portal.sqlite3").chmod(0o644)  # made by an earlier version
    load_config(tmp_path, environ={})
    assert stat.S_IMODE((tmp_path / "portal.sqlite3").stat().st_mode) == 0o600
