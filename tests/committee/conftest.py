"""Fixtures of the committee: a term factory with demo-like fees."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portal.committee import services
from portal.committee.enums import MemberRole
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
