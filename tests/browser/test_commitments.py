"""Service commitments in Chromium: the overview on a 360 px phone in both languages and a
commitment's page on a desktop, charts drawn beside their tables, nothing scrolling sideways,
axe-core finding nothing serious."""

from __future__ import annotations

from typing import Any

import pytest

from portal.commitments import demo as commitments_demo
from portal.core import transactions
from portal.core.models import utcnow
from tests.browser.conftest import DESKTOP, PHONE, click_through, screenshot
from tests.browser.test_committee_decisions import _accessible, _fits


def _commitments(live_server: Any) -> None:
    with live_server.app.app_context():
        commitments_demo.load(utcnow())
        transactions.commit()


@pytest.mark.parametrize(("locale", "heading", "mark"), [("zh-CN", "服务承诺", "已兑现"),
                                                         ("en", "Service commitments", "Met")])
def test_the_overview_on_a_phone(chromium, live_server, locale, heading, mark):
    _commitments(live_server)
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale=locale)
    page = context.new_page()
    page.goto("/commitments/")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.locator(".commitment-card").count() == 14
    assert mark in page.locator("main").inner_text()
    _fits(page, PHONE["width"])
    _accessible(page)
    screenshot(page, f"commitments-overview-phone-{locale}")
    context.close()


def test_a_commitment_on_a_desktop_and_a_phone(chromium, live_server):
    _commitments(live_server)
    for viewport, locale in ((DESKTOP, "en"), (PHONE, "zh-CN")):
        context = chromium.new_context(viewport=viewport, base_url=live_server.url,
                                       locale=locale)
        page = context.new_page()
        page.goto("/commitments/REPAIR-ARRIVAL")
        page.wait_for_selector("figure.chart-figure:not([hidden]) .main-svg", timeout=10_000)
        page.locator("#district").select_option("NANLING")
        click_through(page, page.locator("form.filters button").first)
        assert "district=NANLING" in page.url
        _fits(page, viewport["width"])
        _accessible(page)
        screenshot(page, f"commitment-page-{viewport['width']}-{locale}")
        context.close()


def test_a_complaint_promise_computed_from_the_demo_complaints(chromium, live_server):
    """The reply promise from the demo complaints: its months, its quarter by district and a
    wrong period named beside its field, on screen where the answer lands (#districts), both
    languages."""
    from portal.demo.loader import load_demo_data

    with live_server.app.app_context():
        load_demo_data()
    for viewport, locale, within in ((PHONE, "zh-CN", "达标比例"), (DESKTOP, "en", "Within")):
        context = chromium.new_context(viewport=viewport, base_url=live_server.url,
                                       locale=locale)
        page = context.new_page()
        page.goto("/commitments/COMPLAINT-REPLY")
        page.wait_for_selector("figure.chart-figure:not([hidden]) .main-svg", timeout=10_000)
        assert within in page.locator("#districts-caption").locator("..").inner_text()
        assert page.locator("#district").count() == 0  # by quarter only
        _fits(page, viewport["width"])
        _accessible(page)
        screenshot(page, f"commitment-complaint-reply-{viewport['width']}-{locale}")
        page.locator("#period").fill("2026Q3")
        page.locator("#period").press("Enter")
        page.wait_for_selector("#period-error")
        assert "#districts" in page.url
        top = page.evaluate("document.getElementById('period-error').getBoundingClientRect().top")
        assert 0 <= top < viewport["height"]
        _accessible(page)
        context.close()
