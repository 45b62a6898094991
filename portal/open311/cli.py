"""``flask --app portal apikeys create|list|revoke NAME``: the partner channels' keys."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.core import transactions
from portal.core.models import utcnow
from portal.open311 import keys

apikeys_cli = AppGroup("apikeys", help="Open311: the partner channels' API keys.")


@apikeys_cli.command("create")
@click.argument("name")
@click.option("--owner", required=True, help="Who holds the key (an organisation).")
@click.option("--channel", required=True,
              help="How staff and the statistics name the channel, e.g. \"12345 市民热线\".")
@click.option("--rate-limit", default=None,
              help="Requests allowed, e.g. \"60 per minute;1000 per day\" (default: "
                   "PORTAL_OPEN311_KEY_LIMIT).")
def create(name: str, owner: str, channel: str, rate_limit: str | None) -> None:
    """Make a key for a partner channel; the key is printed this once and never stored."""
    try:
        row, key = keys.create(name, owner, channel, utcnow(), rate_limit)
    except keys.ApiKeyError as error:
        with force_locale("en"):  # as the commands' other messages
            raise click.ClickException(str(error.message)) from None
    transactions.commit()
    click.echo(f"Key for {row.name} ({row.channel}), shown this once; give it to "
               f"{row.owner} over a safe channel:")
    click.echo(key)


@apikeys_cli.command("list")
def list_keys() -> None:
    """Every key: name, channel, owner, created, last used, requests, complaints filed."""
    rows = keys.usage()
    if not rows:
        click.echo("No keys yet.")
    for usage in rows:
        key = usage.key
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}Z" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}Z" if key.last_used_at else "never"
        click.echo(f"{key.name}\t{key.prefix}…\t{key.channel}\t{key.owner}\t"
                   f"created {key.created_at:%Y-%m-%d}\tlast used {used}\t"
                   f"requests: {key.requests}\tcomplaints filed: {usage.filed}\t{state}")


@apikeys_cli.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke a key: requests with it are refused at once (403)."""
    key = keys.by_name(name)
    if key is None:
        raise click.ClickException(f"No key named {name!r}.")
    if not keys.revoke(key, utcnow()):
        click.echo(f"{name} was revoked before, on {key.revoked_at:%Y-%m-%d}.")
        return
    transactions.commit()
    click.echo(f"{name} is revoked.")
