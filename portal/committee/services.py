"""The committee's rules: terms and their seats, candidates, members, resignations and
replacements, accounts linked to members. Services check, change, ``flush()`` and raise
``CommitteeError``; they never commit."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.committee.apportionment import Apportionment, ApportionmentError, apportion
from portal.committee.enums import MemberRole
from portal.committee.models import Candidate, CommitteeMember, Term, TermFee
from portal.core import publication
from portal.core.errors import DomainError
from portal.core.publication import PublicationStatus
from portal.extensions import db
from portal.fees.enums import CustomerClass
from portal.fees.structure import text_problem

CLASSES = tuple(member.value for member in CustomerClass)
FEES_LIMIT = Decimal("1e14")  # Numeric(16, 2)
MAX_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL refuses a larger one (a 500 before)


class CommitteeError(DomainError):
    """A rule of the committee was broken."""


class DraftChangedError(CommitteeError):
    """The draft changed after the member was asked to confirm its publication."""

    message = _l("This draft changed while the page was open, so nothing was published. Read "
                 "it again and confirm if you still want to publish it.")


def check_seen(current: str, seen: str | None) -> None:
    """Refuse to publish a draft that is no longer what the member confirmed (``seen``)."""
    if seen is not None and current != seen:
        raise DraftChangedError()


def _fail(message: object, field: str | None = None) -> CommitteeError:
    return CommitteeError(message, field)


def _visible(text: str) -> bool:
    """Whether ``text`` shows anything: zero-width spaces, joiners, soft hyphens and other
    format characters alone look empty (a decision listed with an empty link)."""
    return any(not (char.isspace() or unicodedata.category(char) == "Cf") for char in text)


def _text(value: str | None, maximum: int, field: str, required: bool = True) -> str | None:
    cleaned = (value or "").strip()
    if not _visible(cleaned):
        if required:
            raise _fail(_l("This field is required."), field)
        return None
    problem = text_problem(cleaned, maximum)
    if problem is not None:
        raise _fail(problem, field)
    return cleaned


# Terms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassFees:
    """What one class paid in the reference year, with its source."""

    customer_class: str
    fees: Decimal
    source: str
    source_url: str | None = None


@dataclass(frozen=True)
class TermData:
    """What an administrator enters for a term."""

    starts_on: date
    ends_on: date
    total_seats: int
    minimum_seats: int
    reference_year: int
    fees: tuple[ClassFees, ...]


def check_term(data: TermData) -> Apportionment:
    """The apportionment the figures give, or a ``CommitteeError`` saying what is wrong."""
    if data.ends_on <= data.starts_on:
        raise _fail(_l("The term must end after it starts."), "ends_on")
    if not 1900 <= data.reference_year <= data.starts_on.year:
        raise _fail(_l("The reference year must be a past year, no later than the year the "
                       "term starts."), "reference_year")
    seen: set[str] = set()
    for row in data.fees:
        if row.customer_class in seen:
            raise _fail(_l("Each customer class may be entered once."), "fees")
        seen.add(row.customer_class)
        if row.fees >= FEES_LIMIT:
            raise _fail(_l("This fee total is too large."), "fees")
        _text(row.source, 300, "fees")
        _text(row.source_url, 500, "fees", required=False)
    try:
        return apportion({row.customer_class: row.fees for row in data.fees}, data.total_seats,
                         data.minimum_seats, known=CLASSES)
    except ApportionmentError as error:
        raise _fail(error.message, error.field) from error


def _apply(term: Term, data: TermData) -> None:
    term.starts_on, term.ends_on = data.starts_on, data.ends_on
    term.total_seats, term.minimum_seats = data.total_seats, data.minimum_seats
    term.reference_year = data.reference_year
    term.fees.clear()
    db.session.flush()  # the old rows go before new ones take their (term, class)
    for row in data.fees:
        term.fees.append(TermFee(customer_class=CustomerClass(row.customer_class),
                                 fees=row.fees, source=row.source.strip(),
                                 source_url=(row.source_url or "").strip() or None))


def create_term(data: TermData, author: User | None) -> Term:
    """A draft term."""
    check_term(data)
    term = Term(status=PublicationStatus.DRAFT, created_by_id=author.id if author else None)
    db.session.add(term)
    _apply(term, data)
    db.session.flush()
    return term


PUBLISHED_IS_FINAL = _l("A published term cannot be changed.")


def update_term(term: Term, data: TermData) -> Term:
    """Change a draft term; a published one is refused."""
    publication.guard_unpublished(term, _fail(PUBLISHED_IS_FINAL, "status"))
    check_term(data)
    _apply(term, data)
    db.session.flush()
    return term


def delete_term(term: Term) -> None:
    """Throw a draft term away."""
    publication.guard_unpublished(term, _fail(PUBLISHED_IS_FINAL, "status"))
    db.session.delete(term)
    db.session.flush()


def data_of(term: Term) -> TermData:
    """A term's figures as entered."""
    return TermData(term.starts_on, term.ends_on, term.total_seats, term.minimum_seats,
                    term.reference_year,
                    tuple(ClassFees(row.customer_class.value, row.fees, row.source,
                                    row.source_url) for row in term.fees))


