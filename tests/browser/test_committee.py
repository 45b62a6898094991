"""The committee pending list: a member signs in on a phone or a desktop, in Chinese or English,
finds what is pending first with its deadline, narrows the list with the filters (no script
needed), opens a case with the complainant's file, and records a finding."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.accounts.models import User
from portal.complaints import attachments, services
from portal.complaints.enums import ActorKind, ComplaintStatus, FindingOutcome
from portal.core.models import utcnow
from portal.extensions import db
from tests.browser.conftest import DESKTOP, PHONE, click_through, log_in, screenshot
from tests.browser.test_pages import serious_violations
from tests.complaints.conftest import FILING

DAY = timedelta(days=1)
REASONS = "供电公司超过答复时限且未说明原因，投诉成立，责令三日内书面答复。"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), "orange").save(buffer, "PNG")
    return buffer.getvalue()


def _cases(app) -> dict[str, str]:
    """An overdue case (with a photo), a recent one in another district, a decided one."""
    now, numbers = utcnow(), {}
    with app.app_context():
        member = db.session.scalar(sa.select(User).where(User.role == "committee"))
        for name, escalated_at, changes in (
                ("decided", now - 40 * DAY, {"subject": "电费账单重复计费"}),
                ("overdue", now - 30 * DAY, {"subject": "营业厅收取临时接电费"}),
                ("recent", now - DAY, {"subject": "抢修三小时无人到场", "district_code": "BEISHAN",
                                       "category_code": "OUT-REPAIR"})):
            receipt = services.submit_complaint(services.Filing(**{**FILING, **changes}),
                                                f"browser-{name}", escalated_at - 20 * DAY)
            complaint = receipt.complaint
            if name == "overdue":
                services.add_information(complaint, "收据照片", escalated_at - DAY,
                                         [attachments.clean(_png())])
            services.change_status(complaint, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                                   escalated_at, reason="超过答复时限。")
            if name == "decided":
                services.decide(complaint, member, FindingOutcome.PARTLY_UPHELD, REASONS,
                                now - 5 * DAY)
            numbers[name] = complaint.tracking_number
        db.session.commit()
    return numbers


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
def test_committee_pending_list(chromium, live_server, viewport, lang):
    password, secret = live_server.create_user("member", "committee")
    numbers = _cases(live_server.app)
    context = chromium.new_context(viewport=viewport, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    log_in(page, "member", password, secret)
    page.goto(f"/staff/complaints/committee/?lang={lang}")
    width = viewport["width"]

    # Pending first, soonest deadline first; the overdue case is marked; then the decided one.
    rows = page.locator("main table tbody tr")
    listed = [rows.nth(i).locator("td").first.inner_text().strip() for i in range(rows.count())]
    assert listed == [numbers["overdue"], numbers["recent"], numbers["decided"]]
    assert rows.nth(0).locator("strong.overdue").count() == 1
    assert rows.nth(1).locator("strong.overdue").count() == 0
    counts = page.locator(".tally-count").all_inner_texts()
    assert counts == ["2", "1", "1"]  # pending, of which overdue, decided
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"committee-list-{lang}-{width}")
    assert serious_violations(page) == []

    # Narrow to one district with the form (a GET, no script): one pending case is left.
    page.locator("#district").select_option("BEISHAN")
    click_through(page, page.locator("form.filters button[type=submit]"))
    assert "district=BEISHAN" in page.url
    assert page.locator("main table tbody tr").count() == 1
    assert page.locator(".tally-count").all_inner_texts() == ["1", "0", "0"]

    # A wrong address names the wrong filter.
    response = page.goto(f"/staff/complaints/committee/?lang={lang}&month=1999-01")
    assert response is not None and response.status == 400
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#month").get_attribute("aria-invalid") == "true"
    assert serious_violations(page) == []

    # The overdue case: its dates, the complainant's photo, the finding form.
    page.goto(f"/staff/complaints/committee/{numbers['overdue']}?lang={lang}")
    link = page.locator("main a[href*='/attachments/']")
    assert link.inner_text() == "attachment-1.png"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "attachment-1.png"
    page.locator("#decision-reasons").fill(REASONS)
    click_through(page, page.locator("#decision-submit"))
    page.locator(".error-summary").wait_for()  # no finding chosen (waits for the answer)
    assert serious_violations(page) == []
    page.locator("#decision-outcome-0").check()
    click_through(page, page.locator("#decision-submit"))
    page.locator(".event-finding").last.wait_for()  # the answer to the submit, once loaded
    page.wait_for_load_state("load")  # with its stylesheet: else as wide as its text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"committee-case-{lang}-{width}")
    assert serious_violations(page) == []
    context.close()
