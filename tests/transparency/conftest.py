"""Fixtures of the transparency log: the fee fixtures, and entries made by publishing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import services as fees
from portal.transparency import services
from tests.fees.conftest import demo_fees, make_tariff  # noqa: F401 (fixtures)


def fee_data(code: str = "F-1", amount: str | None = "10.00", **overrides):
    """A fee item as staff would enter it."""
    values = {"code": code, "name_zh": f"费用 {code}", "name_en": f"Fee {code}",
              "amount": Decimal(amount) if amount is not None else None, "unit_zh": "次",
              "unit_en": "each", "conditions_zh": None, "conditions_en": None,
              "basis": fees.LegalBasis("测试〔2024〕2号", "测试文件")}
    values.update(overrides)
    return fees.FeeItemData(**values)


@pytest.fixture
def publish_fees(app):
    """Save fee items (each in its own transaction); returns the log's size afterwards."""

    def factory(*codes: str) -> int:
        for code in codes:
            with app.app_context():
                fees.save_fee_item(fee_data(code), utcnow())
                db.session.commit()
        with app.app_context():
            return services.head().size

    return factory
