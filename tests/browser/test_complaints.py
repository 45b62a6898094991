"""A resident files on a phone in Chinese, saves the code and tracks the case; a staff member
replies; the resident rates the answer and takes the case to the users' committee."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, click_through, log_in, open_menu, screenshot
from tests.browser.test_pages import serious_violations


def test_resident_files_tracks_rates_and_escalates(chromium, live_server, page):
    # File, on a phone, in Chinese.
    page.goto("/")
    open_menu(page)
    main_menu = page.get_by_role("navigation", name="主导航")
    click_through(page, main_menu.get_by_role("link", name="投诉"))
    click_through(page, page.get_by_role("link", name="我要投诉").first)
    assert serious_violations(page) == []
    page.locator("#category").select_option("OUT-REPAIR")
    page.locator("#district").select_option("BEISHAN")
    page.locator("#subject").fill("报修后三小时无人到场")
    page.locator("#description").fill("昨晚 8 点报修停电，直到 11 点仍无人到场。")
    page.locator("#contact_phone").fill("13800001111")
    page.locator("#consent_contact").check()
    screenshot(page, "complaint-new-zh-360")
    click_through(page, page.get_by_role("button", name="提交前核对"))
    assert page.locator("h1").inner_text() == "核对投诉内容"
    screenshot(page, "complaint-check-zh-360")
    assert serious_violations(page) == []
    click_through(page, page.get_by_role("button", name="提交投诉"))
    number = page.locator(".receipt-box strong").first.inner_text()
    code = page.locator(".code-display").inner_text()
    assert number.startswith("TS-") and len(code) == 19
    screenshot(page, "complaint-receipt-zh-360")
    assert serious_violations(page) == []

    # Type the code back: it opens the case.
    page.locator("#code").fill(code.lower().replace("-", " "))
    submit = "main form button[type=submit], main form input[type=submit]"
    click_through(page, page.locator(submit).last)
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
    click_through(desk, desk.get_by_role("link", name=number))
    assert serious_violations(desk) == []
    for status in ("accepted", "in_progress"):
        desk.locator("#status").select_option(status)
        click_through(desk, desk.get_by_role("button", name="Change status"))
    desk.locator("#reply-text").fill("抢修班已于今晨恢复供电，对延误深表歉意。")
    click_through(desk, desk.locator(
        "form[action$='/reply'] button, form[action$='/reply'] input[type=submit]").first)
    assert "Answered" in desk.locator("h1").inner_text()
    screenshot(desk, "complaint-staff-en-1280")
    staff.close()

    # The resident reads the answer, rates it as not resolved, and escalates.
    page.reload()
    assert "抢修班已于今晨恢复供电" in page.locator(".timeline").inner_text()
    page.locator("#rating-2").check()
    page.locator("#resolved-1").check()
    click_through(page, page.get_by_role("button", name="提交评价"))
    page.locator("#escalate-reason").fill("抢修严重超时，答复没有说明原因。")
    click_through(page, page.get_by_role("button", name="提交用户委员会"))
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


LANGUAGES = [("zh", "zh_Hans_CN"), ("en", "en")]
SIZES = [(PHONE, "phone"), (DESKTOP, "desktop")]


def _case(app, at=None, **filing):
    """File a case through the service; returns its tracking number and code."""
    from portal.complaints import services
    from portal.core.models import utcnow
    from portal.extensions import db
    from tests.complaints.conftest import FILING

    with app.app_context():
        receipt = services.submit_complaint(services.Filing(**{**FILING, **filing}),
                                            services.codes.new_submission_key(), at or utcnow())
        db.session.commit()
        return receipt.complaint.tracking_number, receipt.formatted_code


def _status(app, number):
    from portal.complaints import services

    with app.app_context():
        return services.find_by_number(number).status.value


def _no_sideways_scrolling(page, viewport):
    page.wait_for_load_state("load")  # with its stylesheet: else as wide as its text
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize(("viewport", "size"), SIZES, ids=["phone", "desktop"])
@pytest.mark.parametrize(("lang", "code"), LANGUAGES, ids=["zh", "en"])
def test_withdraw_with_confirmation(chromium, live_server, viewport, size, lang, code):
    from datetime import timedelta

    from portal.core.models import utcnow

    number, secret = _case(live_server.app, at=utcnow() - timedelta(days=10),
                           contact_phone="13800001111")
    context = chromium.new_context(viewport=viewport, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto(f"/complaints/track?lang={code}")
    page.locator("#number").fill(number)
    page.locator("#code").fill(secret)
    submit = "main form button[type=submit], main form input[type=submit]"
    click_through(page, page.locator(submit).last)
    assert page.locator(".deadline-overdue").count() == 2  # ten days old, never answered

    # Withdraw, then think better of it: nothing changes.
    withdraw = page.locator(f"form[action='/complaints/track/{number}/withdraw']")
    withdraw.locator("textarea").fill("供电所已上门处理。")
    click_through(page, withdraw.locator("button[type=submit]"))
    assert number in page.locator("h1").inner_text()
    # The tracking number stays on one line of the heading, even on a phone.
    assert page.locator("h1 .nowrap").evaluate("e => e.getClientRects().length") == 1
    assert page.locator(".consequences li").count() >= 3
    assert "供电所已上门处理。" in page.locator(".confirm-box dl").inner_text()
    _no_sideways_scrolling(page, viewport)
    screenshot(page, f"complaint-withdraw-confirm-{lang}-{viewport['width']}")
    assert serious_violations(page) == []
    click_through(page, page.locator(".confirm-box a.button-secondary"))
    assert page.url.endswith(f"/complaints/track/{number}")
    assert _status(live_server.app, number) == "registered"

    # Withdraw and confirm: the case is closed and its deadlines have ended.
    click_through(page, withdraw.locator("button[type=submit]"))
    click_through(page, page.locator(".confirm-box button[type=submit]"))
    assert page.url.endswith(f"/complaints/track/{number}")
    assert _status(live_server.app, number) == "withdrawn"
    assert page.locator(".deadline-ended").count() == 2
    assert page.locator(".deadline-overdue").count() == 0
    assert page.locator(f"form[action='/complaints/track/{number}/withdraw']").count() == 0
    _no_sideways_scrolling(page, viewport)
    screenshot(page, f"complaint-withdrawn-{lang}-{viewport['width']}")
    assert serious_violations(page) == []
    context.close()


def _publish_cases(app):
    from datetime import UTC, datetime, timedelta

    from portal.complaints import services
    from portal.complaints.enums import ActorKind, ComplaintStatus
    from portal.extensions import db
    from tests.complaints.conftest import FILING

    march, february = datetime(2026, 3, 5, 2, tzinfo=UTC), datetime(2026, 2, 10, 2, tzinfo=UTC)
    cases = [(march, ComplaintStatus.ACCEPTED, "BIZ-FEE"), (march, None, "BIZ-FEE"),
             (march, ComplaintStatus.ACCEPTED, "QUAL"), (february, ComplaintStatus.REJECTED,
                                                         "BIZ-FEE")]
    with app.app_context():
        for index, (at, status, category) in enumerate(cases):
            complaint = services.submit_complaint(services.Filing(**{
                **FILING, "category_code": category, "consent_publish": True}),
                f"browser-{index}", at).complaint
            if status is not None:
                services.change_status(complaint, status, ActorKind.STAFF, at, reason="不属实")
            services.approve_summary(complaint, None, f"第 {index + 1} 件：营业厅多收费用。",
                                     at + timedelta(hours=3))
        db.session.commit()


@pytest.mark.parametrize(("viewport", "size"), SIZES, ids=["phone", "desktop"])
@pytest.mark.parametrize(("lang", "code"), LANGUAGES, ids=["zh", "en"])
def test_filter_public_cases(chromium, live_server, viewport, size, lang, code):
    _publish_cases(live_server.app)
    context = chromium.new_context(viewport=viewport, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto(f"/complaints/public?lang={code}")
    assert page.locator(".case-card").count() == 4
    assert "4" in page.locator(".case-count").inner_text()
    # Every value says how many cases it shows; choosing March and "accepted" leaves two.
    page.locator("#month").select_option("2026-03")
    page.locator("#status").select_option("accepted")
    click_through(page, page.locator("form.filters button[type=submit]"))
    assert "month=2026-03" in page.url and "status=accepted" in page.url
    assert page.locator(".case-card").count() == 2
    assert "2" in page.locator(".case-count").inner_text()
    assert "(2)" in page.locator("#month option:checked").inner_text() or \
        "（2）" in page.locator("#month option:checked").inner_text()
    _no_sideways_scrolling(page, viewport)
    screenshot(page, f"complaints-public-filtered-{lang}-{viewport['width']}")
    assert serious_violations(page) == []

    # A case's permalink, and back to the list.
    click_through(page, page.locator(".case-card h2 a").first)
    assert "/complaints/public/" in page.url and "TS-" not in page.url
    assert page.locator("h1").count() == 1
    _no_sideways_scrolling(page, viewport)
    screenshot(page, f"complaints-public-case-{lang}-{viewport['width']}")
    assert serious_violations(page) == []

    # A mistyped filter in a link: a message, not an unfiltered list taken for the answer.
    response = page.goto("/complaints/public?month=2026-13")
    assert response.status == 400
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#month[aria-invalid=true]").count() == 1
    assert serious_violations(page) == []
    context.close()
