"""Fixtures of the committee: a term factory with demo-like fees."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from portal.committee import meetings, services
from portal.committee.enums import MemberRole
from portal.committee.models import Term
from portal.core.models import utcnow
from portal.extensions import db
from portal.fees.enums import CustomerClass

D = Decimal
FEES = (("residential", D("1500000.00")), ("agricultural", D("150000.00")),
        ("general", D("1700000.00")), ("large_industrial", D("6650000.00")))


def term_data(**overrides: Any) -> services.TermData:
    """An 11-seat term of 2024-2026 with demo-like fees."""
    values: dict[str, Any] = {
        "starts_on": date(2024, 1, 1), "ends_on": date(2026, 12, 31), "total_seats": 11,
        "minimum_seats": 1, "reference_year": 2023,
        "fees": tuple(services.ClassFees(key, amount, "测试统计表") for key, amount in FEES)}
    values.update(overrides)
    return services.TermData(**values)


@pytest.fixture
def make_term(app):
    """Create a term (published unless ``publish=False``); returns its id."""

    def factory(publish: bool = True, **overrides: Any) -> int:
        with app.app_context():
            term = services.create_term(term_data(**overrides), None)
            if publish:
                services.publish_term(term, None, utcnow())
            db.session.commit()
            return term.id

    return factory


def member_data(**overrides: Any) -> services.MemberData:
    """A residential member for the whole term."""
    values: dict[str, Any] = {"name": "测试委员甲", "customer_class": CustomerClass.RESIDENTIAL,
                              "role": MemberRole.MEMBER, "starts_on": date(2024, 1, 1)}
    values.update(overrides)
    return services.MemberData(**values)


@pytest.fixture
def committee(app, make_term, make_user):
    """A current term, three seated members (two with accounts: ann and bob), a meeting held
    yesterday; returns the ids."""
    today = date.today()
    term_id = make_term(starts_on=today - timedelta(days=400),
                        ends_on=today + timedelta(days=700), reference_year=today.year - 2)
    ann, _ = make_user("ann", role="committee")
    bob, _ = make_user("bob", role="committee")
    make_user("carl", role="committee")  # an account linked to no member
    with app.app_context():
        term = db.session.get(Term, term_id)
        first = term.starts_on
        members = [services.elect_member(term, member_data(name=name, customer_class=cls,
                                                           starts_on=first))
                   for name, cls in (("委员甲", CustomerClass.RESIDENTIAL),
                                     ("委员乙", CustomerClass.GENERAL),
                                     ("委员丙", CustomerClass.LARGE_INDUSTRIAL))]
        services.link_account(members[0], user_of(ann.id))
        services.link_account(members[1], user_of(bob.id))
        meeting = meetings.create_meeting(meetings.MeetingData(
            utcnow() - timedelta(days=1), "示范会议室", "1. 审议电费投诉"), None)
        db.session.commit()
        return {"term": term_id, "meeting": meeting.id, "members": [m.id for m in members],
                "ann": ann.id, "bob": bob.id}


def user_of(user_id):
    from portal.accounts.models import User

    return db.session.get(User, user_id)
