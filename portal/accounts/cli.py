"""``flask --app portal users ...``: accounts of staff, committee members and administrators."""

from __future__ import annotations

import getpass
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup

from portal.accounts import services
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core import transactions
from portal.core.models import utcnow
from portal.extensions import db

users_cli = AppGroup("users", help="Accounts of staff, committee members and administrators.")
audit = logging.getLogger("portal.audit")


@contextmanager
def _saved() -> Iterator[None]:
    """Commit what the block changed; on a refusal, roll back and fail with its message."""
    try:
        yield
    except services.AccountError as exc:
        transactions.rollback()
        raise click.ClickException(str(exc.message)) from None
    transactions.commit()


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
    with _saved():
        services.create_user(username, display_name, role, password)
    click.echo(f"Created {username.strip().lower()} ({role}).")
    if generated:
        click.echo(f"Password: {password}")


@users_cli.command("list")
def users_list() -> None:
    """List every account with its role, state, second factor, email and name."""
    now = utcnow()
    click.echo(f"{'USERNAME':<24} {'ROLE':<10} {'STATE':<26} {'2FA':<8} {'EMAIL':<30} NAME")
    for user in db.session.scalars(sa.select(User).order_by(User.username)):
        totp = "totp" if user.totp_enabled else "no-totp"
        click.echo(f"{user.username:<24} {user.role.value:<10} {_state(user, now):<26} "
                   f"{totp:<8} {user.email or '-':<30} {user.display_name}")


def _state(user: User, now: datetime) -> str:
    if user.disabled_at:
        return "disabled"
    if user.throttled_until and user.throttled_until > now:
        return f"waiting until {user.throttled_until:%H:%M:%S} UTC"
    return "active"


@users_cli.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Stop an account from logging in and end its sessions."""
    with _saved():
        services.disable_user(_get_user_or_fail(username), utcnow())
    click.echo(f"Disabled {username}.")


@users_cli.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Let a disabled account log in again, and end a waiting account's wait."""
    with _saved():
        services.enable_user(_get_user_or_fail(username))
    click.echo(f"Enabled {username}.")


@users_cli.command("reset-password")
@click.argument("username")
@click.option("--reset-totp", is_flag=True, help="Also make the owner enrol a new authenticator.")
@click.option("--prompt-password", is_flag=True, help="Type a password instead of generating one.")
def users_reset_password(username: str, reset_totp: bool, prompt_password: bool) -> None:
    """Set a new password, end the account's wait and end its sessions."""
    user = _get_user_or_fail(username)
    password, generated = _password(prompt_password)
    with _saved():
        services.reset_password(user, password, reset_totp=reset_totp)
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
    with _saved():
        services.reset_second_factor(user)
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
    with _saved():
        services.set_email(user, address)
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
