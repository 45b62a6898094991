"""Tables of the users' committee: terms with the fees that share their seats, candidates and
their votes, members (with resignations and replacements) and the accounts linked to them;
meetings with their attendance, and numbered decisions with their votes, links and files.

A decision references a meeting and counts the members seated on its date
(``CommitteeMember.seated_on``). A notice of irregular service rests on a published decision
and is followed by updates until one closes it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.committee.enums import DecisionCategory, DecisionOutcome, MemberRole, Vote
from portal.core.models import Base, TimestampMixin, UTCDateTime, enum_type
from portal.core.publication import PublicationMixin
from portal.fees.enums import CustomerClass

if TYPE_CHECKING:
    from portal.complaints.models import Complaint
    from portal.fees.models import FeeItem, Tariff

FEES = sa.Numeric(16, 2)


class Term(PublicationMixin, TimestampMixin, Base):
    """A term of the committee: its dates, its seats and the minimum per class.

    A draft until an administrator publishes it; a published term never changes."""

    __tablename__ = "committee_terms"
    __table_args__ = (
        sa.CheckConstraint("ends_on > starts_on", name="dates_in_order"),
        sa.CheckConstraint("total_seats >= 1", name="seats_positive"),
        sa.CheckConstraint("minimum_seats >= 0", name="minimum_not_negative"),
        sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL",
                           name="published_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(sa.Date, index=True)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    total_seats: Mapped[int]
    minimum_seats: Mapped[int] = mapped_column(default=1, server_default="1")
    reference_year: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    fees: Mapped[list[TermFee]] = relationship(
        back_populates="term", cascade="all, delete-orphan", order_by="TermFee.id")
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="term", cascade="all, delete-orphan",
        order_by="(Candidate.customer_class, Candidate.votes.desc(), Candidate.id)")
    members: Mapped[list[CommitteeMember]] = relationship(
        back_populates="term", cascade="all, delete-orphan",
        order_by="(CommitteeMember.starts_on, CommitteeMember.id)")

    def covers(self, day: date) -> bool:
        """Whether ``day`` falls within the term."""
        return self.starts_on <= day <= self.ends_on


class TermFee(Base):
    """What one customer class paid in the term's reference year, and where that comes from."""

    __tablename__ = "committee_term_fees"
    __table_args__ = (
        sa.UniqueConstraint("term_id", "customer_class", name="uq_committee_term_fees_class"),
        sa.CheckConstraint("fees > 0", name="fees_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_terms.id", ondelete="CASCADE"), index=True)
    customer_class: Mapped[CustomerClass] = mapped_column(
        enum_type(CustomerClass, "customer_class"))
    fees: Mapped[Decimal] = mapped_column(FEES)
    source: Mapped[str] = mapped_column(sa.String(300))
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    term: Mapped[Term] = relationship(back_populates="fees")


class Candidate(TimestampMixin, Base):
    """A candidate of a class in a term's election, with the votes the returning officer
    recorded."""

    __tablename__ = "committee_candidates"
    __table_args__ = (
        sa.CheckConstraint("votes >= 0", name="votes_not_negative"),
        sa.UniqueConstraint("term_id", "customer_class", "name",
                            name="uq_committee_candidates_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_terms.id", ondelete="CASCADE"), index=True)
    customer_class: Mapped[CustomerClass] = mapped_column(
        enum_type(CustomerClass, "customer_class"))
    name: Mapped[str] = mapped_column(sa.String(120))
    votes: Mapped[int]
    term: Mapped[Term] = relationship(back_populates="candidates")


