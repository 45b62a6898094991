"""The committee's rules: terms, publication into the log, members, resignations, accounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.committee import services
from portal.committee.enums import MemberRole
from portal.committee.models import CommitteeMember, Term, TermFee
from portal.core.models import utcnow
from portal.extensions import db
from portal.fees.enums import CustomerClass
from portal.transparency.models import LogEntry

from .conftest import member_data, term_data


def _term(term_id: int) -> Term:
    term = db.session.get(Term, term_id)
    assert term is not None
    return term


def test_publishing_a_term_enters_it_in_the_log(app, make_term) -> None:
    term_id = make_term()
    with app.app_context():
        entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.kind == "committee_term"))
        assert entry is not None and entry.key == f"committee-term:{term_id}"
        content = entry.content.decode()
        assert '"seats":1' in content and '"fees":"150000.00"' in content
        assert _term(term_id).is_published


def test_a_published_term_never_changes(app, make_term) -> None:
    term_id = make_term()
    with app.app_context():
        term = _term(term_id)
        with pytest.raises(services.CommitteeError):
            services.update_term(term, term_data(total_seats=13))
        with pytest.raises(services.CommitteeError):
            services.delete_term(term)
        with pytest.raises(services.CommitteeError):
            services.publish_term(term, None, utcnow())
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)) == 1


def test_terms_do_not_overlap(app, make_term) -> None:
    make_term()
    with app.app_context():
        term = services.create_term(term_data(starts_on=date(2026, 6, 1),
                                              ends_on=date(2029, 5, 31)), None)
        with pytest.raises(services.CommitteeError) as error:
            services.publish_term(term, None, utcnow())
        assert error.value.field == "starts_on"


def test_a_tie_that_remains_cannot_be_published(app, make_term) -> None:
    fees = (services.ClassFees("residential", Decimal(6), "x"),
            services.ClassFees("general", Decimal(6), "x"),
            services.ClassFees("agricultural", Decimal(2), "x"))
    with app.app_context():
        term = services.create_term(term_data(fees=fees), None)  # a draft may show the tie
        with pytest.raises(services.CommitteeError) as error:
            services.publish_term(term, None, utcnow())
        assert error.value.field == "total_seats"
        assert not term.is_published


@pytest.mark.parametrize(("overrides", "field"), [
    ({"ends_on": date(2023, 12, 31)}, "ends_on"),
    ({"reference_year": 2025}, "reference_year"),
    ({"total_seats": 3}, "total_seats"),
    ({"fees": (services.ClassFees("students", Decimal(1), "x"),)}, "customer_class"),
    ({"fees": (services.ClassFees("residential", Decimal(0), "x"),)}, "fees"),
    ({"fees": (services.ClassFees("residential", Decimal(5), " "),)}, "fees"),
    ({"fees": (services.ClassFees("residential", Decimal(5), "x"),
               services.ClassFees("residential", Decimal(6), "y"))}, "fees"),
])
def test_bad_terms_are_refused_and_nothing_is_written(app, overrides, field) -> None:
    with app.test_request_context("/?lang=en"):
        with pytest.raises(services.CommitteeError) as error:
            services.create_term(term_data(**overrides), None)
        assert error.value.field == field
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Term)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TermFee)) == 0


def test_members_within_the_term_and_the_class_seats(app, make_term) -> None:
    term_id = make_term()
    with app.app_context():
        term = _term(term_id)
        services.elect_member(term, member_data(name="甲"))
        services.elect_member(term, member_data(name="乙", role=MemberRole.CHAIR))
        # residents have 2 seats: a third is refused
        with pytest.raises(services.CommitteeError) as error:
            services.elect_member(term, member_data(name="丙"))
        assert error.value.field == "customer_class"
        # one chair at a time
        with pytest.raises(services.CommitteeError) as error:
            services.elect_member(term, member_data(
                name="丁", customer_class=CustomerClass.GENERAL, role=MemberRole.CHAIR))
        assert error.value.field == "role"
        # dates outside the term
        with pytest.raises(services.CommitteeError) as error:
            services.elect_member(term, member_data(
                name="戊", customer_class=CustomerClass.GENERAL, starts_on=date(2023, 12, 1)))
        assert error.value.field == "starts_on"
        with pytest.raises(services.CommitteeError):
            services.elect_member(term, member_data(
                name="戊", customer_class=CustomerClass.GENERAL, ends_on=date(2027, 1, 1)))
        assert len(term.members) == 2


def test_a_draft_term_has_no_members(app, make_term) -> None:
    term_id = make_term(publish=False)
    with app.app_context(), pytest.raises(services.CommitteeError):
        services.elect_member(_term(term_id), member_data())


def test_a_resignation_and_its_replacement(app, make_term) -> None:
    term_id = make_term()
    with app.app_context():
        term = _term(term_id)
        first = services.elect_member(term, member_data(name="甲"))
        services.elect_member(term, member_data(name="乙"))
        with pytest.raises(services.CommitteeError):  # not resigned yet
            services.replace_member(first, member_data(name="丙", starts_on=date(2025, 3, 1)))
        with pytest.raises(services.CommitteeError):  # outside the member's dates
            services.resign_member(first, date(2027, 1, 1))
        services.resign_member(first, date(2025, 2, 28))
        with pytest.raises(services.CommitteeError):  # must start after the last day
            services.replace_member(first, member_data(name="丙", starts_on=date(2025, 2, 28)))
        with pytest.raises(services.CommitteeError):  # same class only
            services.replace_member(first, member_data(
                name="丙", starts_on=date(2025, 3, 1), customer_class=CustomerClass.GENERAL))
        replacement = services.replace_member(first, member_data(name="丙",
                                                                 starts_on=date(2025, 3, 1)))
        assert replacement.replaces is first
        assert {m.name for m in services.seated_on(term, date(2025, 2, 28))} == {"甲", "乙"}
        assert {m.name for m in services.seated_on(term, date(2025, 3, 1))} == {"乙", "丙"}
        with pytest.raises(services.CommitteeError):  # replaced once only
            services.replace_member(first, member_data(name="丁", starts_on=date(2025, 4, 1)))


def test_only_a_committee_account_is_linked(app, make_term, make_user) -> None:
    staff, _ = make_user("clerk", role="staff")
    member_account, _ = make_user("member1", role="committee")
    term_id = make_term()
    with app.app_context():
        term = _term(term_id)
        first = services.elect_member(term, member_data(name="甲"))
        second = services.elect_member(term, member_data(name="乙"))
        with pytest.raises(services.CommitteeError) as error:
            services.link_account(first, db.session.get(User, staff.id))
        assert error.value.field == "user_id"
        services.link_account(first, db.session.get(User, member_account.id))
        with pytest.raises(services.CommitteeError):
            services.link_account(second, db.session.get(User, member_account.id))
        db.session.commit()
        assert db.session.scalar(sa.select(CommitteeMember.user_id).where(
            CommitteeMember.id == first.id)) == member_account.id
