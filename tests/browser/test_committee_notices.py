"""Notices of irregular service in a real Chromium: member A drafts a notice from a published
decision and cannot publish it; member B publishes it through the confirmation; member A drafts
an update that closes it and member B publishes that too; a resident on a phone finds the notice
by searching in Chinese and, after switching language, in English, and reads that it was
corrected. An overdue notice says so in the list and on its page. No page scrolls sideways, and
axe-core finds nothing serious on the notice pages, public or in the workspace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from portal.accounts.models import User
from portal.committee import decisions, meetings, notices, services
from portal.committee import demo as committee_demo
from portal.core.clock import local_today
from portal.core.models import utcnow
from portal.extensions import db
from tests.browser.conftest import DESKTOP, PHONE, click_through, log_in, screenshot
from tests.browser.test_committee_decisions import _accessible, _fits, _local

TITLE_ZH = "营业厅拒收现金缴纳电费"
TITLE_EN = "A service hall refused cash for electricity bills"


def _setup(live_server) -> dict[str, Any]:
    """Two seated members with accounts, a published decision, and an overdue notice."""
    now = utcnow()
    users = {name: live_server.create_user(name, "committee") for name in ("member-a",
                                                                          "member-b")}
    with live_server.app.app_context():
        committee_demo.load(now)
        held = meetings.create_meeting(meetings.MeetingData(_local(-10, 14, 30), "会议室",
                                                            "1. 审议拒收现金"), None)
        seated = meetings.seated_at(held)
        accounts = {name: db.session.scalar(sa.select(User).where(User.username == name))
                    for name in users}
        services.link_account(seated[1], accounts["member-a"])
        services.link_account(seated[2], accounts["member-b"])
        decision = decisions.create_draft(decisions.DecisionData(
            meeting_id=held.id, title_zh="关于营业厅拒收现金的决定", body_zh="委员会认定违规。",
            votes_for=len(seated), votes_against=0, votes_abstain=0, votes_absent=0),
            accounts["member-a"], now)
        decisions.publish_decision(decision, accounts["member-b"], now)
        today = local_today()
        overdue = notices.create_draft(notices.NoticeData(
            decision_number=str(decision.number), title_zh="抄表数据多次估抄",
            unit_zh="某供电所", happened_on=today - timedelta(days=30), facts_zh="多次估抄。",
            finding_zh="违反抄表规定。", action_zh="按实抄表。",
            action_due=today - timedelta(days=9)), accounts["member-b"], now)
        notices.publish_notice(overdue, accounts["member-a"], now)
        db.session.commit()
        return {"users": users, "decision": decision.number, "overdue": overdue.number,
                "today": today}


def _form(page: Any, decision: str, today: Any) -> None:
    page.get_by_label("所依据决定的编号").fill(decision)
    page.get_by_label("中文标题").fill(TITLE_ZH)
    page.get_by_label("英文标题（选填）").fill(TITLE_EN)
    page.get_by_label("责任单位（中文）").fill("城南供电营业厅")
    page.get_by_label("发生日期").fill((today - timedelta(days=20)).isoformat())
    page.get_by_label("事实经过（中文，Markdown）").fill("营业厅以“只收电子支付”为由拒收现金。")
    page.get_by_label("委员会结论（中文，Markdown）").fill("拒收现金违反规定。")
    page.get_by_label("整改要求（中文，Markdown）").fill("恢复现金收费窗口。")
    page.get_by_label("整改期限").fill((today + timedelta(days=30)).isoformat())


def _confirm(page: Any, button: str, confirm: str) -> None:
    click_through(page, page.get_by_role("button", name=button))
    _accessible(page)
    click_through(page, page.get_by_role("button", name=confirm))


def test_a_notice_from_draft_to_closed_and_found_by_a_resident(chromium, live_server):
    setup = _setup(live_server)
    a_password, a_secret = setup["users"]["member-a"]
    b_password, b_secret = setup["users"]["member-b"]

    # Member A drafts the notice on a desktop, in Chinese, and cannot publish it.
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    log_in(page, "member-a", a_password, a_secret)
    page.goto(f"/staff/committee/work/notices/new?decision={setup['decision']}&lang=zh_Hans_CN")
    _accessible(page)
    _form(page, setup["decision"], setup["today"])
    page.get_by_label("事实经过（中文，Markdown）").fill("客户电话13812345678。")  # personal data
    click_through(page, page.get_by_role("button", name="保存草稿"))
    assert "通报须匿名" in page.locator(".error-summary").inner_text()
    _accessible(page)
    _form(page, setup["decision"], setup["today"])
    click_through(page, page.get_by_role("button", name="保存草稿"))
    assert page.locator("h1").inner_text() == TITLE_ZH
    assert page.get_by_role("button", name="公布通报").count() == 0
    _accessible(page)
    draft_url = page.url.split("?")[0]
    screenshot(page, "notice-work-drafter-zh-1280")
    a_state = context.storage_state()  # a one-time code is accepted once: keep the session
    context.close()

    # Member B publishes it on a phone, in English, through the confirmation.
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    log_in(page, "member-b", b_password, b_secret)
    page.goto(draft_url + "?lang=en")
    _fits(page, PHONE["width"])
    _confirm(page, "Publish the notice", "Yes, publish the notice")
    number = page.locator(".kicker").inner_text().strip()
    assert number.startswith("UCN-") and page.locator("h1").inner_text() == TITLE_EN
    _fits(page, PHONE["width"])
    _accessible(page)
    b_state = context.storage_state()
    context.close()

    # Member A drafts the closing update; member B publishes it.
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN",
                                   storage_state=a_state)
    page = context.new_page()
    page.goto(draft_url + "?lang=zh_Hans_CN")
    click_through(page, page.get_by_role("link", name="起草整改进展"))
    _accessible(page)
    page.get_by_label("整改进展（中文，Markdown）").fill("营业厅已恢复现金收费窗口。")
    page.get_by_label("整改已完成：发布本条进展后通报办结").check()
    click_through(page, page.get_by_role("button", name="保存进展草稿"))
    assert page.get_by_role("button", name="公布进展").count() == 0
    _fits(page, PHONE["width"])
    _accessible(page)
    context.close()
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url, locale="zh-CN",
                                   storage_state=b_state)
    page = context.new_page()
    page.goto(draft_url + "?lang=zh_Hans_CN")
    _confirm(page, "公布进展", "确定公布进展")
    assert "整改完毕，通报办结" in page.locator("main").inner_text()
    context.close()

    # A resident on a phone finds it, in Chinese then in English.
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto("/committee/notices/")
    overdue = page.locator("li.row-overdue")
    assert overdue.count() == 1 and setup["overdue"] in overdue.inner_text()
    assert "逾期" in overdue.inner_text()
    _fits(page, PHONE["width"])
    _accessible(page)
    screenshot(page, "notices-zh-360")
    page.get_by_label("关键词、编号或单位").fill("拒收现金")
    click_through(page, page.get_by_role("button", name="搜索"))
    assert "找到 1 份通报" in page.locator("main").inner_text()
    click_through(page, page.get_by_role("link", name=f"{number} {TITLE_ZH}"))
    assert "整改完毕" in page.locator("main").inner_text()
    _fits(page, PHONE["width"])
    _accessible(page)
    click_through(page, page.get_by_role("link", name="English"))
    assert page.locator("h1").inner_text() == TITLE_EN
    assert "Corrected and closed on" in page.locator("main").inner_text()
    _accessible(page)
    page.goto("/committee/notices/?q=cash")
    assert page.get_by_role("link", name=f"{number} {TITLE_EN}").is_visible()
    page.goto(f"/committee/notices/{setup['overdue']}")
    assert "Overdue" in page.locator("main").inner_text()
    _fits(page, PHONE["width"])
    _accessible(page)
    screenshot(page, "notice-overdue-en-360")
    context.close()
