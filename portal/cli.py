"""Command-line groups: ``flask --app portal demo|users ...``."""

from __future__ import annotations

import getpass
import json
import logging
import os
from pathlib import Path

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.accounts import services
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.complaints import services as complaint_services
from portal.complaints import throttle
from portal.core import protection
from portal.core.models import utcnow
from portal.demo.loader import RealDataError, load_demo_data
from portal.extensions import db
from portal.fees.exchange import ExchangeError, export_data, import_text
from portal.fees.models import Tariff
from portal.fees.services import fee_items

demo_cli = AppGroup("demo", help="Fictitious demo data.")
fees_cli = AppGroup("fees", help="Fee standards: import and export in the JSON exchange format.")
complaints_cli = AppGroup("complaints", help="Complaints: privacy housekeeping.")
audit = logging.getLogger("portal.audit")
users_cli = AppGroup("users", help="Accounts of staff, committee members and administrators.")


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


def _get_user_or_fail(username: str) -> User:
    user = services.get_user(username)
    if user is None:
        raise click.ClickException(f"No account named {username!r}.")
    return user


def _password(prompt: bool) -> tuple[str, bool]:
    if prompt:
        return click.prompt("Password", hide_input=True, confirmation_prompt=True), False
    return services.generate_password(), True


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--name", "display_name", default="", help="Name shown in the portal.")
@click.option("--prompt-password", is_flag=True, help="Type a password instead of generating one.")
def users_create(username: str, role: str, display_name: str, prompt_password: bool) -> None:
    """Create an account; its owner sets up a one-time-password app at first login."""
    password, generated = _password(prompt_password)
    try:
        services.create_user(username, display_name, role, password)
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"Created {username.strip().lower()} ({role}).")
    if generated:
        click.echo(f"Password: {password}")


@users_cli.command("list")
def users_list() -> None:
    """List every account with its role, state, second factor, email and name."""
    now = utcnow()
    click.echo(f"{'USERNAME':<24} {'ROLE':<10} {'STATE':<26} {'2FA':<8} {'EMAIL':<30} NAME")
    for user in db.session.scalars(sa.select(User).order_by(User.username)):
        if user.disabled_at:
            state = "disabled"
        elif user.throttled_until and user.throttled_until > now:
            state = f"waiting until {user.throttled_until:%H:%M:%S} UTC"
        else:
            state = "active"
        totp = "totp" if user.totp_enabled else "no-totp"
        click.echo(f"{user.username:<24} {user.role.value:<10} {state:<26} {totp:<8} "
                   f"{user.email or '-':<30} {user.display_name}")


@users_cli.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Stop an account from logging in and end its sessions."""
    services.disable_user(_get_user_or_fail(username), utcnow())
    db.session.commit()
    click.echo(f"Disabled {username}.")


@users_cli.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Let a disabled account log in again, and end a waiting account's wait."""
    services.enable_user(_get_user_or_fail(username))
    db.session.commit()
    click.echo(f"Enabled {username}.")


@users_cli.command("reset-password")
@click.argument("username")
@click.option("--reset-totp", is_flag=True, help="Also make the owner enrol a new authenticator.")
@click.option("--prompt-password", is_flag=True, help="Type a password instead of generating one.")
def users_reset_password(username: str, reset_totp: bool, prompt_password: bool) -> None:
    """Set a new password, end the account's wait and end its sessions."""
    user = _get_user_or_fail(username)
    password, generated = _password(prompt_password)
    try:
        services.reset_password(user, password, reset_totp=reset_totp)
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    audit.warning("password%s reset for account %s (id %s) by %s",
                  " and second factor" if reset_totp else "", user.username, user.id,
                  _operator())
    click.echo(f"Password of {user.username} reset." + (" TOTP reset." if reset_totp else ""))
    if generated:
        click.echo(f"Password: {password}")


