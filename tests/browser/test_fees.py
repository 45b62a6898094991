"""A resident works out a bill from the home page, finds a tariff, checks a bill."""

from __future__ import annotations

import pytest

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import demo
from tests.browser.conftest import DESKTOP, PHONE, click_through, open_menu, screenshot
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
    main_menu = page.get_by_role("navigation", name="主导航")
    click_through(page, main_menu.get_by_role("link", name="电价"))
    assert page.locator("h1").inner_text() == "电价"
    screenshot(page, "tariffs-zh-360")
    assert serious_violations(page) == []
    tariff = page.get_by_role("link", name="居民阶梯电价（一户一表，北山县以外）", exact=True)
    click_through(page, tariff)
    assert "RES-TIER-ZJ" in page.locator("h1").inner_text()
    # The chart is drawn by Plotly, served by the portal, under the strict CSP.
    page.wait_for_selector(".chart .main-svg", timeout=10000)
    screenshot(page, "tariff-zh-360")
    assert serious_violations(page) == []
    click_through(page, page.get_by_role("link", name="用此电价计算电费"))
    page.get_by_label("本期用电量（千瓦时）").fill("3000")
    page.get_by_label("本年度此前已用电量（不含本期，千瓦时）").fill("0")
    click_through(page, page.get_by_role("button", name="计算"))
    # 2,760 x 0.538 = 1,484.88 plus 240 x 0.588 = 141.12
    assert "1,626.00" in page.locator("h2#result-title").inner_text()
    screenshot(page, "bill-zh-360")
    assert serious_violations(page) == []
    click_through(page, page.get_by_role("link", name="English"))
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
    click_through(page, page.get_by_role("button", name="Check my bill"))
    assert "1 charge looks wrong" in page.locator("#findings-title").inner_text()
    screenshot(page, "check-en-1280")
    assert serious_violations(page) == []


@pytest.mark.parametrize("path", [
    "/tariffs/RES-TIER-BJ/history", "/tariffs/RES-TIER-BJ/compare?a=1&b=2", "/fees/",
    "/tariffs/LI-CAP-10KV/bill?peak_kwh=1&flat_kwh=2&valley_kwh=3&capacity_kva=400"])
def test_fee_pages_are_accessible(page, fees_server, path):
    page.goto(path)
    assert serious_violations(page) == []


JOURNEY = {
    "zh": {"action": "算电费、核账单", "class": "居民生活", "meter": "是，一户一表",
           "tou": "是，分峰谷", "district": "北山县", "next": "下一步", "find": "查找我的电价",
           "work_out": "算算我的电费", "peak": "本期高峰用电量（千瓦时）",
           "valley": "本期低谷用电量（千瓦时）",
           "previous": "本年度此前已用电量（不含本期，千瓦时）", "calculate": "计算",
           "tier": "电度电费（第 2 档，高峰）", "check": "与收到的电费单核对",
           "ytd": "电费单上的年累计电量（含本期，千瓦时）",
           "charge": "电费单上的电费金额（元）", "submit": "账单核查",
           "wrong": "高于按公布电价算出的金额", "complain": "用这些核查结果提交投诉"},
    "en": {"action": "Work out or check my bill", "class": "Residential",
           "meter": "Yes, our own meter", "tou": "Yes, peak and valley",
           "district": "Beishan County", "next": "Next",
           "find": "Find my tariff", "work_out": "Work out my bill",
           "peak": "This bill's peak consumption (kWh)",
           "valley": "This bill's valley consumption (kWh)",
           "previous": "Consumption earlier in this tariff year, before this bill (kWh)",
           "calculate": "Calculate", "tier": "Energy (tier 2, Peak)",
           "check": "Compare with the bill you received",
           "ytd": "Year-to-date consumption printed on the bill, including this bill (kWh)",
           "charge": "Electricity charge printed on the bill (yuan)", "submit": "Check my bill",
           "wrong": "More than the published tariff gives",
           "complain": "File a complaint with these findings"},
}


def _fits(page, name):
    """Nothing wider than the screen, no axe violation, and a screenshot to look at (once the
    page and its stylesheet have loaded: measured before, a page is as wide as its text)."""
    page.wait_for_load_state("load")
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    screenshot(page, f"{name}-{width}")
    assert serious_violations(page) == [], name


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_resident_works_out_and_checks_a_bill_from_the_home_page(page, fees_server, viewport,
                                                                 lang):
    words = JOURNEY[lang]
    page.set_viewport_size(viewport)
    page.goto(f"/?lang={lang}")
    action = page.locator(".main-actions").get_by_role("link", name=words["action"])
    assert action.is_visible() and action.bounding_box()["y"] < viewport["height"]
    click_through(page, action)
    page.get_by_label(words["class"]).check()
    click_through(page, page.get_by_role("button", name=words["next"]))
    page.get_by_label(words["meter"]).check()
    page.get_by_label(words["tou"]).check()
    page.get_by_label(words["district"], exact=True).check()
    _fits(page, f"bill-questions-{lang}")
    click_through(page, page.get_by_role("button", name=words["find"]))
    assert page.locator(".tariff-card").count() == 1
    assert "RES-TOU-ZJ" in page.locator(".tariff-card").inner_text()
    _fits(page, f"bill-tariff-{lang}")
    # The button also names its tariff, for screen readers.
    click_through(page, page.locator(".tariff-card").get_by_role("link", name=words["work_out"]))
    page.get_by_label(words["peak"]).fill("120")
    page.get_by_label(words["valley"]).fill("80")
    page.get_by_label(words["previous"]).fill("2700")
    click_through(page, page.get_by_role("button", name=words["calculate"]))
    # 2,700 before: 60 kWh in tier 1 and 140 in tier 2, split 60 % peak / 40 % valley.
    assert "98.20" in page.locator("h2#result-title").inner_text()
    assert words["tier"] in page.locator("table.bill").inner_text()
    _fits(page, f"bill-result-{lang}")
    click_through(page, page.get_by_role("link", name=words["check"]))
    # What was typed in the calculator comes along, the year-to-date as the bill prints it.
    assert page.get_by_label(words["peak"]).input_value() == "120"
    assert page.get_by_label(words["valley"]).input_value() == "80"
    assert page.get_by_label(words["ytd"]).input_value() == "2900"
    page.get_by_label(words["charge"]).fill("110")
    click_through(page, page.get_by_role("button", name=words["submit"]))
    assert words["wrong"] in page.locator(".findings").inner_text()
    _fits(page, f"bill-check-{lang}")
    click_through(page, page.get_by_role("link", name=words["complain"]))
    assert page.locator("#category").input_value() == "BIZ-BILL"
    assert "110" in page.locator("#description").input_value()
