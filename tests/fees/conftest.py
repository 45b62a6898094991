"""Fixtures of the fee standards: the demo data set and a tariff factory."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import demo, services
from portal.fees.enums import BillingBasis, CustomerClass, Period, VoltageLevel
from portal.fees.structure import PriceStructure

D = Decimal
ZJ = PriceStructure(tiers=(D(2760), D(4800), None), billing_basis=BillingBasis.ANNUAL,
                    prices={(1, Period.ALL): D("0.538"), (2, Period.ALL): D("0.588"),
                            (3, Period.ALL): D("0.838")})


@pytest.fixture
def demo_fees(app):
    """The demo tariffs and fee items, imported as `demo load` does."""
    with app.app_context():
        demo.load(utcnow())
        db.session.commit()


@pytest.fixture
def make_tariff(app):
    """Create a tariff with one version; returns its code. Call inside no app context."""

    def factory(code="T-1", structure=ZJ, start=date(2024, 1, 1), end=None, publish=True,
                customer_class=CustomerClass.RESIDENTIAL):
        with app.app_context():
            tariff = services.get_tariff(code) or services.create_tariff(
                code, f"测试 {code}", f"Test {code}", customer_class, VoltageLevel.LV)
            draft = services.VersionDraft(start, end, services.LegalBasis("测试〔2024〕1号",
                                                                          "测试文件"),
                                          structure)
            version = services.create_draft(tariff, draft, None)
            if publish:
                services.publish_version(version, None, utcnow())
            db.session.commit()
            return version.number

    return factory
