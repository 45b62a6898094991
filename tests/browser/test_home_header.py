"""The home page and header on a 360x740 phone and a desktop, in both languages: a short
header, the three main actions above the fold, a menu that opens without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, click_through, log_in, screenshot
from tests.browser.test_pages import serious_violations

LANGUAGES = ["zh_Hans_CN", "en"]
ACTIONS = ["/complaints/new", "/complaints/track", "/fees/bill"]
HEADER_MAX = 120  # px of a 740 px screen; it was 260-308 before the menu


def nav_hrefs(page) -> list[str]:
    """The main navigation's targets, as the server wrote them (visible or not)."""
    return page.eval_on_selector_all(".main-nav-wide a",
                                     "links => links.map(a => a.getAttribute('href'))")


def scroll_width(page) -> int:
    page.wait_for_load_state("load")  # with its stylesheet: else as wide as its text
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_phone_home_has_a_short_header_and_the_actions_above_the_fold(chromium, live_server, lang):
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto(f"/?lang={lang}")
    header = page.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] <= HEADER_MAX, header
    # The portal's name and the language switch share the first row.
    brand = page.locator(".brand").bounding_box()
    switch = page.locator(".lang-switch").bounding_box()
    assert brand and switch and switch["y"] < brand["y"] + brand["height"]
    for href in ACTIONS:
        box = page.locator(f"main a.action-button[href='{href}']").bounding_box()
        assert box is not None and box["y"] >= header["height"], href
        assert box["y"] + box["height"] <= PHONE["height"], href
        assert box["width"] >= 0.8 * PHONE["width"] and box["height"] >= 44  # big to tap
    assert scroll_width(page) <= PHONE["width"]
    screenshot(page, f"home-header-{lang}-360")
    assert serious_violations(page) == []

    # Closed, the menu hides the navigation; a click on its summary shows every link.
    expected = nav_hrefs(page)
    assert len(expected) >= 5
    menu = page.locator("details.menu")
    summary = menu.locator("summary")
    assert summary.is_visible() and summary.inner_text().strip()
    assert not page.locator(".menu-panel").is_visible()
    summary.click()
    assert menu.get_attribute("open") is not None
    panel = page.get_by_role("navigation", name=page.locator(".menu-panel").get_attribute(
        "aria-label"))
    for href in expected:
        assert panel.locator(f"a[href='{href}']").is_visible(), href
    assert scroll_width(page) <= PHONE["width"]
    screenshot(page, f"home-menu-{lang}-360")
    assert serious_violations(page) == []
    summary.click()
    assert not page.locator(".menu-panel").is_visible()
    context.close()


def test_the_menu_opens_without_javascript(chromium, live_server):
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN",
                                   java_script_enabled=False)
    page = context.new_page()
    page.goto("/?lang=en")
    assert not page.locator(".menu-panel a[href='/complaints/public']").is_visible()
    page.locator("details.menu summary").click()
    click_through(page, page.locator(".menu-panel").get_by_role("link", name="Public cases"))
    assert page.locator("h1").inner_text() == "Public cases"
    context.close()


def test_the_menu_opens_from_the_keyboard(page):
    page.goto("/?lang=en")
    summary = page.get_by_text("Menu", exact=True)
    summary.focus()
    page.keyboard.press("Enter")
    click_through(page, page.get_by_role("link", name="Service charges", exact=True))
    assert page.locator("h1").inner_text() == "Service charges"
    assert page.locator("details.menu").get_attribute("open") is None  # closed on the new page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_desktop_shows_the_navigation_without_a_menu(chromium, live_server, lang):
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto(f"/?lang={lang}")
    assert not page.locator("details.menu").is_visible()
    for href in nav_hrefs(page):
        assert page.locator(f".main-nav-wide a[href='{href}']").is_visible(), href
    # Both languages are offered, the current one marked.
    assert page.locator(".lang-switch a").count() == 2
    assert page.locator(".lang-switch a[aria-current='true']").is_visible()
    for href in ACTIONS:
        box = page.locator(f"main a.action-button[href='{href}']").bounding_box()
        assert box is not None and box["y"] + box["height"] <= DESKTOP["height"]
    assert scroll_width(page) <= DESKTOP["width"]
    screenshot(page, f"home-header-{lang}-1280")
    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_signed_in_staff_see_their_name_and_logout_on_one_line(chromium, live_server, lang):
    password, secret = live_server.create_user("handler", "staff")
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    log_in(page, "handler", password, secret)
    page.goto(f"/?lang={lang}")
    name = page.locator(".account-name").bounding_box()
    logout = page.locator(".account-nav button").bounding_box()
    assert name and logout
    # One line each, side by side: no line breaks inside the name or the button.
    assert abs(name["y"] - logout["y"]) < 4
    assert name["height"] < 50 and logout["height"] < 50
    header = page.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] <= HEADER_MAX
    assert scroll_width(page) <= PHONE["width"]
    # The staff pages are in the menu too.
    page.locator("details.menu summary").click()
    assert page.locator(".menu-panel a[href='/staff/complaints/']").is_visible()
    screenshot(page, f"home-staff-menu-{lang}-360")
    assert serious_violations(page) == []
    context.close()
