"""Keys of the partner channels (hotlines, civic apps) that file complaints through Open311."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import Base, UTCDateTime


class ApiKey(Base):
    """One partner's key. Only the SHA-256 of the key is stored (a key is 32 random bytes, so
    no slow hash is needed); its first characters (``prefix``) name it in lists and logs."""

    __tablename__ = "api_keys"
    __table_args__ = (sa.CheckConstraint("requests >= 0", name="requests_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    owner: Mapped[str] = mapped_column(sa.String(200))
    # How the channel is named to staff and in the statistics, e.g. "12345 市民热线".
    channel: Mapped[str] = mapped_column(sa.String(100))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    # Flask-Limiter's notation ("60 per minute;1000 per day"); None: PORTAL_OPEN311_KEY_LIMIT.
    rate_limit: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Requests that presented the key (accepted or refused after the key was recognised).
    requests: Mapped[int] = mapped_column(default=0)

    @property
    def active(self) -> bool:
        """Not revoked."""
        return self.revoked_at is None
