"""Partners' API keys: made, found, counted and revoked. Services only flush; the request (or
the command) commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from limits import parse_many

from portal.complaints.models import Complaint
from portal.core.errors import DomainError
from portal.core.input_guard import has_control_characters
from portal.extensions import db
from portal.open311.models import ApiKey

PREFIX = "ops_"
# What a key looks like: "ops_" and 43 characters of URL-safe base64 (32 random bytes).
KEY_LENGTH = len(PREFIX) + 43
SHOWN = 12  # the characters of a key that name it in lists


class ApiKeyError(DomainError):
    """A key cannot be made or changed as asked."""


def digest(key: str) -> str:
    """The SHA-256 stored for a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _check_limit(rate_limit: str | None) -> None:
    if rate_limit is None:
        return
    try:
        if not all(item.amount > 0 for item in parse_many(rate_limit)):
            raise ValueError(rate_limit)
    except ValueError:
        raise ApiKeyError(_l("Write the rate limit as “60 per minute” or “60 per minute;"
                             "1000 per day”.")) from None


def create(name: str, owner: str, channel: str, now: datetime,
           rate_limit: str | None = None) -> tuple[ApiKey, str]:
    """A new key for a partner; returns the row and the key, which is shown this once."""
    name, owner, channel = name.strip(), owner.strip(), channel.strip()
    if any(has_control_characters(text) for text in (name, owner, channel)):
        raise ApiKeyError(_l("Names may not hold control characters."))
    if not name or len(name) > 60 or not owner or len(owner) > 200 or not channel \
            or len(channel) > 100:
        raise ApiKeyError(_l("Give a name (at most 60 characters), an owner (at most 200) and "
                             "a channel (at most 100)."))
    _check_limit(rate_limit)
    if db.session.scalar(sa.select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise ApiKeyError(_l("There is already a key named “%(name)s”.", name=name))
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, owner=owner, channel=channel, key_hash=digest(key),
                 prefix=key[:SHOWN], rate_limit=rate_limit, created_at=now, requests=0)
    db.session.add(row)
    db.session.flush()
    return row, key


def find(key: str) -> ApiKey | None:
    """The key's row if the key is one of ours (revoked or not)."""
    if not key.startswith(PREFIX) or len(key) != KEY_LENGTH:
        return None
    return db.session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == digest(key)))


def by_name(name: str) -> ApiKey | None:
    """The key with this name."""
    return db.session.scalar(sa.select(ApiKey).where(ApiKey.name == name))


def revoke(key: ApiKey, now: datetime) -> bool:
    """Revoke a key at once; False if it was revoked before."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = now
    db.session.flush()
    return True


def record_use(key: ApiKey, now: datetime) -> None:
    """Count a request made with the key (in the database, so that every worker counts)."""
    db.session.execute(sa.update(ApiKey).where(ApiKey.id == key.id).values(
        requests=ApiKey.requests + 1, last_used_at=now))


@dataclass(frozen=True)
class Usage:
    """A key with what it was used for."""

    key: ApiKey
    filed: int


def usage() -> list[Usage]:
    """Every key, newest first, with the complaints filed through it (one query each)."""
    filed = {key_id: count for key_id, count in db.session.execute(
        sa.select(Complaint.api_key_id, sa.func.count()).where(Complaint.api_key_id.is_not(None))
        .group_by(Complaint.api_key_id))}
    rows = db.session.scalars(sa.select(ApiKey).order_by(ApiKey.created_at.desc(),
                                                         ApiKey.id.desc()))
    return [Usage(row, int(filed.get(row.id, 0))) for row in rows]
