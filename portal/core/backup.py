"""Backups of the database that restore: SQLite through its online backup API, PostgreSQL with
``pg_dump`` in its custom format; ``restore`` only into an empty database, and never a backup
of a schema newer than this code knows.

The secrets (``PORTAL_SECRET_KEY``, ``PORTAL_DATA_KEY``, ``PORTAL_CODE_PEPPER``,
``PORTAL_LOG_SIGNING_KEY``) are not in a backup: contact details are encrypted with the data
key, secret codes hashed with the pepper, checkpoints signed with the signing key. They are
saved apart (``secrets_file``), and kept apart: with both, anyone reads the contacts; without
the secrets, a restored database has lost its contacts and codes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from portal import MIGRATIONS
from portal.extensions import db

SQLITE_HEADER = b"SQLite format 3\x00"
PG_HEADER = b"PGDMP"
SECRETS = ("SECRET_KEY", "DATA_KEY", "CODE_PEPPER", "LOG_SIGNING_KEY")


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why, to an operator."""


@dataclass(frozen=True)
class Made:
    """A backup written: where, of which schema, how big."""

    path: Path
    revision: str
    size: int


def _url() -> sa.engine.URL:
    return db.engine.url


def _is_sqlite(url: sa.engine.URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _revision(connection: sa.Connection) -> str:
    try:
        found = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError as error:
        raise BackupError("This database has no schema version (alembic_version): it was "
                          "not made by `flask --app portal db upgrade`.") from error
    if not found:
        raise BackupError("This database has no schema version (alembic_version is empty).")
    return str(found)


def backup(path: Path) -> Made:
    """Write a backup of the portal's database to ``path`` (which must not exist yet)."""
    if path.is_dir():
        raise BackupError(f"{path} is a directory: name the backup's file.")
    if os.path.lexists(path):  # a link too, even one that leads nowhere
        raise BackupError(f"{path} exists already: a backup never overwrites a file.")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory.")
    with db.engine.connect() as connection:
        revision = _revision(connection)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        # Private from its first byte: made empty with mode 0600, then written into.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if _is_sqlite(_url()):
            _sqlite_backup(partial)
        else:
            _pg_dump(partial)
        os.link(partial, path)  # never over a file that appeared meanwhile (rename would)
    except FileExistsError:
        raise BackupError(f"{path} exists already: a backup never overwrites a file.") from None
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"The backup could not be written to {path} "
                          f"({type(error).__name__}).") from error
    finally:
        partial.unlink(missing_ok=True)
    return Made(path, revision, path.stat().st_size)


def _sqlite_backup(target: Path) -> None:
    source = db.engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        try:
            source.driver_connection.backup(destination)  # type: ignore[union-attr]
        finally:
            destination.close()
    finally:
        source.close()


def _libpq(url: sa.engine.URL) -> tuple[list[str], dict[str, str]]:
    """The connection arguments of ``pg_dump`` and ``pg_restore`` for ``url``, and their
    environment (the password goes there, never on a command line)."""
    arguments = [f"--dbname={url.database}"]
    for flag, value in (("--host", url.host), ("--port", url.port),
                        ("--username", url.username)):
        if value:
            arguments.append(f"{flag}={value}")
    environment = {**os.environ}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    for key, option in url.query.items():  # sslmode=require and the like
        if key.startswith("ssl") and isinstance(option, str):
            environment["PG" + key.upper()] = option
    return arguments, environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install "
                          "postgresql-client, of the server's major version or later).")
    return found


def _run(command: list[str], environment: dict[str, str], what: str) -> str:
    # The tools found by shutil.which, arguments the portal makes (no shell).
    done = subprocess.run(command, env=environment, capture_output=True, text=True,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-5:]
        raise BackupError(f"{what} failed (exit {done.returncode}): " + " / ".join(said))
    return done.stdout


def _pg_dump(target: Path) -> None:
    arguments, environment = _libpq(_url())
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}", *arguments], environment, "pg_dump")


