"""The ``duties`` table: one row per scheduled duty, who holds it now and how its last run went
(``portal.core.duties``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import Base, UTCDateTime


class DutyRecord(Base):
    """A duty's lock (``holder`` until ``held_until``) and its last runs."""

    __tablename__ = "duties"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    # The process running it (host and process id), and until when it may (a lease).
    holder: Mapped[str | None] = mapped_column(sa.String(120))
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The period (a local date) of the last finished run of a duty done once a period.
    last_period: Mapped[str | None] = mapped_column(sa.String(16))
    last_outcome: Mapped[str | None] = mapped_column(sa.String(300))
    # The kind of the last failure (a class name; a message may quote personal data) and when.
    last_error: Mapped[str | None] = mapped_column(sa.String(80))
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
