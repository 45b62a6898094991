"""Account rules: passwords, lockout, second factor. Services flush; the caller commits."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core.errors import DomainError
from portal.extensions import db

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
TOTP_ISSUER = "Open Power Service"
TOTP_STEP_SECONDS = 30

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that timing does not reveal which exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(DomainError):
    """Base of account errors; ``message`` is translated for the person."""

    message = _l("The account could not be changed.")


class LoginFailedError(AccountError):
    """Wrong username or password, or a disabled account (deliberately not told apart)."""

    message = _l("The username or password is not correct.")


class AccountLockedError(AccountError):
    """Too many failed attempts; the account is locked until ``until``."""

    message = _l("Too many failed attempts. This account is locked for a while; please try "
                 "again later.")

    def __init__(self, until: datetime) -> None:
        super().__init__()
        self.until = until


class InvalidCodeError(AccountError):
    """The one-time code is wrong, expired or already used."""

    message = _l("The code is not correct or has already been used. Enter the current "
                 "6-digit code from your authenticator app.")


class UsernameTakenError(AccountError):
    """Another account already has this username."""

    message = _l("This username is already taken.")


class InvalidUsernameError(AccountError):
    """The username does not fit the pattern."""

    message = _l("A username has 2 to 64 characters: lowercase letters, digits, dot, dash or "
                 "underscore, starting with a letter or digit.")


class WeakPasswordError(AccountError):
    """The password is too short or too long."""

    message = _l("A password needs at least 12 and at most 256 characters.")


def hash_password(password: str) -> str:
    """An argon2id hash of a password that meets the length rule."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise WeakPasswordError()
    return _hasher.hash(password)


def _password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def get_user(username: str) -> User | None:
    """The account with this username (case-insensitive), or None."""
    return db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))


def create_user(username: str, display_name: str, role: Role | str, password: str) -> User:
    """Create an account that must set up its second factor at first login."""
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidUsernameError()
    if get_user(username) is not None:
        raise UsernameTakenError()
    user = User(username=username, display_name=display_name.strip() or username,
                role=Role(role), password_hash=hash_password(password),
                session_token=secrets.token_hex(16), failed_logins=0)
    db.session.add(user)
    db.session.flush()
    return user


def _record_failure(user: User, now: datetime, max_failures: int, lock_minutes: int) -> None:
    user.failed_logins += 1
    if user.failed_logins >= max_failures:
        user.locked_until = now + timedelta(minutes=lock_minutes)
        user.failed_logins = 0
    db.session.flush()


def _ensure_not_locked(user: User, now: datetime) -> None:
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLockedError(user.locked_until)


def check_password(username: str, password: str, now: datetime, *,
                   max_failures: int, lock_minutes: int) -> User:
    """First login step. Counts failures and locks the account after ``max_failures``."""
    user = get_user(username)
    if user is None:
        _password_matches(_DUMMY_HASH, password)
        raise LoginFailedError()
    _ensure_not_locked(user, now)
    if not _password_matches(user.password_hash, password) or not user.is_active:
        _record_failure(user, now, max_failures, lock_minutes)
        raise LoginFailedError()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    db.session.flush()
    return user


def ensure_totp_secret(user: User) -> str:
    """The secret to enrol in an authenticator app; a new one unless already confirmed."""
    if user.totp_secret is None or not user.totp_enabled:
        user.totp_secret = user.totp_secret or pyotp.random_base32()
        db.session.flush()
    return user.totp_secret


def totp_uri(user: User) -> str:
    """The otpauth:// URI that authenticator apps read from the QR code."""
    return pyotp.TOTP(ensure_totp_secret(user)).provisioning_uri(
        name=user.username, issuer_name=TOTP_ISSUER)


def current_totp(user: User, now: datetime) -> str:
    """The code an authenticator would show now (for the CLI and tests)."""
    return str(pyotp.TOTP(ensure_totp_secret(user)).at(now))


def check_totp(user: User, code: str, now: datetime, *,
               max_failures: int, lock_minutes: int) -> None:
    """Second login step: accept the current code (one step of clock drift), once only.

    A code that is wrong or was used before counts as a failed attempt; the first correct
    code confirms a new enrolment.
    """
    _ensure_not_locked(user, now)
    secret = ensure_totp_secret(user)
    totp = pyotp.TOTP(secret)
    digits = re.sub(r"\s+", "", code or "")
    counter_now = totp.timecode(now)
    matched = None
    for offset in (0, -1, 1):
        candidate = counter_now + offset
        if secrets.compare_digest(totp.generate_otp(candidate), digits):
            matched = candidate
            break
    if matched is None or (user.totp_last_counter is not None
                           and matched <= user.totp_last_counter):
        _record_failure(user, now, max_failures, lock_minutes)
        raise InvalidCodeError()
    user.totp_last_counter = matched
    if user.totp_confirmed_at is None:
        user.totp_confirmed_at = now
    user.failed_logins = 0
    user.last_login_at = now
    db.session.flush()


def reset_password(user: User, password: str, *, reset_totp: bool = False) -> None:
    """Set a new password, unlock the account and end all its sessions."""
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    user.failed_logins = 0
    user.locked_until = None
    if reset_totp:
        user.totp_secret = None
        user.totp_confirmed_at = None
        user.totp_last_counter = None
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password after proving the current one."""
    if not _password_matches(user.password_hash, current):
        raise LoginFailedError()
    reset_password(user, new)


def disable_user(user: User, now: datetime) -> None:
    """Stop an account from logging in and end its sessions."""
    user.disabled_at = now
    user.session_token = secrets.token_hex(16)
    db.session.flush()


def enable_user(user: User) -> None:
    """Let a disabled account log in again."""
    user.disabled_at = None
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def generate_password() -> str:
    """A random password of 20 characters for new and demo accounts."""
    return secrets.token_urlsafe(15)