def apportionment_of(term: Term) -> Apportionment:
    """How the term's seats are shared (a term's figures were checked when saved)."""
    return apportion({row.customer_class.value: row.fees for row in term.fees},
                     term.total_seats, term.minimum_seats, known=CLASSES)


def publish_term(term: Term, publisher: User | None, now: datetime,
                 published_at: datetime | None = None) -> None:
    """Publish a draft term: its seats become public and final; terms never overlap."""
    already = _fail(_l("This term is already published."), "status")
    publication.guard_unpublished(term, already)
    publication.lock_row(Term, term.id, term)
    publication.guard_unpublished(term, already)
    result = check_term(data_of(term))
    if not result.complete:
        raise _fail(lazy_ngettext(
            "%(num)d seat cannot be given: the classes %(classes)s tie exactly. Change the "
            "figures or the number of seats before publishing.",
            "%(num)d seats cannot be given: the classes %(classes)s tie exactly. Change the "
            "figures or the number of seats before publishing.",
            result.undecided, classes=", ".join(
                CustomerClass(key).title for key in result.tied)), "total_seats")
    others = db.session.scalars(publication.fresh(sa.select(Term).where(
        Term.status == PublicationStatus.PUBLISHED, Term.id != term.id,
        Term.starts_on <= term.ends_on, Term.ends_on >= term.starts_on))).first()
    if others is not None:
        raise _fail(_l("These dates overlap the published term from %(start)s to %(end)s.",
                       start=others.starts_on.isoformat(), end=others.ends_on.isoformat()),
                    "starts_on")
    publication.publish(term, publisher, now, published_at)


def published_terms() -> Sequence[Term]:
    """Every published term, newest first, with its fees and members."""
    return db.session.scalars(
        sa.select(Term).where(Term.status == PublicationStatus.PUBLISHED)
        .options(selectinload(Term.fees), selectinload(Term.members))
        .order_by(Term.starts_on.desc())).all()


def term_on(day: date) -> Term | None:
    """The published term in force on ``day``."""
    return db.session.scalar(
        sa.select(Term).where(Term.status == PublicationStatus.PUBLISHED,
                              Term.starts_on <= day, Term.ends_on >= day)
        .options(selectinload(Term.fees), selectinload(Term.members),
                 selectinload(Term.candidates)))


def latest_term(day: date) -> Term | None:
    """The term in force on ``day``, else the latest published term that started before it."""
    return term_on(day) or db.session.scalar(
        sa.select(Term).where(Term.status == PublicationStatus.PUBLISHED,
                              Term.starts_on <= day)
        .options(selectinload(Term.fees), selectinload(Term.members),
                 selectinload(Term.candidates))
        .order_by(Term.starts_on.desc()).limit(1))


# Elections and members -------------------------------------------------------------------


def _require_published(term: Term) -> None:
    if not term.is_published:
        raise _fail(_l("Publish the term first: its seats decide who can be elected."))


def _seats_of(term: Term, customer_class: CustomerClass) -> int:
    totals = apportionment_of(term).totals()
    if customer_class.value not in totals:
        raise _fail(_l("This class has no seat in this term."), "customer_class")
    return totals[customer_class.value]


def record_candidate(term: Term, customer_class: CustomerClass, name: str,
                     votes: int) -> Candidate:
    """A candidate of a class with the votes that the returning officer recorded."""
    _require_published(term)
    _seats_of(term, customer_class)
    cleaned = _text(name, 120, "name") or ""
    if votes < 0:
        raise _fail(_l("Votes cannot be negative."), "votes")
    if any(other.customer_class is customer_class and other.name == cleaned
           for other in term.candidates):
        raise _fail(_l("This candidate is already recorded for this class."), "name")
    candidate = Candidate(term=term, customer_class=customer_class, name=cleaned, votes=votes)
    db.session.add(candidate)
    db.session.flush()
    return candidate


@dataclass(frozen=True)
class MemberData:
    """What an administrator enters for an elected member or a replacement."""

    name: str
    customer_class: CustomerClass
    role: MemberRole
    starts_on: date
    ends_on: date | None = None  # None: the end of the term
    biography: str | None = None
    interests: str | None = None
    candidate_id: int | None = None


def _peak(members: Iterable[CommitteeMember], starts_on: date, ends_on: date) -> int:
    """The most of ``members`` seated on one day between the two dates: such a count is
    highest on a day somebody starts, so those days (and the first) are enough to check."""
    overlapping = [m for m in members if m.starts_on <= ends_on and m.last_day >= starts_on]
    days = {starts_on} | {m.starts_on for m in overlapping if m.starts_on >= starts_on}
    return max((sum(1 for m in overlapping if m.seated_on(day)) for day in days), default=0)