def backup_kind(path: Path) -> str:
    """``sqlite`` or ``postgresql``: which kind of backup ``path`` is."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    if head.startswith(PG_HEADER):
        return "postgresql"
    raise BackupError(f"{path} is not a backup of the portal (neither an SQLite database nor "
                      "a pg_dump archive in its custom format).")


def backup_revision(path: Path) -> str:
    """The schema version a backup was made at."""
    if backup_kind(path) == "sqlite":
        return _sqlite_revision(path)
    listing = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-",
                    str(path)], {**os.environ}, "pg_restore (reading the schema version)")
    lines = listing.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            value = lines[number + 1].strip()
            if value and value != "\\.":
                return value
    raise BackupError(f"{path} holds no schema version (alembic_version): it is not a backup "
                      "made by `flask --app portal backup`.")


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _sqlite_revision(path: Path) -> str:
    try:
        connection = _read_only(path)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.OperationalError:  # no such table
        row = None
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} cannot be read as an SQLite database (damaged or "
                          "cut short).") from error
    if not row or not row[0]:
        raise BackupError(f"{path} holds no schema version (alembic_version): it is not a "
                          "backup made by `flask --app portal backup`.")
    return str(row[0])


def _check_revision(revision: str) -> bool:
    """Whether the backup's schema is older than this code's (True: upgrade after); raises if
    this code does not know it (a newer schema)."""
    from alembic.script import ScriptDirectory  # here: web workers never load Alembic

    scripts = ScriptDirectory(str(MIGRATIONS))
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise BackupError(f"The backup's schema ({revision}) is not one this code knows: it "
                          "was made by a newer version of the portal. Restore it with that "
                          "version (or a later one).")
    return revision != scripts.get_current_head()


def _tables(connection: sa.Connection) -> list[str]:
    return sa.inspect(connection).get_table_names()


def restore(path: Path) -> tuple[str, bool]:
    """Restore ``path`` into the portal's database, which must be empty; the backup's schema
    version, and whether it is older than this code's (then the caller upgrades)."""
    kind = backup_kind(path)
    url = _url()
    if kind != url.get_backend_name():
        raise BackupError(f"{path} is a backup of {kind}; PORTAL_DATABASE_URL is "
                          f"{url.get_backend_name()}. Restore it into a database of its kind.")
    revision = backup_revision(path)
    older = _check_revision(revision)
    with db.engine.connect() as connection:
        present = _tables(connection)
    if present:
        raise BackupError(f"The database is not empty ({len(present)} tables, e.g. "
                          f"{', '.join(sorted(present)[:3])}): restore only into a new, empty "
                          "database. Nothing was changed.")
    if kind == "sqlite":
        _sqlite_restore(path)
    else:
        arguments, environment = _libpq(url)
        _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", *arguments, str(path)], environment, "pg_restore")
    db.engine.dispose()
    return revision, older


def _sqlite_restore(path: Path) -> None:
    source = _read_only(path)
    try:
        try:
            checked = source.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError:
            checked = None
        if checked != ("ok",):
            raise BackupError(f"{path} is damaged (SQLite's quick_check failed). Nothing was "
                              "changed.")
        target = db.engine.raw_connection()
        try:
            source.backup(target.driver_connection)  # type: ignore[arg-type]
        finally:
            target.close()
    finally:
        source.close()


def secrets_file(path: Path) -> list[str]:
    """Write the instance's secrets to ``path`` (mode 0600, never over a file), one
    ``PORTAL_NAME=value`` a line; the names written."""
    config = current_app.config
    lines = [f"PORTAL_{name}={config[name]}" for name in SECRETS if config.get(name)]
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} exists already: secrets are never written over a "
                          "file.") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("# The portal's secrets. Keep this file apart from the database backups "
                     "(a safe, offline).\n" + "\n".join(lines) + "\n")
    return [line.split("=", 1)[0] for line in lines]
