"""Tables of complaints: categories, districts, cases, their events, the yearly counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.complaints.enums import (
    OPEN_STATUSES,
    ActorKind,
    AreaType,
    ComplaintStatus,
    ComplaintType,
    EventKind,
    FindingOutcome,
)
from portal.core.models import Base, UTCDateTime, enum_type, utcnow
from portal.open311.models import ApiKey  # a complaint's channel: mapped before complaints

if TYPE_CHECKING:
    from portal.accounts.models import User


class ComplaintCategory(Base):
    """A category with its own deadlines."""

    __tablename__ = "complaint_categories"
    __table_args__ = (
        sa.CheckConstraint("first_contact_hours > 0", name="first_contact_positive"),
        sa.CheckConstraint("reply_working_days > 0", name="reply_positive"),
    )

    code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    first_contact_hours: Mapped[int] = mapped_column(default=24)
    reply_working_days: Mapped[int] = mapped_column(default=4)
    position: Mapped[int] = mapped_column(default=0)

    def name(self, language: str) -> str:
        """The name in a language."""
        return self.name_en if language == "en" else self.name_zh


class District(Base):
    """A district of the supply area, with its customer count for rates per 10,000."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    area_type: Mapped[AreaType] = mapped_column(enum_type(AreaType, "area_type"))
    customers: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)

    def name(self, language: str) -> str:
        """The name in a language."""
        return self.name_en if language == "en" else self.name_zh


