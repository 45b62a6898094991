"""``flask --app portal audit verify|backfill``: check the transparency log, or record what was
published before it existed."""

from __future__ import annotations

import base64
from datetime import datetime

import click
from flask.cli import AppGroup

from portal.core import duties, transactions
from portal.transparency import audit

audit_cli = AppGroup("audit", help="The transparency log of everything published.")


def _verified() -> str:
    """What ``audit.verify`` found, in a line; raises ``audit.AuditError``."""
    summary = audit.verify()
    return (f"OK: {summary.entries} entries, {summary.checkpoints} signed checkpoint(s) and "
            f"{summary.records} published records match; root "
            f"{base64.b64encode(summary.root).decode()}")


@audit_cli.command("verify")
def verify() -> None:
    """Check every entry, checkpoint and published record; exit 1 at the first mismatch."""
    try:
        said = _verified()
    except audit.AuditError as error:
        transactions.rollback()
        raise click.ClickException(f"MISMATCH: {error}") from None
    transactions.rollback()
    click.echo(said)


@duties.duty("audit-verify", schedule="daily 02:00")
def verify_duty(_now: datetime) -> str:
    """``audit verify`` as a nightly duty: a mismatch fails it (exit 1, recorded)."""
    try:
        return _verified()
    except audit.AuditError as error:
        raise duties.Refused(f"MISMATCH: {error}") from None


@audit_cli.command("backfill")
def backfill() -> None:
    """Record, oldest first, every published record that has no entry yet (run once)."""
    count = audit.backfill()
    transactions.commit()
    click.echo(f"Recorded {count} published records that had no entry.")
