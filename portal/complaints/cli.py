"""``flask --app portal complaints ...``: privacy housekeeping."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.complaints import services, throttle
from portal.core import keys, transactions
from portal.core.models import utcnow

complaints_cli = AppGroup("complaints", help="Complaints: privacy housekeeping.")


@complaints_cli.command("purge-contacts")
def complaints_purge_contacts() -> None:
    """Delete contact details of cases closed longer ago than PORTAL_CONTACT_RETENTION_DAYS,
    files of complaint forms that were never sent and failed look-ups (older than a day)."""
    count = services.purge_contacts(utcnow())
    uploads = services.purge_stale_uploads(utcnow())
    throttled = throttle.purge(utcnow())
    transactions.commit()
    click.echo(f"Contact details deleted from {count} closed cases; {uploads} files of "
               f"unsent forms deleted; {throttled} tracking numbers' old failures forgotten.")


# The commands' old names, kept for scripts written before ``flask --app portal data-key``.
complaints_cli.add_command(keys.new_key, "new-key")
complaints_cli.add_command(keys.rotate_key, "rotate-key")
