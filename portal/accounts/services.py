"""Account rules: passwords, lockout, second factor. Services flush; the caller commits."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core import protection
from portal.core.errors import DomainError
from portal.extensions import db

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
TOTP_ISSUER = "Open Power Service"

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that timing does not reveal which exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(DomainError):
    """Base of account errors; ``message`` is translated for the person."""

    message = _l("The account could not be changed.")


class LoginFailedError(AccountError):
    """Wrong username or password, a disabled or a waiting account: deliberately alike."""

    message = _l("The username or password is not correct. After repeated failed attempts an "
                 "account also waits a while (30 seconds at first, longer after each further "
                 "failure) before it accepts a login.")

    def __init__(self, throttle_started: User | None = None) -> None:
        super().__init__()
        # The account whose owner should hear that its waits began (sent after the commit).
        self.throttle_started = throttle_started


class AccountThrottledError(AccountError):
    """Too many failed codes: the account waits until ``until`` (told only after the password)."""

    message = _l("Too many failed attempts. This account accepts a new attempt in a while; "
                 "please try again then.")

    def __init__(self, until: datetime) -> None:
        super().__init__()
        self.until = until


class NotEnrolledError(AccountError):
    """The account has not set up its one-time codes yet."""

    message = _l("This account has not set up its one-time codes yet.")


class InvalidCodeError(AccountError):
    """The one-time code is wrong, expired or already used."""

    throttle_started: User | None = None
    # Set when this failure makes the account wait (the person already proved the password).
    until: datetime | None = None

    message = _l("The code is not correct or has already been used. Enter the current "
                 "6-digit code from your authenticator app.")


class WrongPasswordError(AccountError):
    """The current password given to change it is wrong."""

    message = _l("The current password is not correct.")


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


@dataclass(frozen=True)
class Throttle:
    """How failed attempts slow an account down: free failures, then doubling waits."""

    free_failures: int = 5
    max_delay: timedelta = timedelta(minutes=15)
    first_delay: timedelta = timedelta(seconds=30)
    forget_after: timedelta = timedelta(hours=24)

    def delay(self, failures: int) -> timedelta:
        """The wait after ``failures`` failures in a row (zero below the free ones)."""
        if failures < self.free_failures:
            return timedelta(0)
        doublings = min(failures - self.free_failures, 20)
        return min(self.first_delay * (1 << doublings), self.max_delay)


def _wait_until(user: User, now: datetime) -> datetime | None:
    """When the account's wait after failed attempts ends, if it is waiting now."""
    until = user.throttled_until
    return until if until is not None and until > now else None


def _record_failure(user: User, now: datetime, throttle: Throttle) -> bool:
    """Count a failure; True when this failure starts the account's first wait."""
    if user.last_failed_at is not None and now - user.last_failed_at > throttle.forget_after:
        user.failed_logins = 0
    user.failed_logins += 1
    user.last_failed_at = now
    delay = throttle.delay(user.failed_logins)
    if delay:
        user.throttled_until = now + delay
    db.session.flush()
    return user.failed_logins == throttle.free_failures


def _record_success(user: User, now: datetime) -> None:
    user.failed_logins = 0
    user.throttled_until = None
    user.last_login_at = now


def check_password(username: str, password: str, now: datetime, throttle: Throttle) -> User:
    """First login step, with the same work for unknown, waiting and known accounts.

    A failure raises LoginFailedError with the same message whatever the cause; an attempt
    while the account waits is refused without counting, so waits grow only with failures.
    The error's ``throttle_started`` names an account whose owner should hear of it.
    """
    user = get_user(username)
    matches = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or _wait_until(user, now):
        raise LoginFailedError()
    if not matches or not user.is_active:
        started = _record_failure(user, now, throttle)
        raise LoginFailedError(throttle_started=user if started else None)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    db.session.flush()
    return user


def _new_session_token(user: User) -> None:
    """Ends every session of the account: sessions carry the token they were opened with."""
    user.session_token = secrets.token_hex(16)


def new_totp_secret() -> str:
    """A fresh secret for one enrolment attempt; kept by that attempt only, and stored with the
    account only once a code from it is confirmed, so that someone who knows the password
    cannot read the secret that the owner will later enrol."""
    return pyotp.random_base32()


