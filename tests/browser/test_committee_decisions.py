"""The committee's decisions in a real Chromium: member A drafts a decision in the workspace
(votes that do not add up are refused first) and cannot publish it; member B opens the draft
and publishes it through the confirmation step; a resident on a phone finds it by searching
words in Chinese and, after switching language, in English, and reads its number, vote and
text. No page scrolls sideways, and axe-core finds nothing serious on any page type of the
meetings and decisions, public or in the workspace."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import User
from portal.committee import decisions, meetings, services
from portal.committee import demo as committee_demo
from portal.committee.models import Decision
from portal.core.models import utcnow
from portal.extensions import db
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    click_through,
    log_in,
    open_menu,
    screenshot,
)
from tests.browser.test_pages import serious_violations
from tests.browser.test_tables import problems, with_lang
from tests.core.test_language_marks import unmarked_chinese

PLACE = "示范供电公司三楼第一会议室（演示数据，虚构）"
AGENDA = "1. 审议营业厅收取临时接电费的投诉\n2. 听取抄表周期公示情况的汇报"
MINUTES = "会议由主任主持。经审议，委员会就临时接电费作出决定（见下）。"
TITLE_ZH = "关于退还临时接电费的决定"
TITLE_EN = "On refunding the temporary connection fee"
BODY_ZH = ("委员会认定，营业厅收取**临时接电费**缺乏依据，要求供电公司：\n\n"
           "1. 三十日内退还已收取的费用；\n2. 在营业厅公示整改结果。")
BODY_EN = ("The committee finds that the **temporary connection fee** charged at the service "
           "hall has no basis, and requires the company:\n\n"
           "1. to refund the fees within thirty days;\n"
           "2. to post the result in the service hall.")
OTHER_ZH = "关于抄表周期公示的决定"
NUMBER = re.compile(r"UC-\d{4}-\d{3}")


def _local(days: int, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` local time ``days`` from today (a meeting's time, as a member enters it)."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    day = utcnow().astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def _committee(live_server) -> dict[str, Any]:
    """The demo's two terms, accounts for two seated members (A and B), a meeting held three
    days ago with its minutes, one to come, and an earlier decision already published."""
    now = utcnow()
    users = {name: live_server.create_user(name, "committee") for name in ("member-a",
                                                                          "member-b")}
    with live_server.app.app_context():
        committee_demo.load(now)
        held = meetings.create_meeting(meetings.MeetingData(_local(-3, 14, 30), PLACE, AGENDA),
                                       None)
        seated = meetings.seated_at(held)
        accounts = {name: db.session.scalar(sa.select(User).where(User.username == name))
                    for name in users}
        services.link_account(seated[1], accounts["member-a"])
        services.link_account(seated[2], accounts["member-b"])
        meetings.record_minutes(held, MINUTES, [m.id for m in seated[1:]], now)
        meetings.create_meeting(meetings.MeetingData(_local(12, 9, 30), PLACE, AGENDA), None)
        earlier = meetings.create_meeting(meetings.MeetingData(_local(-40, 14, 30), PLACE,
                                                               "1. 抄表周期"), None)
        other = decisions.create_draft(decisions.DecisionData(
            meeting_id=earlier.id, title_zh=OTHER_ZH, body_zh="抄表周期应在营业厅公示。",
            votes_for=len(seated), votes_against=0, votes_abstain=0, votes_absent=0),
            accounts["member-a"], now)
        decisions.publish_decision(other, accounts["member-b"], now)
        db.session.commit()
        return {"users": users, "meeting": held.id, "seated": len(seated),
                "other": other.number}


def _fits(page: Any, width: int) -> None:
    """No sideways scrolling and no table cell too narrow to read (once the page has loaded
    with its stylesheet)."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert problems(page) == []


def _accessible(page: Any) -> None:
    """axe-core finds nothing serious; on an English page, Chinese text is marked (WCAG 3.1.2)."""
    assert serious_violations(page) == [], page.url
    if page.locator("html").get_attribute("lang") == "en":  # (a <title> cannot mark a part)
        body = page.locator("body").inner_html()
        assert unmarked_chinese(f'<div lang="en">{body}</div>') == [], page.url


def _publish_by_hand(page: Any) -> tuple[int, str]:
    """What a member who drafted the decision gets when they send the publication anyway."""
    return tuple(page.evaluate("""async () => {
        const token = document.querySelector("input[name=csrf_token]").value;
        const reply = await fetch(location.pathname + "/publish", {
            method: "POST", body: new URLSearchParams({csrf_token: token})});
        return [reply.status, await reply.text()];
    }"""))


