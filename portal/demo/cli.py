"""``flask --app portal demo load``: fictitious demo data."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.demo.loader import RealDataError, load_demo_data

demo_cli = AppGroup("demo", help="Fictitious demo data.")


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
    _save_private(Path(current_app.instance_path) / "demo-accounts.txt", text + "\n")


def _save_private(path: Path, text: str) -> None:
    """Keep the demo passwords for the newcomer, readable only by the owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"(Also written to {path}.)")