@users_cli.command("reset-totp")
@click.argument("username")
def users_reset_totp(username: str) -> None:
    """Make the owner enrol a new authenticator at next login (a lost phone); ends sessions."""
    user = _get_user_or_fail(username)
    services.reset_second_factor(user)
    db.session.commit()
    audit.warning("second factor reset for account %s (id %s) by %s", user.username, user.id,
                  _operator())
    click.echo(f"Second factor of {user.username} reset: it enrols a new authenticator at its "
               "next login.")


@users_cli.command("set-email")
@click.argument("username")
@click.argument("email", required=False, default="")
def users_set_email(username: str, email: str) -> None:
    """Set (or, without EMAIL, remove) the address that hears of repeated failed logins."""
    user = _get_user_or_fail(username)
    try:
        address = (validate_email(email.strip(), check_deliverability=False).normalized
                   if email.strip() else None)
    except EmailNotValidError as exc:
        raise click.ClickException(f"Not an email address: {exc}") from None
    services.set_email(user, address)
    db.session.commit()
    click.echo(f"Email of {user.username}: {address or '(none)'}.")


def _operator() -> str:
    """Who ran the command, as the operating system knows them (for the audit log)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "an unknown operator"


@users_cli.command("totp")
@click.argument("username")
def users_totp(username: str) -> None:
    """Print the account's current one-time code (for a newcomer without an authenticator)."""
    user = _get_user_or_fail(username)
    try:
        code = services.current_totp(user, utcnow())
    except services.AccountError:
        raise click.ClickException(f"{user.username} has not set up one-time codes yet: the "
                                   "setup page at its first login shows the QR code.") from None
    click.echo(code)


@fees_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def fees_import(file: Path) -> None:
    """Import tariffs and fee items from FILE; all or nothing."""
    try:
        counts = import_text(file.read_text(encoding="utf-8"), file.name, None, utcnow())
    except (ExchangeError, UnicodeDecodeError) as exc:
        db.session.rollback()
        raise click.ClickException(f"Nothing was imported. {exc}") from None
    db.session.commit()
    click.echo(f"Imported {counts['tariffs']} tariffs ({counts['versions_created']} new versions, "
               f"{counts['versions_published']} published) and {counts['fee_items']} fee items.")


@fees_cli.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--published-only", is_flag=True, help="Leave out drafts.")
def fees_export(output: Path | None, published_only: bool) -> None:
    """Export every tariff and fee item in the format that import reads."""
    tariffs = list(db.session.scalars(sa.select(Tariff).order_by(Tariff.code)))
    data = export_data(tariffs, fee_items(), include_drafts=not published_only)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")


@complaints_cli.command("purge-contacts")
def complaints_purge_contacts() -> None:
    """Delete contact details of cases closed longer ago than PORTAL_CONTACT_RETENTION_DAYS,
    files of complaint forms that were never sent and failed look-ups (older than a day)."""
    count = complaint_services.purge_contacts(utcnow())
    uploads = complaint_services.purge_stale_uploads(utcnow())
    throttled = throttle.purge(utcnow())
    db.session.commit()
    click.echo(f"Contact details deleted from {count} closed cases; {uploads} files of "
               f"unsent forms deleted; {throttled} tracking numbers' old failures forgotten.")


@complaints_cli.command("new-key")
def complaints_new_key() -> None:
    """Print a new data key (put it first in PORTAL_DATA_KEY, then run rotate-key)."""
    click.echo(protection.new_key())


@complaints_cli.command("rotate-key")
def complaints_rotate_key() -> None:
    """Re-encrypt contact details and second-factor secrets with PORTAL_DATA_KEY's first key."""
    try:
        count = complaint_services.rotate_data_key() + services.rotate_secrets()
    except protection.InvalidToken:
        db.session.rollback()
        raise click.ClickException("A stored value fits none of the keys in PORTAL_DATA_KEY; "
                                   "nothing was changed. Keep the old key in the list.") from None
    db.session.commit()
    click.echo(f"Re-encrypted {count} values with the newest key.")


def init_app(app: Flask) -> None:
    """Register the groups on the app's CLI."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(fees_cli)
    app.cli.add_command(complaints_cli)
    app.cli.add_command(users_cli)
