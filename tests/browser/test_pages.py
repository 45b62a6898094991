"""Pages in Chromium: both languages, phone and desktop, login with TOTP, accessibility."""

from __future__ import annotations

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE, click_through, log_in, open_menu, screenshot

SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in SERIOUS]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize(("lang", "heading"), [
    ("zh", "收费多少、承诺什么、找谁维权，一目了然"),
    ("en", "Know what you may be charged, what you are promised, and where to turn"),
])
def test_home_page_in_both_languages_and_sizes(chromium, live_server, viewport, lang, heading):
    context = chromium.new_context(viewport=viewport, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto(f"/?lang={lang}")
    assert page.locator("h1").inner_text() == heading
    assert page.locator("h1").count() == 1
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.evaluate("getComputedStyle(document.querySelector('.cards')).display") == "grid"
    screenshot(page, f"home-{lang}-{viewport['width']}")
    assert serious_violations(page) == []
    context.close()


def test_language_switch_keeps_the_page(page):
    page.goto("/about")
    assert page.locator("h1").inner_text() == "关于与隐私"
    click_through(page, page.get_by_role("link", name="English"))
    assert page.locator("h1").inner_text() == "About and privacy"
    assert page.locator("html").get_attribute("lang") == "en"
    assert "/about" in page.url
    open_menu(page)
    click_through(page, page.get_by_role("link", name="Home"))
    assert page.locator("html").get_attribute("lang") == "en"  # the choice is remembered


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_staff_login_with_a_one_time_code(page, live_server):
    password, secret = live_server.create_user("alice", "staff")
    page.goto("/?lang=en")
    click_through(page, page.get_by_role("link", name="Staff login"))
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong password")
    click_through(page, page.get_by_role("button", name="Continue"))
    assert "The username or password is not correct." in page.locator(".flash-error").inner_text()
    page.get_by_label("Password").fill(password)
    click_through(page, page.get_by_role("button", name="Continue"))
    assert page.locator("h1").inner_text() == "One-time code"
    assert serious_violations(page) == []
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    click_through(page, page.get_by_role("button", name="Log in"))
    assert page.locator("h1").inner_text() == "Your account"
    assert "You are logged in." in page.locator(".flash-success").inner_text()
    screenshot(page, "account-en-360")
    assert serious_violations(page) == []
    click_through(page, page.get_by_role("button", name="Log out"))
    assert "You are logged out." in page.locator(".flash-success").inner_text()


def test_first_login_shows_the_enrolment_page(page, live_server):
    password, _secret = live_server.create_user("bob", "committee", totp=False)
    page.goto("/accounts/login")
    page.get_by_label("用户名").fill("bob")
    page.get_by_label("密码").fill(password)
    click_through(page, page.get_by_role("button", name="继续"))
    assert page.locator("h1").inner_text() == "设置动态验证码"
    assert page.locator("svg.qr").is_visible()
    screenshot(page, "setup-zh-360")
    assert serious_violations(page) == []
    secret = page.locator(".secret").inner_text().replace(" ", "")  # this attempt's own
    page.get_by_label("6 位动态验证码").fill(pyotp.TOTP(secret).now())
    click_through(page, page.get_by_role("button", name="确认并登录"))
    assert page.locator("h1").inner_text() == "我的账户"


@pytest.mark.parametrize("path", ["/about", "/accounts/login", "/no-such-page", "/?lang=en"])
def test_pages_have_no_serious_accessibility_violations(page, path):
    page.goto(path)
    assert serious_violations(page) == []


def test_admin_account_list_is_accessible(page, live_server):
    password, secret = live_server.create_user("root", "admin")
    page.set_viewport_size(DESKTOP)
    log_in(page, "root", password, secret)
    work = page.get_by_role("navigation", name="Work pages")
    click_through(page, work.get_by_role("link", name="Accounts"))
    assert page.locator("h1").inner_text() == "Accounts"
    screenshot(page, "accounts-en-1280")
    assert serious_violations(page) == []
