"""``flask --app portal audit verify|backfill``: check the transparency log, or record what was
published before it existed."""

from __future__ import annotations

import base64

import click
from flask.cli import AppGroup

from portal.core import transactions
from portal.transparency import audit

audit_cli = AppGroup("audit", help="The transparency log of everything published.")


@audit_cli.command("verify")
def verify() -> None:
    """Check every entry, checkpoint and published record; exit 1 at the first mismatch."""
    try:
        summary = audit.verify()
    except audit.AuditError as error:
        transactions.rollback()
        raise click.ClickException(f"MISMATCH: {error}") from None
    transactions.rollback()
    click.echo(f"OK: {summary.entries} entries, {summary.checkpoints} signed checkpoint(s) and "
               f"{summary.records} published records match; root "
               f"{base64.b64encode(summary.root).decode()}")


@audit_cli.command("backfill")
def backfill() -> None:
    """Record, oldest first, every published record that has no entry yet (run once)."""
    count = audit.backfill()
    transactions.commit()
    click.echo(f"Recorded {count} published records that had no entry.")
