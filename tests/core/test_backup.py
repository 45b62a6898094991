"""Backups that restore: the demo data backed up and restored into a new database (SQLite's
online backup, or pg_dump and pg_restore on PostgreSQL) with the same rows in every table and a
transparency log that verifies; refused: a database not empty, a backup of a newer schema, a
file that is not a backup, a file to overwrite."""

from __future__ import annotations

import os
import stat

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from tests.conftest import POSTGRES_URL, TEST_DATA_KEY, reset_database

SETTINGS = {"SECRET_KEY": "backup-secret", "TESTING": True, "LOG_LEVEL": "WARNING",
            "RATELIMIT_ENABLED": False, "PAGE_CACHE_LISTEN": False, "DATA_KEY": TEST_DATA_KEY,
            "CODE_PEPPER": "backup-pepper", "LOG_SIGNING_KEY": "A" * 43 + "="}
OLDER = "609f0b6dfd2d"  # the schema before the duties table


def _app(url):
    return create_app({**SETTINGS, "DATABASE_URL": url})


@pytest.fixture
def target_url(tmp_path):
    """A new, empty database: a second SQLite file, or a second PostgreSQL database."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    url = sa.engine.make_url(POSTGRES_URL)
    name = f"{url.database}_restored"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def source(tmp_path):
    """The portal's own database, migrated (empty of data)."""
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'source.sqlite3'}"
    reset_database(url)
    app = _app(url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _counts(app):
    with app.app_context():
        names = sa.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            return {name: connection.execute(sa.select(sa.func.count()).select_from(
                sa.table(name))).scalar() for name in names}


def test_the_demo_data_backed_up_restores_whole_and_its_log_verifies(source, target_url,
                                                                    tmp_path):
    runner = source.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    file = tmp_path / "portal.backup"
    made = runner.invoke(args=["backup", str(file)])
    assert made.exit_code == 0 and "Backup written" in made.output, made.output
    assert "PORTAL_DATA_KEY" in made.output  # the warning that the secrets are apart
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    restored = _app(target_url)
    done = restored.test_cli_runner().invoke(args=["restore", str(file)])
    assert done.exit_code == 0 and "Restored" in done.output, done.output
    counts = _counts(source)
    assert counts["complaints"] > 100 and counts["transparency_entries"] > 10
    assert _counts(restored) == counts
    verified = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and verified.output.startswith("OK:"), verified.output
    again = restored.test_cli_runner().invoke(args=["restore", str(file)])
    assert again.exit_code == 1 and "not empty" in again.output
    assert _counts(restored) == counts  # nothing changed
    with restored.app_context():
        db.engine.dispose()


def test_a_backup_of_an_older_schema_is_restored_then_upgraded(tmp_path, target_url):
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'old.sqlite3'}"
    reset_database(url)
    old = _app(url)
    with old.app_context():
        upgrade(revision=OLDER)
        db.engine.dispose()
    file = tmp_path / "old.backup"
    assert old.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    restored = _app(target_url)
    done = restored.test_cli_runner().invoke(args=["restore", str(file)])
    assert done.exit_code == 0 and "Upgraded" in done.output, done.output
    with restored.app_context():
        assert "duties" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def _backup(source, tmp_path):
    file = tmp_path / "portal.backup"
    assert source.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    return file


def test_a_backup_of_a_newer_schema_is_refused(source, target_url, tmp_path):
    with source.app_context():  # a version of the portal that came after this one
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
        db.session.commit()
    file = _backup(source, tmp_path)
    restored = _app(target_url)
    done = restored.test_cli_runner().invoke(args=["restore", str(file)])
    assert done.exit_code == 1 and "newer version of the portal" in done.output
    assert _counts(restored) == {}


@pytest.mark.parametrize("content", [b"", b"not a backup at all", b"PGDMP" + b"\0" * 50,
                                     b"SQLite format 3\x00" + b"\xff" * 84])
