"""``flask --app portal backup FILE``, ``restore FILE`` and ``backup-secrets FILE``."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.core import backup

WARNING = ("The secrets are not in this backup. Without PORTAL_DATA_KEY, PORTAL_CODE_PEPPER and "
           "PORTAL_LOG_SIGNING_KEY, a restored database has lost its contact details, its secret "
           "codes and its signing key: save them with `flask --app portal backup-secrets FILE`, "
           "once and after each change, and keep that file apart from the backups.")


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


@click.command("backup")
@click.argument("file")
@with_appcontext
def backup_command(file: str) -> None:
    """Write a backup of the database to FILE (SQLite: its online backup; PostgreSQL:
    pg_dump's custom format). Never overwrites a file."""
    if file.endswith(("/", os.sep)):
        raise click.ClickException(f"{file} is a directory: name the backup's file.")
    try:
        made = backup.backup(_path(file))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written: {made.path} ({made.size:,} bytes, schema {made.revision}).")
    click.echo(WARNING, err=True)


@click.command("restore")
@click.argument("file")
@with_appcontext
def restore_command(file: str) -> None:
    """Restore the backup FILE into the database of PORTAL_DATABASE_URL, which must be empty;
    a backup of an older schema is then upgraded."""
    try:
        revision, older = backup.restore(_path(file))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {file} (schema {revision}).")
    if older:
        from flask_migrate import upgrade

        try:
            upgrade()
        except Exception as error:
            raise click.ClickException(
                f"The backup was restored but could not be upgraded to this version's schema "
                f"({type(error).__name__}). Restore it again into a new, empty database with "
                "the version that made it, or find the cause and run `flask --app portal db "
                "upgrade`.") from None
        click.echo("Upgraded to this version's schema.")
    click.echo("Check it with `flask --app portal audit verify`; the secrets must be those of "
               "the backed-up portal (`backup-secrets`).")


@click.command("backup-secrets")
@click.argument("file")
@with_appcontext
def backup_secrets_command(file: str) -> None:
    """Write the instance's secrets to FILE (mode 0600, never over a file), to keep apart
    from the database backups."""
    try:
        names = backup.secrets_file(_path(file))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Secrets written to {file}: {', '.join(names)}. Keep this file apart from the "
               "database backups (a safe, offline): with both, anyone reads the contact details.")
