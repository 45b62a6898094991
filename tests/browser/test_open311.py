"""Open311's pages in Chromium: the partners' page (an administrator revokes a key through the
confirmation, switching language on the way) and the API reference, on a 360 px phone and a
desktop in both languages: nothing scrolling sideways, axe-core finding nothing serious."""

from __future__ import annotations

from typing import Any

import pytest

from portal.core import transactions
from portal.core.models import utcnow
from portal.open311 import keys
from tests.browser.conftest import DESKTOP, PHONE, click_through, log_in, screenshot
from tests.browser.test_committee_decisions import _accessible, _fits


def _key(live_server: Any) -> str:
    with live_server.app.app_context():
        _row, key = keys.create("city-12345", "示例市政务服务热线（虚构）", "12345 市民热线",
                                utcnow())
        transactions.commit()
    return key


def test_an_administrator_revokes_a_key_on_a_phone(chromium, live_server):
    key = _key(live_server)
    password, secret = live_server.create_user("admin", "admin")
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    log_in(page, "admin", password, secret)
    page.goto("/staff/partners/?lang=zh")
    assert "12345 市民热线" in page.locator("main").inner_text()
    _fits(page, PHONE["width"])
    _accessible(page)
    screenshot(page, "partners-phone-zh")
    click_through(page, page.get_by_role("button", name="撤销密钥“city-12345”"))
    assert "撤销密钥“city-12345”？" in page.get_by_role("heading", level=1).inner_text()
    _fits(page, PHONE["width"])
    _accessible(page)
    click_through(page, page.get_by_role("link", name="English"))  # was a 405 on the POST's address
    assert page.get_by_role("heading", level=1).inner_text() == "Partners"
    click_through(page, page.get_by_role("button", name="Revoke the key “city-12345”"))
    click_through(page, page.get_by_role("button", name="Yes, revoke the key"))
    assert "is revoked" in page.locator("main").inner_text()
    response = page.request.post(f"{live_server.url}/open311/v2/requests.json",
                                 form={"api_key": key, "service_code": "BIZ-FEE",
                                       "attribute[district]": "CENTRAL", "description": "测试"})
    assert response.status == 403
    context.close()


@pytest.mark.parametrize(("viewport", "locale", "heading"), [
    (PHONE, "zh-CN", "API 参考"), (DESKTOP, "en", "API reference")])
def test_the_api_reference_reads_on_a_phone_and_a_desktop(chromium, live_server, viewport,
                                                          locale, heading):
    context = chromium.new_context(viewport=viewport, base_url=live_server.url, locale=locale)
    page = context.new_page()
    page.goto("/api/")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.locator("article.api-operation").count() >= 36
    _fits(page, viewport["width"])
    _accessible(page)
    screenshot(page, f"api-reference-{viewport['width']}-{locale}")
    context.close()