def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(
        target_url, tmp_path, content):
    file = tmp_path / "odd.backup"
    file.write_bytes(content)
    restored = _app(target_url)
    done = restored.test_cli_runner().invoke(args=["restore", str(file)])
    assert done.exit_code == 1 and "Error:" in done.output, done.output
    assert "Traceback" not in done.output
    assert _counts(restored) == {}


def test_a_missing_file_and_a_cut_backup_are_refused(source, target_url, tmp_path):
    restored = _app(target_url)
    runner = restored.test_cli_runner()
    missing = runner.invoke(args=["restore", str(tmp_path / "nowhere.backup")])
    assert missing.exit_code == 1 and "is not a file" in missing.output
    file = _backup(source, tmp_path)
    cut = tmp_path / "cut.backup"
    cut.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    done = runner.invoke(args=["restore", str(cut)])
    assert done.exit_code == 1 and "Traceback" not in done.output, done.output
    assert _counts(restored) == {}


def test_a_backup_never_overwrites_a_file(source, tmp_path):
    file = tmp_path / "kept.txt"
    file.write_text("someone's notes")
    done = source.test_cli_runner().invoke(args=["backup", str(file)])
    assert done.exit_code == 1 and "exists already" in done.output
    assert file.read_text() == "someone's notes"
    into_nowhere = source.test_cli_runner().invoke(
        args=["backup", str(tmp_path / "no" / "such" / "dir.backup")])
    assert into_nowhere.exit_code == 1 and "is not a directory" in into_nowhere.output


def test_a_database_never_migrated_cannot_be_backed_up(app, runner, tmp_path):
    done = runner.invoke(args=["backup", str(tmp_path / "x.backup")])
    assert done.exit_code == 1 and "no schema version" in done.output
    assert not (tmp_path / "x.backup").exists()


def test_the_secrets_are_written_apart_privately_and_never_over_a_file(source, tmp_path):
    file = tmp_path / "secrets.env"
    done = source.test_cli_runner().invoke(args=["backup-secrets", str(file)])
    assert done.exit_code == 0 and "apart from the" in done.output
    text = file.read_text()
    assert f"PORTAL_DATA_KEY={TEST_DATA_KEY}" in text and "PORTAL_CODE_PEPPER=backup-pepper" in text
    assert "PORTAL_LOG_SIGNING_KEY=" in text and "PORTAL_SECRET_KEY=backup-secret" in text
    assert stat.S_IMODE(os.stat(file).st_mode) == 0o600
    again = source.test_cli_runner().invoke(args=["backup-secrets", str(file)])
    assert again.exit_code == 1 and "exists already" in again.output
    assert file.read_text() == text


def test_odd_backup_paths_are_refused_and_nothing_is_left(source, tmp_path):
    """Found by the fault review: a link that leads nowhere was replaced, a path ending in a
    slash wrote a file, a place that cannot be written gave a traceback."""
    runner = source.test_cli_runner()
    dangling = tmp_path / "dangling.backup"
    dangling.symlink_to(tmp_path / "nowhere")
    done = runner.invoke(args=["backup", str(dangling)])
    assert done.exit_code == 1 and "exists already" in done.output and dangling.is_symlink()
    done = runner.invoke(args=["backup", str(tmp_path / "newdir") + "/"])
    assert done.exit_code == 1 and "is a directory" in done.output
    assert not (tmp_path / "newdir").exists()
    done = runner.invoke(args=["backup", "/proc/portal.backup"])
    assert done.exit_code == 1 and "Traceback" not in done.output, done.output


def test_a_backup_is_private_from_its_first_byte(source, tmp_path, monkeypatch):
    from portal.core import backup

    seen = []
    real = backup._sqlite_backup if source.config["DATABASE_URL"].startswith("sqlite") \
        else backup._pg_dump
    name = real.__name__

    def watch(partial):
        seen.append(stat.S_IMODE(os.stat(partial).st_mode))
        real(partial)
    monkeypatch.setattr(backup, name, watch)
    os.umask(0o022)
    assert source.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    assert seen == [0o600]
