"""Tables of the statistics: a calendar of local days, the pre-aggregated counts, the figures
as published after disclosure control, each refresh, and the monthly snapshots."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import Base, UTCDateTime


class StatsDay(Base):
    """A local day (``PORTAL_TIMEZONE``) as a range of UTC moments, its month, and how many
    working days there are from the calendar's start up to and including it."""

    __tablename__ = "stats_days"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), unique=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    working_ordinal: Mapped[int]


class StatsCell(Base):
    """How many cases registered in a local month share every dimension's value (an atom)."""

    __tablename__ = "stats_cells"
    __table_args__ = (sa.CheckConstraint("count > 0", name="count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    type: Mapped[str] = mapped_column(sa.String(24))
    category_code: Mapped[str] = mapped_column(sa.String(20))
    district_code: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(24))
    deadline: Mapped[str] = mapped_column(sa.String(16))
    # "unknown" in the months made final before first contacts were counted
    contact: Mapped[str] = mapped_column(sa.String(16), server_default="unknown")
    reply: Mapped[str] = mapped_column(sa.String(16))  # follows from ``deadline``
    # every case before partner channels came through the portal's form
    channel: Mapped[str] = mapped_column(sa.String(16), server_default="portal")
    rating: Mapped[str] = mapped_column(sa.String(8))
    resolved: Mapped[str] = mapped_column(sa.String(8))
    escalated: Mapped[str] = mapped_column(sa.String(8))
    finding: Mapped[str] = mapped_column(sa.String(24))
    count: Mapped[int]


class StatsCase(Base):
    """What the public list shows of a case as it was counted (the values of its atom in
    ``stats_cells``), taken with the atoms: a listed case that moves on after its month is
    final still counts in the audit as the case it was then, which a reader can tell from its
    dated timeline."""

    __tablename__ = "stats_cases"

    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"), primary_key=True,
                                              autoincrement=False)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    category_code: Mapped[str] = mapped_column(sa.String(20))
    district_code: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(24))
    deadline: Mapped[str] = mapped_column(sa.String(16))
    contact: Mapped[str] = mapped_column(sa.String(16), server_default="unknown")
    escalated: Mapped[str] = mapped_column(sa.String(8))
    finding: Mapped[str] = mapped_column(sa.String(24))


class StatsMonth(Base):
    """A month whose counts are final: its atoms (``stats_cells``) and times (``stats_times``)
    were taken once, ``PORTAL_STATS_SETTLE_DAYS`` after it ended, and no refresh recomputes
    them, so that every extraction publishes the same counts for it (two extractions cannot be
    subtracted to reveal the few cases that changed between them)."""

    __tablename__ = "stats_months"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatsTime(Base):
    """How many cases registered in a local month (of a type, category and district) took a
    number of working days to a first contact or to the reply: a histogram, from which medians
    and percentiles are read."""

    __tablename__ = "stats_times"
    __table_args__ = (
        sa.CheckConstraint("count > 0", name="count_positive"),
        sa.CheckConstraint("measure IN ('first_contact', 'reply', 'first_reply')",
                           name="measure_known"),
        sa.Index("ix_stats_times_measure_month", "measure", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date)
    measure: Mapped[str] = mapped_column(sa.String(16))
    type: Mapped[str] = mapped_column(sa.String(24))
    category_code: Mapped[str] = mapped_column(sa.String(20))
    district_code: Mapped[str] = mapped_column(sa.String(20))
    days: Mapped[int]
    count: Mapped[int]


class StatsFigure(Base):
    """A non-zero published cell after disclosure control: its count and how it is shown
    (``published``, ``small`` as "<k", ``hidden``, ``withheld`` with its whole table for the
    period: ``StatsWithheld``). A cell without a row is 0, or withheld."""

    __tablename__ = "stats_figures"
    __table_args__ = (
        sa.CheckConstraint("state IN ('published', 'small', 'hidden', 'withheld')",
                           name="state_known"),
        sa.CheckConstraint("count > 0", name="count_positive"),
    )

    period: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    table_code: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    count: Mapped[int]
    state: Mapped[str] = mapped_column(sa.String(12))


class StatsWithheld(Base):
    """A table not published for a period at all (its zeros neither): publishing it would
    have narrowed a small count of the months published before, whose counts stay as they
    were. Each refresh tries to publish it again when a new month is published (in vain as
    long as the months' counts and the public list are what they were)."""

    __tablename__ = "stats_withheld"

    period: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    table_code: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    year: Mapped[int] = mapped_column(index=True)


class StatsRun(Base):
    """One refresh of the figures: when the data was extracted, with which k, and the months
    it published."""

    __tablename__ = "stats_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    min_cell: Mapped[int]
    first_month: Mapped[date | None] = mapped_column(sa.Date)
    last_month: Mapped[date | None] = mapped_column(sa.Date)
    cases: Mapped[int]
    # The local day of the first case: the first month is partial when it is not the 1st.
    first_day: Mapped[date | None] = mapped_column(sa.Date)


class StatsSnapshot(Base):
    """The published figures of a month as a Frictionless data package (a zip), frozen for
    good once made and recorded in the transparency log."""

    __tablename__ = "stats_snapshots"

    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)


class StatsYear(Base):
    """What a year's figures were computed from (a digest of its atoms, the public list's
    floors, the counts snapshots fixed, k and the periods): a refresh that finds the same
    digest keeps the year's figures instead of suppressing and auditing it again."""

    __tablename__ = "stats_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(sa.String(64))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
