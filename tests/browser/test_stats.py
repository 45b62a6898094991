"""The statistics dashboard as residents and journalists use it, in Chromium: on a 360 px
phone in Chinese and on a desktop in English, filters chosen from the form end up in the
address (a permalink), charts are drawn beside their tables, nothing scrolls sideways and
axe-core finds nothing serious, on the dashboard, the districts' small multiples, an embedded
chart, the methodology and the data dictionary."""

from __future__ import annotations

from typing import Any

from portal.accounts import demo as accounts_demo
from portal.complaints import demo as complaints_demo
from portal.core import transactions
from portal.core.models import utcnow
from portal.stats import refresh, snapshots
from tests.browser.conftest import DESKTOP, PHONE, click_through, screenshot
from tests.browser.test_committee_decisions import _accessible, _fits


def _figures(live_server: Any) -> None:
    """The complaints' demo cases (a year of them) and their statistics."""
    now = utcnow()
    with live_server.app.app_context():
        accounts_demo.load(now)
        complaints_demo.load(now)
        transactions.commit()
        run = refresh.refresh(now)
        snapshots.take_due(run, now)
        transactions.commit()


def _charts_drawn(page: Any) -> None:
    page.wait_for_selector("figure.chart-figure:not([hidden]) .main-svg", timeout=10_000)


def test_a_resident_on_a_phone_narrows_the_figures_to_a_category(chromium, live_server):
    _figures(live_server)
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto("/stats/")
    assert page.get_by_role("heading", level=1).inner_text() == "投诉统计"
    page.get_by_label("类别", exact=True).select_option(label="故障抢修时效")
    click_through(page, page.get_by_role("button", name="查看"))
    assert "category=OUT-REPAIR" in page.url
    assert page.get_by_label("类别", exact=True).input_value() == "OUT-REPAIR"
    _charts_drawn(page)
    # on a phone the chart comes first and its table is folded behind its summary
    table = page.locator("#figures-districts")
    assert not table.is_visible()
    page.locator("#title-districts ~ details.figures-table > summary").first.click()
    assert table.is_visible()
    _fits(page, PHONE["width"])
    _accessible(page)
    screenshot(page, "stats-dashboard-phone-zh")
    for address in ("/stats/districts", "/stats/methodology", "/stats/data-dictionary"):
        page.goto(address)
        _fits(page, PHONE["width"])
        _accessible(page)
    context.close()


def test_a_journalist_on_a_desktop_reads_a_month_in_english_and_embeds_a_chart(chromium,
                                                                                live_server):
    _figures(live_server)
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.goto("/stats/?lang=en")
    periods = page.get_by_label("Period", exact=True)
    month = periods.locator("option").last
    periods.select_option(month.get_attribute("value"))
    click_through(page, page.get_by_role("button", name="Show"))
    assert "period=" in page.url
    _charts_drawn(page)
    assert page.get_by_role("heading", name="Cases by district").is_visible()
    assert page.locator("#figures-districts").is_visible()  # tables stay open on a desktop
    _fits(page, DESKTOP["width"])
    _accessible(page)
    screenshot(page, "stats-dashboard-desktop-en")
    page.get_by_text("Embed this chart").first.click()  # opens the code to copy
    code = page.locator(".embed-code code").first
    assert code.is_visible() and code.inner_text().startswith("<iframe src=")
    embed = page.get_by_role("link", name="See the embedded view").first.get_attribute("href")
    assert embed in code.inner_text()
    page.goto(embed)
    _charts_drawn(page)
    assert "CC BY 4.0" in page.inner_text("body")
    _fits(page, DESKTOP["width"])
    _accessible(page)
    page.goto("/stats/districts?lang=en")
    _charts_drawn(page)
    _fits(page, DESKTOP["width"])
    _accessible(page)
    screenshot(page, "stats-districts-desktop-en")
    context.close()