def _check_member(term: Term, data: MemberData, ends_on: date,
                  ignore: CommitteeMember | None = None) -> None:
    if not (term.covers(data.starts_on) and term.covers(ends_on)):
        raise _fail(_l("The dates must fall within the term, from %(start)s to %(end)s.",
                       start=term.starts_on.isoformat(), end=term.ends_on.isoformat()),
                    "starts_on")
    if ends_on < data.starts_on:
        raise _fail(_l("The last day cannot come before the first."), "ends_on")
    seats = _seats_of(term, data.customer_class)
    others = [m for m in term.members if m is not ignore]
    same_class = [m for m in others if m.customer_class is data.customer_class]
    if _peak(same_class, data.starts_on, ends_on) >= seats:
        raise _fail(_l("All %(count)s seats of this class are taken on these dates.",
                       count=seats), "customer_class")
    if data.role is not MemberRole.MEMBER:
        holders = [m for m in others if m.role is data.role]
        if _peak(holders, data.starts_on, ends_on) >= 1:
            raise _fail(_l("Another member holds this role on these dates."), "role")
    if data.candidate_id is not None and not any(
            c.id == data.candidate_id and c.customer_class is data.customer_class
            for c in term.candidates):
        raise _fail(_l("Choose a candidate of this class in this term."), "candidate_id")


def _new_member(term: Term, data: MemberData, replaces: CommitteeMember | None) -> CommitteeMember:
    _require_published(term)
    name = _text(data.name, 120, "name") or ""
    biography = _text(data.biography, 2000, "biography", required=False)
    interests = _text(data.interests, 2000, "interests", required=False)
    ends_on = data.ends_on or term.ends_on
    _check_member(term, data, ends_on, ignore=replaces)
    member = CommitteeMember(term=term, customer_class=data.customer_class, name=name,
                             role=data.role, starts_on=data.starts_on, ends_on=ends_on,
                             biography=biography, interests=interests,
                             candidate_id=data.candidate_id, replaces=replaces)
    db.session.add(member)
    db.session.flush()
    return member


def elect_member(term: Term, data: MemberData) -> CommitteeMember:
    """Seat an elected member of a class, within the term and the class's seats."""
    return _new_member(term, data, None)


def resign_member(member: CommitteeMember, left_on: date) -> None:
    """Record that a member resigned: ``left_on`` is the last day they held the seat."""
    if member.left_on is not None:
        raise _fail(_l("This member has already left."), "left_on")
    if not member.starts_on <= left_on <= member.ends_on:
        raise _fail(_l("The last day must fall within the member's dates, from %(start)s to "
                       "%(end)s.", start=member.starts_on.isoformat(),
                       end=member.ends_on.isoformat()), "left_on")
    member.left_on = left_on
    db.session.flush()


def replace_member(member: CommitteeMember, data: MemberData) -> CommitteeMember:
    """Seat a replacement for a member who left, in the same class, from a later day."""
    if member.left_on is None:
        raise _fail(_l("Record the resignation before the replacement."), "starts_on")
    if db.session.scalar(sa.select(CommitteeMember.id).where(
            CommitteeMember.replaces_id == member.id)) is not None:
        raise _fail(_l("This member has already been replaced."), "starts_on")
    if data.starts_on <= member.left_on:
        raise _fail(_l("The replacement starts after the last day of the member who left "
                       "(%(day)s).", day=member.left_on.isoformat()), "starts_on")
    if data.customer_class is not member.customer_class:
        raise _fail(_l("A replacement takes the seat of the same class."), "customer_class")
    return _new_member(member.term, data, member)


def link_account(member: CommitteeMember, user: User | None) -> None:
    """Let a committee account act as this member (None unlinks it)."""
    if user is not None:
        if Role(user.role) is not Role.COMMITTEE or user.disabled_at is not None:
            raise _fail(_l("Only an active committee account can be linked to a member."),
                        "user_id")
        taken = db.session.scalar(sa.select(CommitteeMember).where(
            CommitteeMember.term_id == member.term_id, CommitteeMember.user_id == user.id,
            CommitteeMember.id != member.id))
        if taken is not None:
            raise _fail(_l("This account is already linked to another member of this term."),
                        "user_id")
    member.user_id = user.id if user is not None else None
    db.session.flush()


def seated_on(term: Term, day: date) -> list[CommitteeMember]:
    """The members holding a seat on ``day``, chair first."""
    order = {MemberRole.CHAIR: 0, MemberRole.VICE_CHAIR: 1, MemberRole.MEMBER: 2}
    return sorted((m for m in term.members if m.seated_on(day)),
                  key=lambda m: (order[m.role], CLASSES.index(m.customer_class.value), m.name))


def elected_candidates(term: Term) -> set[int]:
    """The ids of the term's candidates who were elected (a member came from them)."""
    return {m.candidate_id for m in term.members if m.candidate_id is not None}
