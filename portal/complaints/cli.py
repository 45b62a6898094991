"""``flask --app portal complaints ...``: privacy housekeeping."""

from __future__ import annotations

from flask.cli import AppGroup

from portal.core import keys
from portal.core.duties_cli import run_and_tell

complaints_cli = AppGroup("complaints", help="Complaints: privacy housekeeping.")


@complaints_cli.command("purge-contacts")
def complaints_purge_contacts() -> None:
    """Delete contact details of cases closed longer ago than PORTAL_CONTACT_RETENTION_DAYS,
    files of complaint forms that were never sent and failed look-ups (older than a day): the
    duty ``purge-contacts``."""
    run_and_tell("purge-contacts")


# The commands' old names, kept for scripts written before ``flask --app portal data-key``.
complaints_cli.add_command(keys.new_key, "new-key")
complaints_cli.add_command(keys.rotate_key, "rotate-key")
