"""Tables of the users' committee: terms with the fees that share their seats, candidates and
their votes, members (with resignations and replacements) and the accounts linked to them.

Meetings, decisions and notices are to come: a decision will reference a meeting and the
members seated on its date (``CommitteeMember`` with ``starts_on``/``ends_on``/``left_on``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.committee.enums import MemberRole
from portal.core.models import Base, TimestampMixin, enum_type
from portal.core.publication import PublicationMixin
from portal.fees.enums import CustomerClass

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
