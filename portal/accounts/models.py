"""The ``users`` table."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.roles import Permission, Role, has_permission
from portal.core.models import Base, TimestampMixin, UTCDateTime, enum_type


class User(TimestampMixin, Base):
    """A staff member, committee member or administrator."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
        sa.CheckConstraint("username = lower(username)", name="username_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role", length=16))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Changes on logout, password or second-factor reset and disabling: every session ends.
    session_token: Mapped[str] = mapped_column(sa.String(32))
    # Encrypted with PORTAL_DATA_KEY (Fernet), like complainants' contact details.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_counter: Mapped[int | None] = mapped_column(sa.BigInteger)
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Failed attempts beyond the free ones make the account wait, longer each time.
    throttled_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Hears of repeated failed logins when mail is configured.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Flask-Login's interface.
    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot log in."""
        return self.disabled_at is None

    @property
    def is_authenticated(self) -> bool:
        """Always true for a loaded account."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """Session identity: id plus the session token, so a reset logs out everywhere."""
        return f"{self.id}:{self.session_token}"

    @property
    def totp_enabled(self) -> bool:
        """Whether the second factor has been set up and confirmed."""
        return self.totp_confirmed_at is not None

    def can(self, permission: Permission) -> bool:
        """Whether this account's role grants a permission."""
        return self.is_active and has_permission(self.role, permission)