def _draft(page: Any, setup: dict[str, Any]) -> str:
    """Member A, in Chinese on a desktop, drafts the decision; returns the draft's address."""
    work = page.get_by_role("navigation", name="工作页面")
    click_through(page, work.get_by_role("link", name="委员会工作"))
    assert page.locator("h1").inner_text() == "委员会工作"
    _accessible(page)
    click_through(page, page.get_by_role("link", name="起草决定"))
    assert page.locator("h1").inner_text() == "起草决定"
    _accessible(page)
    page.get_by_label("会议").select_option(str(setup["meeting"]))
    page.get_by_label("中文标题").fill(TITLE_ZH)
    page.get_by_label("英文标题（选填）").fill(TITLE_EN)
    page.get_by_label("中文正文（Markdown 格式）").fill(BODY_ZH)
    page.get_by_label("英文正文（选填，Markdown 格式）").fill(BODY_EN)
    seated = setup["seated"]
    # One vote too many: refused with the count, nothing saved.
    for label, count in (("赞成票", seated - 2), ("反对票", 1), ("弃权票", 1), ("缺席", 1)):
        page.get_by_label(label, exact=True).fill(str(count))
    click_through(page, page.get_by_role("button", name="保存草稿"))
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert f"合计 {seated + 1} 票，但会议当日在任委员为 {seated} 人" in summary.inner_text()
    _accessible(page)
    page.get_by_label("赞成票").fill(str(seated - 3))
    click_through(page, page.get_by_role("button", name="保存草稿"))
    assert "草稿已保存，须由另一位委员公布。" in page.locator(".flash-success").inner_text()
    assert page.locator("h1").inner_text() == TITLE_ZH
    # The drafter is told why they cannot publish, and has no button to do it.
    assert page.get_by_role("button", name="公布决定").count() == 0
    assert "本决定由您起草，须由另一位委员公布。" in page.locator("main").inner_text()
    # Throwing the draft away looks like what it is; changing it is the secondary way.
    assert "button-danger" in (page.get_by_role("button", name="删除草稿").get_attribute("class")
                               or "")
    assert "button-secondary" in (page.get_by_role("link", name="修改草稿").get_attribute("class")
                                  or "")
    _accessible(page)
    screenshot(page, "committee-work-decision-drafter-zh-1280")
    status, text = _publish_by_hand(page)
    assert status == 403 and "该决定须由另一位委员公布：起草人不能同时公布。" in text
    return page.url.split("?")[0]


def _publish(page: Any, draft_url: str) -> str:
    """Member B, in English on a phone, publishes the draft; returns its number."""
    open_menu(page)
    main_menu = page.get_by_role("navigation", name="Main")
    click_through(page, main_menu.get_by_role("link", name="Committee work"))
    _fits(page, PHONE["width"])
    awaiting = page.locator("section[aria-labelledby=awaiting-title]")
    click_through(page, awaiting.get_by_role("link", name=TITLE_EN))
    assert page.url.split("?")[0] == draft_url
    _fits(page, PHONE["width"])
    _accessible(page)
    screenshot(page, "committee-work-decision-publisher-en-360")
    click_through(page, page.get_by_role("button", name="Publish the decision"))
    assert page.locator("h1").inner_text() == f"Publish the decision “{TITLE_EN}”?"
    assert "takes the next number of the year" in page.locator("main").inner_text()
    _fits(page, PHONE["width"])
    _accessible(page)
    screenshot(page, "committee-work-confirm-en-360")
    click_through(page, page.get_by_role("button", name="Yes, publish the decision"))
    flash = page.locator(".flash-success").inner_text()
    number = NUMBER.search(flash)
    assert number is not None and f"Decision {number.group()} is published." in flash
    assert page.locator("h1").inner_text() == TITLE_EN
    return number.group()


def _find(page: Any, words: str, number: str) -> None:
    """Search the list and open the one decision found."""
    page.locator("#q").fill(words)
    click_through(page, page.locator("form[role=search] button[type=submit]"))
    assert "q=" in page.url
    found = page.locator("ul.decision-list > li")
    assert found.count() == 1
    assert number in found.inner_text()
    _fits(page, PHONE["width"])
    lang = page.locator("html").get_attribute("lang") or ""
    screenshot(page, f"committee-decisions-found-{lang[:2]}-360")
    click_through(page, found.get_by_role("link"))


