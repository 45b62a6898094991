"""Small faults that keyboard, screen-reader and no-script visitors meet: the focus goes to the
error summary after a failed submit, the date input's calendar button shows the focus, a chart
without scripts leaves its data table, not an empty box."""

from __future__ import annotations

import pytest

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import demo
from tests.browser.conftest import DESKTOP, PHONE, click_through, screenshot
from tests.browser.test_pages import serious_violations

LANGUAGES = ["zh", "en"]
FOCUSED_SUMMARY = "() => document.activeElement.matches('.error-summary[data-error-summary]')"


def focused_summary(page) -> None:
    """Wait until the focus is on the error summary (the deferred script moves it). Polled
    from here: wait_for_function would evaluate a string in the page, which the CSP forbids."""
    for _attempt in range(50):
        if page.evaluate(FOCUSED_SUMMARY):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the focus did not move to the error summary")


@pytest.fixture
def fees_server(live_server):
    with live_server.app.app_context():
        demo.load(utcnow())
        db.session.commit()
    return live_server


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_failed_submit_moves_the_focus_to_the_error_summary(page, fees_server, lang):
    # A page without errors leaves the focus where it is.
    page.goto(f"/complaints/new?lang={lang}")
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement === document.body")
    # The shared summary (templates/_forms.html): the complaint form, sent empty.
    click_through(page, page.locator("#check"))
    focused_summary(page)
    summary = page.locator(".error-summary").bounding_box()
    assert summary is not None and summary["y"] < PHONE["height"]  # scrolled into view
    screenshot(page, f"error-summary-focus-{lang}-360")
    assert serious_violations(page) == []
    # Tab goes on to the summary's first link, which leads to the field.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.error-summary') !== null")

    # The bill check, whose summary comes after the page's introduction.
    page.goto(f"/fees/check?lang={lang}")
    click_through(page, page.locator("form.bill-check #submit"))
    focused_summary(page)

    # The calculator lists its own errors in the same box.
    page.goto(f"/tariffs/RES-TIER-ZJ/bill?kwh=abc&lang={lang}")
    assert page.locator(".error-summary a[href='#kwh']").is_visible()
    focused_summary(page)

    # Tracking with a wrong code.
    page.goto(f"/complaints/track?lang={lang}")
    page.locator("#number").fill("TS-2026-000001")
    page.locator("#code").fill("0000-0000-0000-0000")
    click_through(page, page.locator("main form [type=submit]").last)
    focused_summary(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_date_inputs_calendar_button_shows_the_focus(chromium, fees_server, lang):
    context = chromium.new_context(viewport=DESKTOP, base_url=fees_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto(f"/tariffs/RES-TIER-ZJ?lang={lang}")
    date_input = page.locator("#on")
    date_input.focus()
    # Tab through the date's fields to the calendar button inside the input: there the input
    # has the focus within it, but is no longer :focus itself.
    for _ in range(6):
        if not date_input.evaluate("e => e.matches(':focus')"):
            break
        page.keyboard.press("Tab")
    assert date_input.evaluate("e => e.matches(':focus-within') && !e.matches(':focus')")
    outline = date_input.evaluate(
        "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]")
    assert outline == ["solid", "3px"]
    page.locator("form.inline-fields").screenshot(
        path=str(screenshot.__globals__["ARTIFACTS"] / f"date-button-focus-{lang}.png"))
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_scripts_the_chart_leaves_its_data_table(chromium, fees_server, lang):
    context = chromium.new_context(viewport=PHONE, base_url=fees_server.url, locale="zh-CN",
                                   java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/tariffs/RES-TOU-ZJ?lang={lang}")
    # No empty chart box: the figure waits for the script that draws it.
    assert not page.locator("figure.chart-figure").is_visible()
    table = page.get_by_role("table")
    assert table.is_visible()
    for price in ("0.5680", "0.2880", "0.6180", "0.3380", "0.8680", "0.5880"):
        assert table.get_by_text(price, exact=True).is_visible(), price
    screenshot(page, f"tariff-no-script-{lang}-360")  # (axe itself needs scripts)
    context.close()


def test_with_scripts_the_chart_comes_beside_its_table(page, fees_server):
    page.goto("/tariffs/RES-TOU-ZJ?lang=en")
    page.wait_for_selector(".chart .main-svg", timeout=10000)
    assert page.locator("figure.chart-figure").is_visible()
    assert page.get_by_role("table").is_visible()
    chart = page.locator(".chart")
    assert chart.get_attribute("aria-describedby") == "prices-1"
    assert page.locator("#prices-1").inner_text() == "Energy prices in yuan per kWh"
