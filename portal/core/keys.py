"""``flask --app portal data-key new|rotate``: the key that encrypts personal data at rest.

Each domain that encrypts values with ``core.protection`` registers a function that
re-encrypts its values with the newest key (``domains.add_key_rotation``).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core import domains, protection, transactions

data_key_cli = AppGroup("data-key", help="The key that encrypts personal data at rest.")


@data_key_cli.command("new")
def new_key() -> None:
    """Print a new data key (put it first in PORTAL_DATA_KEY, then run rotate)."""
    click.echo(protection.new_key())


@data_key_cli.command("rotate")
def rotate_key() -> None:
    """Re-encrypt every encrypted value (contact details, second-factor secrets) with
    PORTAL_DATA_KEY's first key."""
    try:
        count = sum(rotate() for rotate in domains.registry().key_rotations)
    except protection.InvalidToken:
        transactions.rollback()
        raise click.ClickException("A stored value fits none of the keys in PORTAL_DATA_KEY; "
                                   "nothing was changed. Keep the old key in the list.") from None
    transactions.commit()
    click.echo(f"Re-encrypted {count} values with the newest key.")
