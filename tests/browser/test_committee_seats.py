"""The committee's seats page on a phone, in both languages: the calculation's table stacks into
readable blocks (no cell narrower than three characters, no sideways scrolling), the method
choice is explained, and axe-core finds nothing serious; the same for the landing page and the
roster."""

from __future__ import annotations

import pytest

from portal.committee import demo as committee_demo
from portal.core.models import utcnow
from portal.extensions import db
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_pages import serious_violations
from tests.browser.test_tables import problems, with_lang

HEADINGS = {"zh_Hans_CN": "计算方法的选择意味着什么", "en": "What the choice of method means"}


@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
def test_the_seats_page_on_a_phone(chromium, live_server, lang):
    with live_server.app.app_context():
        committee_demo.load(utcnow())
        db.session.commit()
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto(with_lang("/committee/seats", lang))
    assert page.locator("h1").count() == 1
    assert page.locator("#method-choice").inner_text() == HEADINGS[lang]
    assert page.locator("table.seats tbody tr").count() == 4
    assert problems(page, expect_table=True) == []
    assert serious_violations(page) == []
    screenshot(page, f"committee-seats-{lang}-360")
    for path in ("/committee/", "/committee/members"):
        page.goto(with_lang(path, lang))
        assert problems(page, expect_table=True) == [], path
        assert serious_violations(page) == [], path
    context.close()
