"""Versions: drafting, publishing, immutability, no overlap, validation of structures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import services
from portal.fees.enums import BillingBasis, Period, PublicationStatus
from portal.fees.models import TariffPrice, TariffVersion
from portal.fees.structure import HourSpan, PriceStructure, check_structure
from tests.fees.conftest import ZJ

D = Decimal


def _versions(app, code="T-1"):
    with app.app_context():
        tariff = services.get_tariff(code)
        return [(v.number, v.status, v.effective_from, v.effective_to) for v in tariff.versions]


def test_publishing_a_successor_closes_the_open_predecessor(app, make_tariff):
    make_tariff(start=date(2020, 1, 1))
    make_tariff(start=date(2024, 7, 1))
    assert _versions(app) == [
        (1, PublicationStatus.PUBLISHED, date(2020, 1, 1), date(2024, 6, 30)),
        (2, PublicationStatus.PUBLISHED, date(2024, 7, 1), None),
    ]
    with app.app_context():
        tariff = services.get_tariff("T-1")
        assert services.version_in_force(tariff, date(2024, 6, 30)).number == 1
        assert services.version_in_force(tariff, date(2024, 7, 1)).number == 2
        assert services.version_in_force(tariff, date(2019, 12, 31)) is None


@pytest.mark.parametrize(("start", "end"), [
    (date(2024, 1, 1), None),               # same start
    (date(2023, 6, 1), date(2024, 1, 1)),   # ends on the first day of the other
    (date(2023, 1, 1), None),               # open-ended, starting before the other
    (date(2024, 3, 1), date(2024, 4, 1)),   # inside a closed version
])
def test_overlapping_versions_are_refused(app, make_tariff, start, end):
    make_tariff(start=date(2024, 1, 1), end=date(2024, 12, 31))
    with app.app_context():
        tariff = services.get_tariff("T-1")
        draft = services.VersionDraft(start, end, services.LegalBasis("n", "t"), ZJ)
        version = services.create_draft(tariff, draft, None)
        with pytest.raises(services.FeeError) as error:
            services.publish_version(version, None, utcnow())
        assert error.value.errors[0].field == "effective_from"
        db.session.rollback()
    assert [row[1] for row in _versions(app)] == [PublicationStatus.PUBLISHED]


def test_adjacent_versions_do_not_overlap(app, make_tariff):
    make_tariff(start=date(2024, 1, 1), end=date(2024, 12, 31))
    make_tariff(start=date(2025, 1, 1))
    make_tariff(start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert [row[0] for row in _versions(app)] == [1, 2, 3]


def test_published_versions_cannot_be_changed_or_deleted(app, make_tariff):
    make_tariff()
    with app.app_context():
        version = services.get_tariff("T-1").versions[0]
        draft = services.draft_of(version)
        with pytest.raises(services.FeeError):
            services.update_draft(version, draft)
        with pytest.raises(services.FeeError):
            services.delete_draft(version)
        with pytest.raises(services.FeeError):
            services.publish_version(version, None, utcnow())
        db.session.rollback()
        prices = db.session.scalars(sa.select(TariffPrice.price).order_by(TariffPrice.tier)).all()
    assert prices == [D("0.5380"), D("0.5880"), D("0.8380")]


def test_drafts_can_be_changed_and_deleted(app, make_tariff):
    make_tariff(publish=False)
    with app.app_context():
        version = services.get_tariff("T-1").versions[0]
        draft = services.draft_of(version)
        cheaper = PriceStructure(prices={(1, Period.ALL): D("0.5")})
        services.update_draft(version, services.VersionDraft(
            draft.effective_from, None, draft.basis, cheaper))
        db.session.commit()
        assert [p.price for p in version.prices] == [D("0.5")]
        services.delete_draft(version)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TariffVersion)) == 0


def test_publishing_records_who_and_when(app, make_user):
    user, _password = make_user()
    with app.app_context():
        from portal.fees.enums import CustomerClass, VoltageLevel

        tariff = services.create_tariff("t-2", "测试", None, CustomerClass.GENERAL,
                                        VoltageLevel.LV)
        version = services.create_draft(tariff, services.VersionDraft(
            date(2024, 1, 1), None, services.LegalBasis("n", "t"), ZJ), None)
        before = utcnow()
        services.publish_version(version, db.session.get(type(user), user.id), utcnow())
        db.session.commit()
        assert tariff.code == "T-2"
        assert version.published_by_id == user.id and version.published_at >= before


def _errors(structure):
    return {error.field.split("[")[0] for error in check_structure(structure)}


@pytest.mark.parametrize(("structure", "field"), [
    (PriceStructure(tiers=(D(4800), D(2760), None), billing_basis=BillingBasis.ANNUAL,
                    prices={(t, Period.ALL): D(1) for t in (1, 2, 3)}), "tiers"),
    (PriceStructure(tiers=(D(2760), D(2760), None), billing_basis=BillingBasis.ANNUAL,
                    prices={(t, Period.ALL): D(1) for t in (1, 2, 3)}), "tiers"),
    (PriceStructure(tiers=(D(0), None), billing_basis=BillingBasis.ANNUAL,
                    prices={(t, Period.ALL): D(1) for t in (1, 2)}), "tiers"),
    (PriceStructure(tiers=(D(100), None),
                    prices={(t, Period.ALL): D(1) for t in (1, 2)}), "billing_basis"),
    (PriceStructure(tiers=(D(100), D(200))), "tiers"),
    (PriceStructure(prices={(1, Period.ALL): D(0)}), "prices"),
    (PriceStructure(prices={(1, Period.ALL): D("-0.5")}), "prices"),
    (PriceStructure(prices={(1, Period.ALL): D("0.12345")}), "prices"),
    (PriceStructure(prices={}), "prices"),
    (PriceStructure(tiers=(D(100), None), billing_basis=BillingBasis.ANNUAL,
                    prices={(1, Period.ALL): D(1)}), "prices"),
    (PriceStructure(prices={(1, Period.PEAK): D(1), (1, Period.VALLEY): D(1)},
                    hours=(HourSpan(Period.PEAK, 0, 720), HourSpan(Period.VALLEY, 720, 1400))),
     "hours"),  # 23:20-24:00 not covered
    (PriceStructure(prices={(1, Period.PEAK): D(1), (1, Period.VALLEY): D(1)},
                    hours=(HourSpan(Period.PEAK, 0, 800), HourSpan(Period.VALLEY, 720, 1440))),
     "hours"),  # overlap
    (PriceStructure(prices={(1, Period.PEAK): D(1), (1, Period.VALLEY): D(1)},
                    hours=(HourSpan(Period.PEAK, 0, 1440),)), "hours"),  # valley has no hours
    (PriceStructure(prices={(1, Period.ALL): D(1), (1, Period.PEAK): D(1)},
                    hours=(HourSpan(Period.PEAK, 0, 1440),)), "prices"),
    (PriceStructure(prices={(1, Period.ALL): D(1)}, basic_charge_rate=D(24)), "basic_charge"),
])
def test_unsound_structures_are_refused(structure, field):
    assert field in _errors(structure)


def test_sound_structures_pass():
    from tests.fees.test_billing import TOU, TWO_PART

    for structure in (ZJ, TOU, TWO_PART, PriceStructure(prices={(1, Period.ALL): D("0.558")})):
        assert check_structure(structure) == []


def test_end_before_start_is_refused(app):
    with app.app_context():
        draft = services.VersionDraft(date(2024, 1, 2), date(2024, 1, 1),
                                      services.LegalBasis("n", "t"), ZJ)
        assert "effective_to" in {error.field for error in services.check_draft(draft)}


def test_the_database_refuses_a_zero_price_too(app, make_tariff):
    make_tariff(publish=False)
    with app.app_context():
        version = db.session.scalar(sa.select(TariffVersion))
        db.session.add(TariffPrice(version_id=version.id, tier=9, period=Period.ALL, price=0))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_cached_prices_never_outlive_their_version(app, make_tariff):
    """The per-process cache of published prices is keyed so that a reused id is a miss."""
    cheap = PriceStructure(prices={(1, Period.ALL): D("0.1")})
    dear = PriceStructure(prices={(1, Period.ALL): D("0.9")})
    make_tariff(structure=cheap)
    with app.app_context():
        version = services.get_tariff("T-1").versions[0]
        assert services.published_structure(version).price(1, Period.ALL) == D("0.1")
        db.session.delete(version.tariff)
        db.session.commit()
    make_tariff(structure=dear)  # the same id again, published at another time
    with app.app_context():
        version = services.get_tariff("T-1").versions[0]
        assert services.published_structure(version).price(1, Period.ALL) == D("0.9")
