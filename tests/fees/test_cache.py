"""Published prices are cached (Flask-Caching): publishing drops the entry, and portals on
different databases never read each other's entries, in memory or in a shared Redis."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import redis

from portal.extensions import db
from portal.fees import services
from portal.fees.enums import CustomerClass, Period, VoltageLevel
from portal.fees.structure import PriceStructure

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def _prices(price):
    return PriceStructure(prices={(1, Period.ALL): Decimal(price)})


def _draft(price):
    return services.VersionDraft(date(2024, 1, 1), None, services.LegalBasis("n", "t"),
                                 _prices(price))


def _publish_tariff(app, price, code="T-1"):
    """A tariff (T-1) with one version published at NOW; the version's id."""
    with app.app_context():
        tariff = services.create_tariff(code, "测试", None, CustomerClass.RESIDENTIAL,
                                        VoltageLevel.LV)
        version = services.create_draft(tariff, _draft(price), None)
        services.publish_version(version, None, NOW)
        db.session.commit()
        return version.id


def _price_seen(app):
    with app.app_context():
        version = services.get_tariff("T-1").versions[0]
        return services.published_structure(version).price(1, Period.ALL)


def test_publishing_drops_the_cached_prices(app):
    """A publication rolled back and done again (same id, same time) shows the new prices."""
    with app.app_context():
        tariff = services.create_tariff("T-1", "测试", None, CustomerClass.RESIDENTIAL,
                                        VoltageLevel.LV)
        version = services.create_draft(tariff, _draft("0.1"), None)
        db.session.commit()
        services.publish_version(version, None, NOW)
        assert services.published_structure(version).price(1, Period.ALL) == Decimal("0.1")
        db.session.rollback()  # the commit failed, say
        assert not version.is_published
        services.update_draft(version, _draft("0.9"))
        services.publish_version(version, None, NOW)
        db.session.commit()
    assert _price_seen(app) == Decimal("0.9")


def test_published_prices_are_read_from_the_cache(app, client):
    _publish_tariff(app, "0.5")
    assert _price_seen(app) == Decimal("0.5")
    with app.app_context():  # behind the portal's back: the cache still answers
        version = services.get_tariff("T-1").versions[0]
        version.prices[0].price = Decimal("0.7")
        db.session.commit()
    assert _price_seen(app) == Decimal("0.5")


def _backends():
    backends = [pytest.param({}, id="memory")]
    marks = [] if REDIS_URL else [pytest.mark.skip(reason="PORTAL_TEST_REDIS_URL not set")]
    backends.append(pytest.param({"CACHE_REDIS_URL": REDIS_URL}, id="redis", marks=marks))
    return backends


@pytest.mark.parametrize("settings", _backends())
def test_portals_on_different_databases_never_share_entries(make_app, tmp_path, settings):
    if settings:
        redis.Redis.from_url(REDIS_URL).flushdb()
    other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    first = make_app(**settings)
    second = make_app(DATABASE_URL=other_url, **settings)  # which empties the first database
    with first.app_context():
        db.create_all()
    first_id, second_id = _publish_tariff(first, "0.1"), _publish_tariff(second, "0.9")
    assert first_id == second_id  # the same key but for the database
    assert _price_seen(first) == Decimal("0.1")
    assert _price_seen(second) == Decimal("0.9")
    if settings:
        assert redis.Redis.from_url(REDIS_URL).dbsize() == 2


def test_an_unreachable_redis_slows_pages_down_without_breaking_them(make_app):
    app = make_app(CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    _publish_tariff(app, "0.5")
    response = app.test_client().get("/tariffs/T-1?lang=en")
    assert response.status_code == 200 and "0.5000" in response.get_data(as_text=True)


def test_a_hung_redis_costs_one_timeout_not_one_per_price(make_app, monkeypatch):
    from portal.core import cache, page_cache

    app = make_app(CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    for code in ("T-1", "T-2", "T-3", "T-4"):
        _publish_tariff(app, "0.5", code=code)
    app.extensions[cache.DOWN_UNTIL][0] = 0.0  # Redis is back, as far as the portal knows
    asked = []

    def hung(key):
        asked.append(key)
        time.sleep(0.5)
        raise ConnectionError("no answer")

    monkeypatch.setattr(cache.cache, "get", hung)
    monkeypatch.setattr(page_cache.pages, "get", hung)  # the page itself is asked first
    response = app.test_client().get("/tariffs/?lang=en")
    assert response.status_code == 200 and response.get_data(as_text=True).count("0.5000") == 4
    assert len(asked) == 1  # after the first failure the page stops asking
