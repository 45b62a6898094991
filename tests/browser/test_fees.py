"""A resident on a phone finds the residential tariff, calculates a bill, switches to English."""

from __future__ import annotations

import pytest

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import demo
from tests.browser.conftest import DESKTOP, open_menu, screenshot
from tests.browser.test_pages import serious_violations


@pytest.fixture
def fees_server(live_server):
    with live_server.app.app_context():
        demo.load(utcnow())
        db.session.commit()
    return live_server


def test_resident_finds_tariff_calculates_bill_and_switches_language(page, fees_server):
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.goto("/")
    open_menu(page)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="电价").click()
    assert page.locator("h1").inner_text() == "电价"
    screenshot(page, "tariffs-zh-360")
    assert serious_violations(page) == []
    page.get_by_role("link", name="居民阶梯电价（一户一表，浙江式）").click()
    assert "RES-TIER-ZJ" in page.locator("h1").inner_text()
    # The chart is drawn by Plotly, served by the portal, under the strict CSP.
    page.wait_for_selector(".chart .main-svg", timeout=10000)
    screenshot(page, "tariff-zh-360")
    assert serious_violations(page) == []
    page.get_by_role("link", name="用此电价计算电费").click()
    page.get_by_label("用电量（千瓦时）").fill("3000")
    page.get_by_role("button", name="计算").click()
    # 2,760 x 0.538 = 1,484.88 plus 240 x 0.588 = 141.12
    assert "1,626.00" in page.locator("h2#result-title").inner_text()
    screenshot(page, "bill-zh-360")
    assert serious_violations(page) == []
    page.get_by_role("link", name="English").click()
    assert "Your bill" in page.locator("h2#result-title").inner_text()
    assert "Energy (tier 2)" in page.locator("table.bill").inner_text()
    screenshot(page, "bill-en-360")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_abolished_charges_and_bill_check_on_desktop(page, fees_server):
    page.set_viewport_size(DESKTOP)
    page.goto("/fees/abolished?lang=en")
    assert "Temporary connection fee" in page.content()
    assert serious_violations(page) == []
    page.goto("/fees/check?lang=en")
    page.get_by_label("Charge", exact=True).first.select_option("TEMP-CONN")
    page.locator("#rows-0-amount").fill("200")
    page.get_by_role("button", name="Check the charges").click()
    assert "1 charge looks wrong" in page.locator("#findings-title").inner_text()
    screenshot(page, "check-en-1280")
    assert serious_violations(page) == []


@pytest.mark.parametrize("path", [
    "/tariffs/RES-TIER-BJ/history", "/tariffs/RES-TIER-BJ/compare?a=1&b=2", "/fees/",
    "/tariffs/LI-CAP-10KV/bill?peak_kwh=1&flat_kwh=2&valley_kwh=3&capacity_kva=400"])
def test_fee_pages_are_accessible(page, fees_server, path):
    page.goto(path)
    assert serious_violations(page) == []