class TrackingThrottle(Base):
    """Failed look-ups of one tracking number (known or not), from all clients together."""

    __tablename__ = "tracking_throttles"
    __table_args__ = (sa.CheckConstraint("failures >= 0", name="failures_not_negative"),)

    number: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Complaint(Base):
    """One case. Contact details and the account number are encrypted; no IP is stored."""

    __tablename__ = "complaints"
    __table_args__ = (
        sa.UniqueConstraint("year", "sequence", name="uq_complaints_year_sequence"),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)",
                           name="rating_range"),
        sa.CheckConstraint("reopen_count >= 0 AND reopen_count <= 1", name="reopen_once"),
        # A published case (and only one) has the public identifier of its permalink.
        sa.CheckConstraint("(public_id IS NOT NULL) = "
                           "(consent_publish AND summary_approved_at IS NOT NULL)",
                           name="published_has_public_id"),
        sa.CheckConstraint("listed_at IS NULL OR summary_approved_at IS NOT NULL",
                           name="listed_when_approved"),
        # Also serves look-ups by status alone (its leading column).
        sa.Index("ix_complaints_status_due", "status", "reply_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    submission_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[ComplaintType] = mapped_column(enum_type(ComplaintType, "type"))
    category_code: Mapped[str] = mapped_column(sa.ForeignKey("complaint_categories.code"),
                                               index=True)
    district_code: Mapped[str] = mapped_column(sa.ForeignKey("districts.code"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    occurred_on: Mapped[date | None] = mapped_column(sa.Date)
    location: Mapped[str | None] = mapped_column(sa.String(200))
    account_number_enc: Mapped[str | None] = mapped_column(sa.Text)
    contact_name_enc: Mapped[str | None] = mapped_column(sa.Text)
    contact_phone_enc: Mapped[str | None] = mapped_column(sa.Text)
    contact_email_enc: Mapped[str | None] = mapped_column(sa.Text)
    consent_contact: Mapped[bool] = mapped_column(default=False)
    consent_publish: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(sa.String(16), default="zh_Hans_CN")
    status: Mapped[ComplaintStatus] = mapped_column(
        enum_type(ComplaintStatus, "status"), default=ComplaintStatus.REGISTERED)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    first_contact_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reply_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    rating: Mapped[int | None]
    resolved: Mapped[bool | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    public_summary: Mapped[str | None] = mapped_column(sa.Text)
    summary_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The published case's permalink (/complaints/public/<public_id>): random, given when the
    # summary is first approved, never derived from the tracking number nor usable to track.
    public_id: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    # When the approved summary joined the public list: at approval, unless a domain holds it
    # back first (``domains.add_listing_hold``: the statistics, for a case of a month whose
    # counts are final, until a refresh has checked that it gives no small count away).
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contact_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the complainant takes the case to the users' committee, with the day by which
    # the committee should decide (``COMMITTEE_WORKING_DAYS`` working days later).
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    committee_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The partner channel whose key filed the case through Open311 (None: the portal's form).
    api_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"), index=True)

    category: Mapped[ComplaintCategory] = relationship()
    district: Mapped[District] = relationship()
    assigned_to: Mapped[User | None] = relationship()
    api_key: Mapped[ApiKey | None] = relationship()
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan")
    attachments: Mapped[list[ComplaintAttachment]] = relationship(
        order_by="ComplaintAttachment.id", cascade="all, delete-orphan")
    # The committee's decision (its outcome and reasons): a case is decided at most once.
    decision: Mapped[ComplaintEvent | None] = relationship(
        primaryjoin=lambda: sa.and_(Complaint.id == ComplaintEvent.complaint_id,
                                    ComplaintEvent.to_status == ComplaintStatus.DECIDED),
        viewonly=True, uselist=False)

    @property
    def has_contact(self) -> bool:
        """Whether any contact detail is stored."""
        return any((self.contact_name_enc, self.contact_phone_enc, self.contact_email_enc))

    @property
    def is_published(self) -> bool:
        """Shown on the public list: the complainant agreed, staff approved the summary, and
        it was listed (``listed_at``)."""
        return (self.consent_publish and self.summary_approved_at is not None
                and self.listed_at is not None)

    @property
    def deadlines_ended_at(self) -> datetime | None:
        """When the case was finished (closed, withdrawn, not accepted, decided): a deadline not
        met by then has ended, neither counting down nor overdue. None while the case goes on."""
        return self.closed_at if self.status.is_finished else None

    def first_contact_overdue(self, now: datetime) -> bool:
        """No first contact yet, and its deadline has passed."""
        return self.first_contacted_at is None and self.status.is_open and \
            now > self.first_contact_due_at

    def reply_overdue(self, now: datetime) -> bool:
        """Not answered yet, and the reply deadline has passed."""
        return self.replied_at is None and self.status.is_open and now > self.reply_due_at

    def overdue(self, now: datetime) -> bool:
        """Any deadline missed while the case is open."""
        return self.first_contact_overdue(now) or self.reply_overdue(now)

    def committee_overdue(self, now: datetime) -> bool:
        """With the committee, undecided, and past the day it should have decided by."""
        return self.status is ComplaintStatus.ESCALATED and self.committee_due_at is not None \
            and now > self.committee_due_at


# On the public list (``Complaint.is_published``), as SQL. The list's queries and its partial
# indexes share this one expression: a partial index serves a query only if the query's WHERE
# implies the index's, which PostgreSQL and SQLite check by form.
LISTED = (Complaint.consent_publish == sa.true(), Complaint.summary_approved_at.is_not(None),
          Complaint.listed_at.is_not(None))
# The public list, newest first: all cases, or one category's (most pages filter by it). Only
# the listed cases are in them, so a page and its counts never read the rest of the table.
# The staff inbox (``queries.inbox``): by default the cases still open and those with the
# committee, the open ones first, soonest reply deadline first. Its index holds exactly those
# cases, in exactly that order, so that a page of it reads a page of the index, however many
# cases are closed. The statuses are written out in the SQL as literals in the query too (not
# as parameters): a partial index or an index on an expression serves a query only if the
# query has the very same values, also in a prepared statement's generic plan.
OPEN_VALUES = tuple(sorted(status.value for status in OPEN_STATUSES))
INBOX_VALUES = tuple(sorted((*OPEN_VALUES, ComplaintStatus.ESCALATED.value)))


def status_in(values: tuple[str, ...], name: str | None = None) -> sa.ColumnElement[bool]:
    """``status IN (...)`` with the values written out: as a query's bound literal (``name``)
    or, without a name, as an index's expression."""
    if name is None:
        return Complaint.__table__.c.status.in_(values)
    return Complaint.status.in_(sa.bindparam(name, list(values), expanding=True,
                                             literal_execute=True))


def waiting_last(name: str | None = None) -> sa.ColumnElement[int]:
    """0 for a case staff act on (open), 1 for one that waits on someone else."""
    return sa.case((status_in(OPEN_VALUES, name), sa.literal_column("0")),
                   else_=sa.literal_column("1"))


_TABLE = Complaint.__table__.c
# The status last: a deep page's keys and the bounded count read this index alone.
sa.Index("ix_complaints_inbox", sa.sql.elements.Grouping(waiting_last()), _TABLE.reply_due_at,
         _TABLE.id, _TABLE.status,
         postgresql_where=status_in(INBOX_VALUES), sqlite_where=status_in(INBOX_VALUES))
sa.Index("ix_complaints_listed", _TABLE.registered_at, _TABLE.id,
         postgresql_where=sa.and_(*LISTED), sqlite_where=sa.and_(*LISTED))
sa.Index("ix_complaints_listed_category", _TABLE.category_code, _TABLE.registered_at, _TABLE.id,
         postgresql_where=sa.and_(*LISTED), sqlite_where=sa.and_(*LISTED))


class ComplaintEvent(Base):
    """Something that happened to a case: who, when, what, and whether the complainant sees it.

    A rating's score and verdict, an assignment's assignee and the committee's outcome are typed
    columns, never packed into ``body``, which holds only what someone wrote.
    """

    __tablename__ = "complaint_events"
    __table_args__ = (
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)",
                           name="rating_range"),
        sa.CheckConstraint("(kind = 'rated') = (rating IS NOT NULL)", name="rated_has_rating"),
        sa.CheckConstraint("(rating IS NULL) = (resolved IS NULL)", name="rating_has_verdict"),
        sa.CheckConstraint("assignee_id IS NULL OR kind = 'assigned'",
                           name="assignee_when_assigned"),
        # Only the committee's decision has an outcome; one recorded before outcomes existed
        # has none (NULL), and says so.
        sa.CheckConstraint("outcome IS NULL OR (kind = 'status' AND to_status = 'decided')",
                           name="outcome_when_decided"),
        # Statistics count events of a kind over a span of time.
        sa.Index("ix_complaint_events_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id", ondelete="CASCADE"),
                                              index=True)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind, "kind"))
    actor_kind: Mapped[ActorKind] = mapped_column(enum_type(ActorKind, "actor_kind"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    from_status: Mapped[ComplaintStatus | None] = mapped_column(
        enum_type(ComplaintStatus, "from_status"))
    to_status: Mapped[ComplaintStatus | None] = mapped_column(
        enum_type(ComplaintStatus, "to_status"))
    body: Mapped[str | None] = mapped_column(sa.Text)
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    resolved: Mapped[bool | None]
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[FindingOutcome | None] = mapped_column(enum_type(FindingOutcome, "outcome"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    attachments: Mapped[list[ComplaintAttachment]] = relationship(
        order_by="ComplaintAttachment.id", viewonly=True)


class ComplaintAttachment(Base):
    """A cleaned file. Before the complaint is sent it waits under the form's submission key."""

    __tablename__ = "complaint_attachments"
    __table_args__ = (
        sa.CheckConstraint("complaint_id IS NOT NULL OR submission_digest IS NOT NULL",
                           name="owned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("complaint_events.id", ondelete="SET NULL"))
    submission_digest: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    filename: Mapped[str] = mapped_column(sa.String(100))
    media_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
