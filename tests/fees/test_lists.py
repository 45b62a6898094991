"""Every list of the fee standards is paginated and costs the same queries at any length."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees.enums import CustomerClass, FeeStatus, Period, PublicationStatus, VoltageLevel
from portal.fees.models import FeeItem, Tariff, TariffPrice, TariffVersion
from tests.conftest import count_statements


def _add_tariffs(app, count):
    """``count`` tariffs, each with one published single-price version (written directly)."""
    with app.app_context():
        for index in range(count):
            tariff = Tariff(code=f"T-{index:04d}", name_zh=f"电价 {index}",
                            name_en=f"Tariff {index}",
                            customer_class=list(CustomerClass)[index % 4],
                            voltage_level=VoltageLevel.LV)
            tariff.versions = [TariffVersion(
                number=1, effective_from=date(2024, 1, 1), status=PublicationStatus.PUBLISHED,
                published_at=utcnow(), basis_number="测试〔2024〕1号", basis_title="测试",
                prices=[TariffPrice(tier=1, period=Period.ALL, price=Decimal("0.5"))])]
            db.session.add(tariff)
        db.session.commit()


def _add_fee_items(app, count, status=FeeStatus.ACTIVE):
    with app.app_context():
        db.session.add_all(
            FeeItem(code=f"FEE-{index:04d}", name_zh=f"收费 {index}", name_en=f"Charge {index}",
                    amount=Decimal("1.00"), status=status, basis_number="n", basis_title="t",
                    abolished_on=date(2020, 1, 1) if status is FeeStatus.ABOLISHED else None)
            for index in range(count))
        db.session.commit()


@pytest.fixture
def staff(make_user, auth):
    make_user("staffer", role="staff")
    auth.login("staffer")


@pytest.mark.parametrize("rows", [10, 500])
def test_tariff_list_costs_the_same_queries_at_any_length(app, client, rows):
    _add_tariffs(app, rows)
    queries, page = count_statements(app, client, "/tariffs/?lang=en&on=2024-06-01")
    assert queries <= 8, queries  # with the public-changes counter that the page cache reads
    again, kept = count_statements(app, client, "/tariffs/?lang=en&on=2024-06-01")
    assert again <= 1 and kept == page  # at most the counter (read on a connection of its own)
    assert page.count('class="tariff-card"') == min(rows, 50)
    assert page.count("0.5000 yuan/kWh") == min(rows, 50)


def test_tariff_list_keeps_classes_in_order_and_pages_on(app, client):
    _add_tariffs(app, 120)
    first = client.get("/tariffs/?lang=en").get_data(as_text=True)
    headings = re.findall(r'<h2 id="class-(\w+)"', first)
    assert headings == ["residential", "agricultural"]
    assert "Page 1 of 3" in first
    last = client.get("/tariffs/?lang=en&page=3&on=2024-06-01").get_data(as_text=True)
    assert re.findall(r'<h2 id="class-(\w+)"', last) == ["large_industrial"]
    assert last.count('class="tariff-card"') == 20 and 'rel="prev"' in last
    assert "on=2024-06-01" in re.search(r'rel="prev" href="([^"]+)"', last).group(1)


@pytest.mark.parametrize(("url", "status"), [("/fees/?lang=en", FeeStatus.ACTIVE),
                                             ("/fees/abolished?lang=en", FeeStatus.ABOLISHED)])
@pytest.mark.parametrize("rows", [10, 500])
def test_fee_item_lists_cost_the_same_queries_at_any_length(app, client, rows, url, status):
    _add_fee_items(app, rows, status)
    queries, page = count_statements(app, client, url)
    assert queries <= 4, queries
    assert page.count('class="fee-card') == min(rows, 50)
    if rows > 50:
        assert "Page 1 of 10" in page


@pytest.mark.parametrize("rows", [10, 500])
def test_staff_lists_cost_the_same_queries_at_any_length(app, client, staff, rows):
    _add_tariffs(app, rows)
    _add_fee_items(app, rows)
    queries, page = count_statements(app, client, "/staff/fees/?lang=en")
    assert queries <= 6, queries
    assert page.count("Draft a new version</a>") == min(rows, 50)
    queries, page = count_statements(app, client, "/staff/fees/items/?lang=en")
    assert queries <= 6, queries
    assert page.count('class="fee-row"') == min(rows, 50)


@pytest.mark.parametrize("rows", [10, 500])
def test_feed_costs_the_same_queries_at_any_length(app, client, rows):
    _add_tariffs(app, rows)
    _add_fee_items(app, rows)
    queries, feed = count_statements(app, client, "/tariffs/feed.atom")
    assert queries <= 4, queries
    assert feed.count("<entry>") == min(2 * rows, 50)


@pytest.mark.parametrize("rows", [10, 500])
def test_api_lists_cost_the_same_queries_at_any_length(app, client, rows):
    _add_tariffs(app, rows)
    _add_fee_items(app, rows)
    queries, _body = count_statements(app, client, "/api/v1/tariffs?on=2024-06-01")
    assert queries <= 9, queries  # with the public-changes counter
    queries, _body = count_statements(app, client, "/api/v1/fees")
    assert queries <= 4, queries


def test_api_lists_are_paginated_with_link_headers(app, client):
    _add_tariffs(app, 5)
    response = client.get("/api/v1/tariffs?on=2024-06-01&per_page=2&page=2")
    data = response.json
    assert data["on"] == "2024-06-01"  # the keys clients already read are kept
    assert [t["code"] for t in data["tariffs"]] == ["T-0002", "T-0003"]
    assert data["tariffs"][0]["version"]["number"] == 1
    assert (data["page"], data["per_page"], data["total"]) == (2, 2, 5)
    assert response.headers["X-Total-Count"] == "5"
    assert 'rel="next"' in response.headers["Link"] and "on=2024-06-01" in data["links"]["next"]
    bad = client.get("/api/v1/fees?per_page=501&lang=en")
    assert bad.status_code == 400 and bad.json["error"]["parameter"] == "per_page"


def test_csv_downloads_stay_complete(app, client):
    _add_tariffs(app, 130)
    _add_fee_items(app, 130)
    tariffs = client.get("/api/v1/tariffs.csv?on=2024-06-01").get_data(as_text=True)
    assert len(tariffs.strip().splitlines()) == 131
    fees = client.get("/api/v1/fees.csv").get_data(as_text=True)
    assert len(fees.strip().splitlines()) == 131
    assert len(client.get("/api/v1/fees").json["fee_items"]) == 100


def test_staff_reach_every_fee_item_from_the_index(app, client, staff):
    _add_fee_items(app, 3)
    index = client.get("/staff/fees/?lang=en").get_data(as_text=True)
    assert 'href="/staff/fees/items/"' in index and 'href="/staff/fees/items/new"' in index
    items = client.get("/staff/fees/items/?lang=en").get_data(as_text=True)
    assert 'href="/staff/fees/items/FEE-0002"' in items


def test_fee_item_texts_fall_back_to_chinese(app, client):
    with app.app_context():
        db.session.add(FeeItem(code="ZH-ONLY", name_zh="只有中文", unit_zh="元/次",
                               unit_en="per visit", amount=Decimal("5"), basis_number="n",
                               basis_title="t"))
        db.session.commit()
    page = client.get("/fees/?lang=en").get_data(as_text=True)
    assert '<h2><span lang="zh-Hans">只有中文</span></h2>' in page and "per visit" in page
