"""``flask --app portal demo load`` and ``demo reset``: fictitious demo data."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.engine import make_url

from portal.demo.loader import RealDataError, load_demo_data, reset_demo_data

demo_cli = AppGroup("demo", help="Fictitious demo data.")
ACCOUNTS_FILE = "demo-accounts.txt"


@demo_cli.command("load")
@click.option("--skip-if-real", is_flag=True,
              help="Exit quietly (status 0) instead of failing when the database holds real data.")
def demo_load(skip_if_real: bool) -> None:
    """Fill an empty (or demo) database with fictitious demo data; never touch real data."""
    try:
        lines = load_demo_data()
    except RealDataError as exc:
        if skip_if_real:
            click.echo(f"Demo data not loaded: {exc}")
            return
        raise click.ClickException(str(exc)) from None
    if not lines:
        click.echo("Demo data is already loaded.")
        return
    text = "\n".join(lines)
    click.echo(text)
    _save_private(Path(current_app.instance_path) / ACCOUNTS_FILE, text + "\n")


@demo_cli.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def demo_reset(yes: bool) -> None:
    """Delete everything in a demo database and load the demo data afresh, dated from now.

    Refuses a database with real data. Accounts and cases added by hand to the demo database
    are deleted too; the demo accounts get new passwords.
    """
    if not yes:
        click.confirm("Delete everything in this demo database and load the demo data again?",
                      abort=True)
    try:
        lines = reset_demo_data()
    except RealDataError as exc:
        raise click.ClickException(str(exc)) from None
    text = "\n".join(lines)
    click.echo(text)
    _save_private(Path(current_app.instance_path) / ACCOUNTS_FILE, text + "\n", append=False)
    click.echo("Restart a running server: it may have cached pages of the old data.")


def _save_private(path: Path, text: str, append: bool = True) -> None:
    """Keep the demo passwords for the newcomer, readable only by the owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    # Several databases may share an instance folder: say which one these lines are for.
    database = make_url(str(current_app.config["DATABASE_URL"])).render_as_string(
        hide_password=True)
    with os.fdopen(fd, "a" if append else "w", encoding="utf-8") as handle:
        handle.write(f"--- {database}\n{text}")
    click.echo(f"(Also written to {path}.)")