def _resident(page: Any, number: str, seated: int) -> None:
    """A resident on a phone finds the decision in Chinese, then in English."""
    page.goto("/")
    open_menu(page)
    main_menu = page.get_by_role("navigation", name="主导航")
    click_through(page, main_menu.get_by_role("link", name="用户委员会"))
    click_through(page, page.get_by_role("link", name="全部决定（可搜索）"))
    assert page.locator("h1").inner_text() == "用户委员会决定"
    assert page.locator("ul.decision-list > li").count() == 2
    _fits(page, PHONE["width"])
    _accessible(page)

    _find(page, "临时接电费", number)
    assert page.locator("h1").inner_text() == TITLE_ZH
    main = page.locator("main").inner_text()
    assert number in page.locator(".kicker").inner_text()
    assert f"赞成 {seated - 3} 票，反对 1 票，弃权 1 票，缺席 1 人" in main
    assert "三十日内退还已收取的费用" in main
    assert page.locator(".markdown strong").inner_text() == "临时接电费"
    _fits(page, PHONE["width"])
    _accessible(page)
    screenshot(page, "committee-decision-found-zh-360")

    # Back to the list, switch to English there, and search with English words.
    click_through(page, page.get_by_role("navigation", name="页面导航路径").get_by_role("link"))
    click_through(page, page.locator(".lang-switch").get_by_role("link", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Decisions of the users' committee"
    _find(page, "connection refund", number)
    assert page.locator("h1").inner_text() == TITLE_EN
    main = page.locator("main").inner_text()
    assert number in page.locator(".kicker").inner_text()
    assert f"For {seated - 3}, against 1, abstained 1, absent 1" in main
    assert "to refund the fees within thirty days" in main
    _fits(page, PHONE["width"])
    _accessible(page)
    screenshot(page, "committee-decision-found-en-360")

    # Words found nowhere, and a date that is no date (named, 400).
    page.goto("/committee/decisions/?q=nowhere-to-be-found")
    assert page.locator("ul.decision-list").count() == 0
    assert "No decision matches this search." in page.locator("main").inner_text()
    response = page.goto("/committee/decisions/?start=2020-13-01&q=fee")
    assert response is not None and response.status == 400
    assert "Decided from: Not a valid date value." in page.locator(".error-summary").inner_text()
    assert page.locator("#start").get_attribute("aria-invalid") == "true"
    _fits(page, PHONE["width"])
    _accessible(page)


def _meetings(page: Any, number: str, attended: int) -> None:
    """The meetings list and the meeting that took the decision, with its decisions."""
    page.goto("/committee/meetings/?lang=zh_Hans_CN")
    assert page.locator("h1").inner_text() == "用户委员会会议"
    _fits(page, PHONE["width"])
    _accessible(page)
    past = page.locator("section[aria-labelledby=past-title] li")
    assert past.count() == 2
    assert f"{attended} 位委员出席" in past.first.inner_text()
    assert "出席" not in past.last.inner_text()  # its attendance is not recorded yet
    click_through(page, past.first.get_by_role("link"))
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日会议", page.locator("h1").inner_text())
    assert MINUTES.split("。")[0] in page.locator("main").inner_text()
    assert page.locator("section[aria-labelledby=decisions-title]").get_by_role(
        "link", name=re.compile(number)).is_visible()
    _fits(page, PHONE["width"])
    _accessible(page)


def test_a_member_drafts_another_publishes_and_a_resident_finds_it(chromium, live_server):
    setup = _committee(live_server)
    contexts = []

    def browser(viewport: dict[str, int]) -> Any:
        context = chromium.new_context(viewport=viewport, base_url=live_server.url,
                                       locale="zh-CN")
        contexts.append(context)
        return context.new_page()

    try:
        author = browser(DESKTOP)
        password, secret = setup["users"]["member-a"]
        log_in(author, "member-a", password, secret)
        author.goto("/accounts/?lang=zh_Hans_CN")
        draft_url = _draft(author, setup)

        publisher = browser(PHONE)
        password, secret = setup["users"]["member-b"]
        log_in(publisher, "member-b", password, secret)
        number = _publish(publisher, draft_url)
        assert number != setup["other"]

        # The drafter's page now shows the published decision, which only an amendment changes.
        author.reload()
        assert number in author.locator(".kicker").inner_text()
        assert author.get_by_role("link", name="起草修正决定").count() == 1
        with live_server.app.app_context():
            published = decisions.by_number(number)
            assert published is not None and published.drafted_by_id != published.published_by_id

        resident = browser(PHONE)
        _resident(resident, number, setup["seated"])
        _meetings(resident, number, setup["seated"] - 1)
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
def test_the_pages_in_both_languages_and_sizes(chromium, live_server, viewport, lang):
    """Meetings, decisions, a decision and the workspace fit the screen and pass axe-core."""
    setup = _committee(live_server)
    with live_server.app.app_context():
        number = db.session.scalar(sa.select(Decision.number).where(
            Decision.number.is_not(None)))
    context = chromium.new_context(viewport=viewport, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    width, short = viewport["width"], lang.split("_")[0]
    pages = {"meetings": "/committee/meetings/", "decisions": "/committee/decisions/",
             "decision": f"/committee/decisions/{number}",
             "meeting": f"/committee/meetings/{setup['meeting']}"}
    for name, path in pages.items():
        page.goto(with_lang(path, lang))
        assert page.locator("h1").count() == 1, path
        _fits(page, width)
        screenshot(page, f"committee-{name}-{short}-{width}")
        _accessible(page)
    password, secret = setup["users"]["member-a"]
    log_in(page, "member-a", password, secret)
    page.goto(with_lang("/staff/committee/work/", lang))
    _fits(page, width)
    screenshot(page, f"committee-work-{short}-{width}")
    _accessible(page)
    page.goto(with_lang("/staff/committee/work/decisions/new", lang))
    _fits(page, width)
    screenshot(page, f"committee-work-draft-{short}-{width}")
    _accessible(page)
    context.close()
