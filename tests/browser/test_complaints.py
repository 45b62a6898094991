"""A resident files on a phone in Chinese, saves the code and tracks the case; a staff member
replies; the resident rates the answer and takes the case to the users' committee."""

from __future__ import annotations

from tests.browser.conftest import DESKTOP, log_in, open_menu, screenshot
from tests.browser.test_pages import serious_violations


def test_resident_files_tracks_rates_and_escalates(chromium, live_server, page):
    # File, on a phone, in Chinese.
    page.goto("/")
    open_menu(page)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="投诉").click()
    page.get_by_role("link", name="我要投诉").first.click()
    assert serious_violations(page) == []
    page.locator("#category").select_option("OUT-REPAIR")
    page.locator("#district").select_option("BEISHAN")
    page.locator("#subject").fill("报修后三小时无人到场")
    page.locator("#description").fill("昨晚 8 点报修停电，直到 11 点仍无人到场。")
    page.locator("#contact_phone").fill("13800001111")
    page.locator("#consent_contact").check()
    screenshot(page, "complaint-new-zh-360")
    page.get_by_role("button", name="提交前核对").click()
    assert page.locator("h1").inner_text() == "核对投诉内容"
    screenshot(page, "complaint-check-zh-360")
    assert serious_violations(page) == []
    page.get_by_role("button", name="提交投诉").click()
    number = page.locator(".receipt-box strong").first.inner_text()
    code = page.locator(".code-display").inner_text()
    assert number.startswith("TS-") and len(code) == 19
    screenshot(page, "complaint-receipt-zh-360")
    assert serious_violations(page) == []

    # Type the code back: it opens the case.
    page.locator("#code").fill(code.lower().replace("-", " "))
    page.locator("main form button[type=submit], main form input[type=submit]").last.click()
    assert number in page.locator("h1").inner_text()
    assert "已登记" in page.locator("h1").inner_text()
    screenshot(page, "complaint-case-zh-360")
    assert serious_violations(page) == []

    # A staff member accepts, handles and answers, on a desktop.
    password, secret = live_server.create_user("handler", "staff")
    staff = chromium.new_context(viewport=DESKTOP, base_url=live_server.url, locale="zh-CN")
    desk = staff.new_page()
    log_in(desk, "handler", password, secret)
    desk.goto("/staff/complaints/")
    desk.get_by_role("link", name=number).click()
    assert serious_violations(desk) == []
    for status in ("accepted", "in_progress"):
        desk.locator("#status").select_option(status)
        desk.get_by_role("button", name="Change status").click()
    desk.locator("#reply-text").fill("抢修班已于今晨恢复供电，对延误深表歉意。")
    desk.locator("form[action$='/reply'] button, form[action$='/reply'] input[type=submit]"
                 ).first.click()
    assert "Answered" in desk.locator("h1").inner_text()
    screenshot(desk, "complaint-staff-en-1280")
    staff.close()

    # The resident reads the answer, rates it as not resolved, and escalates.
    page.reload()
    assert "抢修班已于今晨恢复供电" in page.locator(".timeline").inner_text()
    page.locator("#rating-2").check()
    page.locator("#resolved-1").check()
    page.get_by_role("button", name="提交评价").click()
    page.locator("#escalate-reason").fill("抢修严重超时，答复没有说明原因。")
    page.get_by_role("button", name="提交用户委员会").click()
    assert "已提交用户委员会" in page.locator("h1").inner_text()
    screenshot(page, "complaint-escalated-zh-360")
    assert serious_violations(page) == []


def test_complaint_pages_are_accessible(page, live_server):
    from portal.demo.loader import load_demo_data

    with live_server.app.app_context():
        load_demo_data()
    for path in ("/complaints/", "/complaints/track", "/complaints/public",
                 "/complaints/public?category=BIZ-FEE&lang=en"):
        page.goto(path)
        assert serious_violations(page) == [], path
    screenshot(page, "complaints-public-en-360")
