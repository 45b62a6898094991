"""The ``jobs`` table: work to do after a request, kept with the change that caused it
(``portal.core.jobs``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.enums import TitledEnum
from portal.core.models import Base, TimestampMixin, UTCDateTime, enum_type


class JobState(TitledEnum):
    """Waiting (for its first attempt or a retry), done, or failed after its last attempt."""

    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"


JobState.TITLES = {"waiting": _l("Waiting"), "done": _l("Done"), "failed": _l("Failed")}


class Job(TimestampMixin, Base):
    """One piece of work: its kind, its arguments (JSON, ids only), and how it went."""

    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_due", "state", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    arguments: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[JobState] = mapped_column(enum_type(JobState, "state", 10))
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime())
    # The address the request came to: links in an email name it when PORTAL_PUBLIC_URL does
    # not (a job runs outside any request).
    base_url: Mapped[str | None] = mapped_column(sa.String(200))
    # The kind of the last error (a class name): a message may quote an address.
    last_error: Mapped[str | None] = mapped_column(sa.String(80))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