def enrol(user: User, secret: str | None = None) -> str:
    """Store a confirmed secret directly (demo accounts, tests); returns it."""
    secret = secret or new_totp_secret()
    user.totp_secret = protection.encrypt(secret)
    user.totp_confirmed_at = user.totp_confirmed_at or datetime.now(UTC)
    db.session.flush()
    return secret


def _secret(user: User) -> str:
    secret = protection.decrypt(user.totp_secret)
    if secret is None:
        raise AccountError()
    return secret


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// URI that authenticator apps read from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def current_totp(user: User, now: datetime) -> str:
    """The code an enrolled account's authenticator shows now (for the CLI and tests)."""
    if not user.totp_enabled:
        raise NotEnrolledError()
    return str(pyotp.TOTP(_secret(user)).at(now))


def _matching_counter(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    # NFKC: an input method in full-width mode types １２３４５６; only ASCII digits compare.
    digits = re.sub(r"\s+", "", unicodedata.normalize("NFKC", code))
    if not re.fullmatch(r"[0-9]{6}", digits):
        return None
    counter_now = totp.timecode(now)
    for offset in (0, -1, 1):
        if secrets.compare_digest(totp.generate_otp(counter_now + offset), digits):
            return counter_now + offset
    return None


def check_totp(user: User, code: str, now: datetime, throttle: Throttle,
               enrolling: str | None = None) -> None:
    """Second login step: accept the current code (one step of clock drift), once only.

    An account that is not enrolled yet checks the code against ``enrolling``, the secret its
    setup page showed, and stores it when the code matches. A code that is wrong or was used
    before counts as a failed attempt; the error's ``throttle_started`` is set as for passwords.
    """
    waiting = _wait_until(user, now)
    if waiting is not None:
        raise AccountThrottledError(waiting)
    secret = _secret(user) if user.totp_enabled else enrolling
    matched = _matching_counter(secret, code, now) if secret else None
    if matched is None or (user.totp_last_counter is not None
                           and matched <= user.totp_last_counter):
        started = _record_failure(user, now, throttle)
        error = InvalidCodeError()
        error.throttle_started = user if started else None
        error.until = _wait_until(user, now)
        raise error
    user.totp_last_counter = matched
    if not user.totp_enabled and secret is not None:
        user.totp_secret = protection.encrypt(secret)
        user.totp_confirmed_at = now
    _record_success(user, now)
    db.session.flush()


def _unlock(user: User) -> None:
    user.failed_logins = 0
    user.throttled_until = None
    user.last_failed_at = None


def reset_password(user: User, password: str, *, reset_totp: bool = False) -> None:
    """Set a new password, end the account's waits and all its sessions."""
    user.password_hash = hash_password(password)
    _new_session_token(user)
    _unlock(user)
    if reset_totp:
        reset_second_factor(user)
    db.session.flush()


def reset_second_factor(user: User) -> None:
    """Make the owner enrol a new authenticator at the next login; ends every session."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_counter = None
    _new_session_token(user)
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password after proving the current one."""
    if not _password_matches(user.password_hash, current):
        raise WrongPasswordError(field="current")
    reset_password(user, new)


def end_sessions(user: User) -> None:
    """Log the account out everywhere (logout does this: a copied cookie stops working)."""
    _new_session_token(user)
    db.session.flush()


def disable_user(user: User, now: datetime) -> None:
    """Stop an account from logging in and end its sessions."""
    user.disabled_at = now
    _new_session_token(user)
    db.session.flush()


def enable_user(user: User) -> None:
    """Let a disabled or waiting account log in again."""
    user.disabled_at = None
    _unlock(user)
    db.session.flush()


def set_email(user: User, address: str | None) -> None:
    """The address that hears of repeated failed logins (None: no email)."""
    user.email = (address or "").strip() or None
    db.session.flush()


def rotate_secrets() -> int:
    """Re-encrypt every second-factor secret with the newest data key."""
    count = 0
    for user in db.session.scalars(sa.select(User).where(User.totp_secret.is_not(None))):
        user.totp_secret = protection.rotate(user.totp_secret)
        count += 1
    db.session.flush()
    return count


def generate_password() -> str:
    """A random password of 20 characters for new and demo accounts."""
    return secrets.token_urlsafe(15)