class CommitteeMember(TimestampMixin, Base):
    """A member holding one of a class's seats from ``starts_on`` to ``ends_on`` (within the
    term), or until ``left_on`` when they resigned; a replacement names whom it replaces."""

    __tablename__ = "committee_members"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        sa.CheckConstraint("left_on IS NULL OR (left_on >= starts_on AND left_on <= ends_on)",
                           name="left_within_dates"),
        sa.UniqueConstraint("term_id", "user_id", name="uq_committee_members_term_user"),
        sa.UniqueConstraint("replaces_id", name="uq_committee_members_replaces"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_terms.id", ondelete="CASCADE"), index=True)
    customer_class: Mapped[CustomerClass] = mapped_column(
        enum_type(CustomerClass, "customer_class"))
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[MemberRole] = mapped_column(enum_type(MemberRole, "role", length=16))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    # the last day of a member who resigned; None while the member serves to ``ends_on``
    left_on: Mapped[date | None] = mapped_column(sa.Date)
    biography: Mapped[str | None] = mapped_column(sa.Text)
    interests: Mapped[str | None] = mapped_column(sa.Text)
    candidate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("committee_candidates.id", ondelete="SET NULL"))
    replaces_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("committee_members.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    term: Mapped[Term] = relationship(back_populates="members")
    replaces: Mapped[CommitteeMember | None] = relationship(
        remote_side="CommitteeMember.id", foreign_keys=[replaces_id])

    @property
    def last_day(self) -> date:
        """The last day the member holds the seat."""
        return self.left_on if self.left_on is not None else self.ends_on

    def seated_on(self, day: date) -> bool:
        """Whether the member holds the seat on ``day``."""
        return self.starts_on <= day <= self.last_day


class Meeting(TimestampMixin, Base):
    """A meeting of the committee: when and where, its agenda (Markdown, public before the
    meeting), who attended and its minutes (Markdown, public after it)."""

    __tablename__ = "committee_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_terms.id", ondelete="RESTRICT"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    place: Mapped[str] = mapped_column(sa.String(200))
    agenda: Mapped[str] = mapped_column(sa.Text)
    minutes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    term: Mapped[Term] = relationship()
    attendees: Mapped[list[CommitteeMember]] = relationship(
        secondary="committee_meeting_attendance", order_by="CommitteeMember.name")


meeting_attendance = sa.Table(
    "committee_meeting_attendance", Base.metadata,
    sa.Column("meeting_id", sa.ForeignKey("committee_meetings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("member_id", sa.ForeignKey("committee_members.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)


decision_complaints = sa.Table(
    "committee_decision_complaints", Base.metadata,
    sa.Column("decision_id", sa.ForeignKey("committee_decisions.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("complaint_id", sa.ForeignKey("complaints.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)
decision_tariffs = sa.Table(
    "committee_decision_tariffs", Base.metadata,
    sa.Column("decision_id", sa.ForeignKey("committee_decisions.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("tariff_id", sa.ForeignKey("tariffs.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)
decision_fee_items = sa.Table(
    "committee_decision_fee_items", Base.metadata,
    sa.Column("decision_id", sa.ForeignKey("committee_decisions.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("fee_item_id", sa.ForeignKey("fee_items.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)


class Decision(PublicationMixin, TimestampMixin, Base):
    """A decision of the committee: drafted by one member, published by another, then final.

    Its number ``UC-YYYY-NNN`` is given at publication (a draft has none); a correction is
    another decision that ``amends`` it."""

    __tablename__ = "committee_decisions"
    __table_args__ = (
        sa.CheckConstraint("status = 'draft' OR (published_at IS NOT NULL AND number IS NOT "
                           "NULL)", name="published_has_number"),
        sa.CheckConstraint("votes_for >= 0 AND votes_against >= 0 AND votes_abstain >= 0 "
                           "AND votes_absent >= 0", name="votes_not_negative"),
        # the two-person rule, in the schema too
        sa.CheckConstraint("published_by_id IS NULL OR drafted_by_id IS NULL "
                           "OR published_by_id <> drafted_by_id", name="two_people"),
        sa.CheckConstraint("amends_id IS NULL OR amends_id <> id", name="not_self"),
        sa.UniqueConstraint("year", "sequence", name="uq_committee_decisions_year_sequence"),
        sa.Index("ix_committee_decisions_status_decided", "status", "decided_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    year: Mapped[int | None]
    sequence: Mapped[int | None]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_meetings.id", ondelete="RESTRICT"), index=True)
    # the meeting's local date, kept for searches by date
    decided_on: Mapped[date] = mapped_column(sa.Date)
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str | None] = mapped_column(sa.String(200))
    category: Mapped[DecisionCategory] = mapped_column(
        enum_type(DecisionCategory, "category"), default=DecisionCategory.COMMITTEE,
        server_default=DecisionCategory.COMMITTEE.value)
    body_zh: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_type(DecisionOutcome, "outcome"))
    votes_for: Mapped[int]
    votes_against: Mapped[int]
    votes_abstain: Mapped[int]
    votes_absent: Mapped[int]
    drafted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    amends_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("committee_decisions.id", ondelete="RESTRICT"), index=True)

    meeting: Mapped[Meeting] = relationship()
    amends: Mapped[Decision | None] = relationship(
        remote_side="Decision.id", foreign_keys=[amends_id], back_populates="amendments")
    amendments: Mapped[list[Decision]] = relationship(
        foreign_keys=[amends_id], back_populates="amends", order_by="Decision.id")
    roll_call: Mapped[list[DecisionVote]] = relationship(
        cascade="all, delete-orphan", order_by="DecisionVote.member_id")
    complaints: Mapped[list[Complaint]] = relationship(
        secondary=decision_complaints, order_by="Complaint.id")
    tariffs: Mapped[list[Tariff]] = relationship(secondary=decision_tariffs,
                                                 order_by="Tariff.code")
    fee_items: Mapped[list[FeeItem]] = relationship(secondary=decision_fee_items,
                                                    order_by="FeeItem.code")
    attachments: Mapped[list[DecisionAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="DecisionAttachment.id")

    @property
    def seated(self) -> int:
        """How many members were seated on the day (the sum of the four counts)."""
        return self.votes_for + self.votes_against + self.votes_abstain + self.votes_absent


class DecisionVote(Base):
    """One member's vote on a decision, when the committee publishes the roll call."""

    __tablename__ = "committee_decision_votes"

    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_decisions.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_members.id", ondelete="RESTRICT"), primary_key=True)
    vote: Mapped[Vote] = mapped_column(enum_type(Vote, "vote", length=16))
    member: Mapped[CommitteeMember] = relationship()


class DecisionAttachment(TimestampMixin, Base):
    """A PDF published with a decision, checked and rewritten like a complaint's."""

    __tablename__ = "committee_decision_attachments"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_decisions.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)


class Notice(PublicationMixin, TimestampMixin, Base):
    """A public notice of irregular service (曝光): what happened, anonymised; the unit
    responsible; the committee's finding; the corrective action and its deadline; the decision
    it rests on. Drafted by one member, published by another, then final, except that the
    update that closes it sets ``closed_on``.

    Its number ``UCN-YYYY-NNN`` is given at publication (a draft has none)."""

    __tablename__ = "committee_notices"
    __table_args__ = (
        sa.CheckConstraint("status = 'draft' OR (published_at IS NOT NULL AND number IS NOT "
                           "NULL)", name="published_has_number"),
        sa.CheckConstraint("published_by_id IS NULL OR drafted_by_id IS NULL "
                           "OR published_by_id <> drafted_by_id", name="two_people"),
        sa.CheckConstraint("closed_on IS NULL OR status = 'published'",
                           name="closed_when_published"),
        sa.UniqueConstraint("year", "sequence", name="uq_committee_notices_year_sequence"),
        sa.Index("ix_committee_notices_status_due", "status", "action_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    year: Mapped[int | None]
    sequence: Mapped[int | None]
    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_decisions.id", ondelete="RESTRICT"), index=True)
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str | None] = mapped_column(sa.String(200))
    unit_zh: Mapped[str] = mapped_column(sa.String(200))
    unit_en: Mapped[str | None] = mapped_column(sa.String(200))
    happened_on: Mapped[date] = mapped_column(sa.Date)
    facts_zh: Mapped[str] = mapped_column(sa.Text)
    facts_en: Mapped[str | None] = mapped_column(sa.Text)
    finding_zh: Mapped[str] = mapped_column(sa.Text)
    finding_en: Mapped[str | None] = mapped_column(sa.Text)
    action_zh: Mapped[str] = mapped_column(sa.Text)
    action_en: Mapped[str | None] = mapped_column(sa.Text)
    action_due: Mapped[date] = mapped_column(sa.Date)
    # the local day the update that closed the notice was published; None while open
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    drafted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    decision: Mapped[Decision] = relationship()
    updates: Mapped[list[NoticeUpdate]] = relationship(
        back_populates="notice", cascade="all, delete-orphan",
        order_by="(NoticeUpdate.published_at, NoticeUpdate.id)")


class NoticeUpdate(PublicationMixin, TimestampMixin, Base):
    """A follow-up of a published notice (what the unit has done since), drafted by one member
    and published by another; the update that ``closes`` the notice is its last."""

    __tablename__ = "committee_notice_updates"
    __table_args__ = (
        sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL",
                           name="published_has_time"),
        sa.CheckConstraint("published_by_id IS NULL OR drafted_by_id IS NULL "
                           "OR published_by_id <> drafted_by_id", name="two_people"),
        # a notice is closed once
        sa.Index("uq_committee_notice_updates_closing", "notice_id", unique=True,
                 sqlite_where=sa.text("closes AND status = 'published'"),
                 postgresql_where=sa.text("closes AND status = 'published'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_notices.id", ondelete="CASCADE"), index=True)
    body_zh: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str | None] = mapped_column(sa.Text)
    closes: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    drafted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    notice: Mapped[Notice] = relationship(back_populates="updates")
