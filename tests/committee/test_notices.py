"""Notices of irregular service: two members in turn, anonymised text, the decision they rest
on, deadlines (overdue on the page, in the list, the API), follow-up updates until one closes
the notice, immutability, the public pages, feed and API, and bad input (translated message,
right status, nothing half-written)."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.committee import decisions, notices
from portal.committee.models import Decision, Notice, NoticeUpdate
from portal.core.clock import local_today
from portal.core.models import utcnow
from portal.extensions import db
from portal.transparency.models import LogEntry
from tests.conftest import post_form

from .conftest import user_of

YEAR = date.today().year
WORK = "/staff/committee/work/notices"


def _decision(app, ids, votes_for: int = 2, title: str = "关于城东营业厅违规收费的决定") -> str:
    """A decision drafted by ann and published by bob; returns its number."""
    with app.app_context():
        draft = decisions.create_draft(decisions.DecisionData(
            meeting_id=ids["meeting"], title_zh=title, body_zh="委员会认定违规。",
            votes_for=votes_for, votes_against=3 - votes_for, votes_abstain=0, votes_absent=0),
            user_of(ids["ann"]), utcnow())
        decisions.publish_decision(draft, user_of(ids["bob"]), utcnow())
        db.session.commit()
        return str(draft.number)


def _form(decision: str, **overrides) -> dict:
    today = date.today()
    values = {"decision_number": decision, "title_zh": "城东营业厅违规收取电能表校验费",
              "title_en": "A service hall charged an abolished meter-checking fee",
              "unit_zh": "城东供电营业厅", "unit_en": "Chengdong service hall",
              "happened_on": (today - timedelta(days=30)).isoformat(),
              "facts_zh": "一位居民客户申请校验电能表时被收取校验费。",
              "facts_en": "A residential customer was charged for a meter check.",
              "finding_zh": "该费用已于2017年取消，收取属违规。",
              "finding_en": "The fee was abolished in 2017; charging it broke the rules.",
              "action_zh": "退还所收费用，并对窗口人员进行培训。",
              "action_en": "Refund the fee and train the counter staff.",
              "action_due": (today + timedelta(days=30)).isoformat()}
    values.update(overrides)
    return values


def _notices(app) -> list[Notice]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Notice).order_by(Notice.id)))


def _confirm(client, url: str, asked) -> object:
    seen = next(line for line in asked.get_data(as_text=True).splitlines()
                if 'name="seen"' in line).split('value="')[1].split('"')[0]
    return post_form(client, url, {"confirm": "yes", "seen": html.unescape(seen)})


def _published_notice(app, ids, decision: str, **overrides) -> str:
    """A notice drafted by ann and published by bob through the services; its number."""
    data = {key: value for key, value in _form(decision, **overrides).items()}
    data["happened_on"] = date.fromisoformat(data["happened_on"])
    data["action_due"] = date.fromisoformat(data["action_due"])
    with app.app_context():
        draft = notices.create_draft(notices.NoticeData(**data), user_of(ids["ann"]), utcnow())
        notices.publish_notice(draft, user_of(ids["bob"]), utcnow())
        db.session.commit()
        return str(draft.number)


def test_a_member_drafts_and_another_publishes(app, client, auth, committee) -> None:
    decision = _decision(app, committee)
    auth.login("ann")
    created = post_form(client, f"{WORK}/new", _form(decision))
    assert created.status_code == 302, created.get_data(as_text=True)
    draft = _notices(app)[0]
    page = f"{WORK}/{draft.id}"
    # the drafter cannot publish it: refused, nothing numbered
    refused = post_form(client, f"{page}/publish?lang=en", {})
    assert refused.status_code == 403
    assert "the member who drafted it cannot publish it too" in refused.get_data(as_text=True)
    assert _notices(app)[0].number is None
    assert client.get("/committee/notices/?lang=en").get_data(as_text=True).count(
        "城东") == 0
    auth.logout()
    auth.login("bob")
    asked = post_form(client, f"{page}/publish?lang=en", {})
    assert asked.status_code == 200
    assert "Check that it names no customer and no employee." in asked.get_data(as_text=True)
    done = _confirm(client, f"{page}/publish", asked)
    assert done.status_code == 302
    number = f"UCN-{YEAR}-001"
    assert _notices(app)[0].number == number
    with app.app_context():
        assert db.session.scalar(sa.select(LogEntry).where(
            LogEntry.key == f"committee-notice:{number}")) is not None
    public = client.get(f"/committee/notices/{number}?lang=en").get_data(as_text=True)
    assert "A service hall charged an abolished meter-checking fee" in public
    assert "Corrective action under way, due by" in public and decision in public
    assert "城东供电营业厅" in client.get(f"/committee/notices/{number}?lang=zh_Hans_CN").get_data(
        as_text=True)
    listing = client.get("/committee/notices/?lang=en").get_data(as_text=True)
    assert number in listing and "1 notice" in listing
    assert number in client.get("/committee/?lang=en").get_data(as_text=True)
    # a published notice never changes
    edit = post_form(client, f"{page}/edit?lang=en", _form(decision, title_zh="改过的标题"))
    assert edit.status_code == 409
    assert "A published notice never changes" in edit.get_data(as_text=True)
    assert _notices(app)[0].title_zh == "城东营业厅违规收取电能表校验费"
    assert post_form(client, f"{page}/delete", {}).status_code == 409
    assert len(_notices(app)) == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"facts_zh": "客户电话13812345678，多次投诉。"}, "A notice is anonymised: remove it."),
    ({"finding_en": "Write to jane.doe@example.org"}, "A notice is anonymised: remove it."),
    ({"facts_zh": "见投诉TS-2026-000123。"}, "A notice is anonymised: remove it."),
    ({"decision_number": "UC-1999-001"}, "Give the number of a published decision"),
    ({"decision_number": "nonsense"}, "Give the number of a published decision"),
    ({"action_due": "2001-01-01"}, "cannot come before the decision"),
    ({"happened_on": (date.today() + timedelta(days=5)).isoformat()},
     "must have happened before the decision"),
    ({"action_due": "0001-01-01"}, "Enter a date between"),
    ({"action_due": "2026-02-30"}, "Not a valid date value."),
    ({"title_zh": ""}, "This field is required."),
    ({"unit_zh": "x" * 201}, "200"),
])
def test_bad_notices_are_refused(app, client, auth, committee, overrides, message) -> None:
    decision = _decision(app, committee)
    auth.login("ann")
    response = post_form(client, f"{WORK}/new?lang=en", _form(decision, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _notices(app) == []


def test_the_refusals_are_translated(app, client, auth, committee) -> None:
    decision = _decision(app, committee)
    auth.login("ann")
    response = post_form(client, f"{WORK}/new?lang=zh_Hans_CN",
                         _form(decision, facts_zh="客户手机13812345678"))
    assert response.status_code == 400
    assert "通报须匿名" in response.get_data(as_text=True)


def test_a_notice_rests_on_an_adopted_decision(app, client, auth, committee) -> None:
    rejected = _decision(app, committee, votes_for=1, title="关于某事的决定（未通过）")
    auth.login("ann")
    response = post_form(client, f"{WORK}/new?lang=en", _form(rejected))
    assert response.status_code == 400
    assert f"Decision {rejected} was rejected" in response.get_data(as_text=True)
    assert _notices(app) == []


def test_an_account_that_is_no_member_cannot_draft(app, client, auth, committee) -> None:
    decision = _decision(app, committee)
    auth.login("carl")
    response = post_form(client, f"{WORK}/new?lang=en", _form(decision))
    assert response.status_code == 400
    assert "Only an account linked to a member seated" in response.get_data(as_text=True)
    assert _notices(app) == []


def test_updates_until_the_notice_is_closed(app, client, auth, committee) -> None:
    number = _published_notice(app, committee, _decision(app, committee))
    notice_id = _notices(app)[0].id
    auth.login("ann")
    # personal data in an update is refused too
    bad = post_form(client, f"{WORK}/{notice_id}/updates/new?lang=en",
                    {"body_zh": "已联系客户，电话010-12345678。"})
    assert bad.status_code == 400 and "anonymised" in bad.get_data(as_text=True)
    saved = post_form(client, f"{WORK}/{notice_id}/updates/new",
                      {"body_zh": "营业厅已退还所收费用。", "body_en": "The fee was refunded.",
                       "closes": "y"})
    assert saved.status_code == 302
    with app.app_context():
        update = db.session.scalar(sa.select(NoticeUpdate))
        update_id = update.id
    url = f"{WORK}/{notice_id}/updates/{update_id}/publish"
    assert post_form(client, url + "?lang=en", {}).status_code == 403
    # not public while a draft
    assert "The fee was refunded." not in client.get(
        f"/committee/notices/{number}?lang=en").get_data(as_text=True)
    auth.logout()
    auth.login("bob")
    asked = post_form(client, url + "?lang=en", {})
    assert "It closes the notice: no update can follow." in asked.get_data(as_text=True)
    assert _confirm(client, url, asked).status_code == 302
    public = client.get(f"/committee/notices/{number}?lang=en").get_data(as_text=True)
    assert "The fee was refunded." in public and "Corrected and closed on" in public
    with app.app_context():
        entries = db.session.scalars(sa.select(LogEntry).where(
            LogEntry.key == f"committee-notice:{number}")).all()
        assert len(entries) == 2  # published, then closed
        assert db.session.scalar(sa.select(LogEntry).where(LogEntry.key.like(
            f"committee-notice:{number}:update:%"))) is not None
    # a closed notice takes no more updates
    more = post_form(client, f"{WORK}/{notice_id}/updates/new?lang=en", {"body_zh": "补充说明"})
    assert more.status_code == 409
    assert "This notice is closed" in more.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeUpdate)) == 1
    assert "closed" in client.get("/api/v1/notices?state=closed").get_data(as_text=True)


def test_updates_only_follow_a_published_notice(app, committee) -> None:
    decision = _decision(app, committee)
    data = _form(decision)
    with app.app_context():
        draft = notices.create_draft(notices.NoticeData(**{
            **data, "happened_on": date.fromisoformat(data["happened_on"]),
            "action_due": date.fromisoformat(data["action_due"])}),
            user_of(committee["ann"]), utcnow())
        with pytest.raises(notices.CommitteeError, match="整改进展只能针对已公布的通报"):
            notices.draft_update(draft, notices.UpdateData("进展"), user_of(committee["bob"]),
                                 utcnow())


def test_an_overdue_notice_says_so(app, client, committee) -> None:
    decision = _decision(app, committee)
    with app.app_context():
        decided_on = db.session.scalar(sa.select(Decision.decided_on))
    overdue = _published_notice(app, committee, decision, action_due=decided_on.isoformat(),
                                title_zh="逾期未整改的通报")
    current = _published_notice(app, committee, decision, title_zh="仍在整改期内的通报")
    with app.app_context():
        assert decided_on < local_today()  # the meeting was held yesterday
    page = client.get(f"/committee/notices/{overdue}?lang=en").get_data(as_text=True)
    assert "Overdue: the corrective action was due by" in page
    listing = client.get("/committee/notices/?state=overdue&lang=en").get_data(as_text=True)
    assert overdue in listing and current not in listing and "row-overdue" in listing
    assert "逾期" in client.get("/committee/notices/?lang=zh_Hans_CN").get_data(as_text=True)
    body = client.get("/api/v1/notices?state=overdue").get_json()
    assert [n["number"] for n in body["notices"]] == [overdue]
    assert body["notices"][0]["state"] == "overdue"


def test_search_feed_and_api(app, client, committee) -> None:
    decision = _decision(app, committee)
    first = _published_notice(app, committee, decision, title_zh="抄表员多次未按时抄表",
                              title_en="Meters not read on time")
    _published_notice(app, committee, decision, title_zh="停电通知未提前发布")
    found = client.get("/committee/notices/?q=meters&lang=en").get_data(as_text=True)
    assert first in found and "1 notice found" in found
    assert first in client.get(f"/committee/notices/?q={first}").get_data(as_text=True)
    bad = client.get("/committee/notices/?state=nonsense&lang=en")
    assert bad.status_code == 400 and "Choose a state from the list." in bad.get_data(
        as_text=True)
    assert client.get("/committee/notices/?start=2020-13-01").status_code == 400
    assert client.get("/committee/notices/?start=2026-02-01&end=2026-01-01").status_code == 400
    feed = client.get("/committee/notices/feed.atom?lang=zh_Hans_CN")
    assert feed.mimetype == "application/atom+xml"
    assert "抄表员多次未按时抄表" in feed.get_data(as_text=True)
    listing = client.get("/api/v1/notices?per_page=1")
    body = listing.get_json()
    assert body["total"] == 2 and len(body["notices"]) == 1 and "next" in body["links"]
    detail = client.get(f"/api/v1/notices/{first}").get_json()
    assert detail["decision"] == decision and detail["state"] == "open"
    assert detail["updates"] == []
    missing = client.get("/api/v1/notices/UCN-1999-001")
    assert missing.status_code == 404 and missing.get_json()["error"]
    assert client.get("/api/v1/notices?state=nonsense").status_code == 400
    assert client.get("/committee/notices/UCN-1999-001").status_code == 404
    assert client.get("/committee/notices/%3Cscript%3E").status_code == 404


def test_unsafe_markdown_is_neutralised(app, client, committee) -> None:
    number = _published_notice(app, committee, _decision(app, committee),
                               facts_zh="<script>alert(1)</script> [x](javascript:alert(1)) "
                                        "<img src=x onerror=alert(1)> [y](data:text/html,1)")
    page = client.get(f"/committee/notices/{number}?lang=zh_Hans_CN").get_data(
        as_text=True)
    assert "<script>alert" not in page and 'href="javascript' not in page
    assert "<img" not in page and 'href="data:' not in page


def test_the_drafter_cannot_publish_through_the_service(app, committee) -> None:
    decision = _decision(app, committee)
    data = _form(decision)
    with app.app_context():
        draft = notices.create_draft(notices.NoticeData(**{
            **data, "happened_on": date.fromisoformat(data["happened_on"]),
            "action_due": date.fromisoformat(data["action_due"])}),
            user_of(committee["ann"]), utcnow())
        with pytest.raises(notices.CommitteeError, match="起草人不能同时公布"):
            notices.publish_notice(draft, user_of(committee["ann"]), utcnow())
        # the schema refuses it as well
        draft.published_by_id = committee["ann"]
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_deleting_a_draft_asks_first(app, client, auth, committee) -> None:
    decision = _decision(app, committee)
    auth.login("ann")
    post_form(client, f"{WORK}/new", _form(decision))
    url = f"{WORK}/{_notices(app)[0].id}/delete"
    asked = post_form(client, url + "?lang=en", {})
    assert asked.status_code == 200 and "Yes, delete the draft" in asked.get_data(as_text=True)
    assert len(_notices(app)) == 1
    assert _confirm(client, url, asked).status_code == 302
    assert _notices(app) == []
    # a draft update too, on a published notice
    _published_notice(app, committee, decision)
    notice_id = _notices(app)[0].id
    post_form(client, f"{WORK}/{notice_id}/updates/new", {"body_zh": "正在整改。"})
    with app.app_context():
        update_id = db.session.scalar(sa.select(NoticeUpdate.id))
    url = f"{WORK}/{notice_id}/updates/{update_id}/delete"
    asked = post_form(client, url + "?lang=en", {})
    assert "The draft update is deleted for good." in asked.get_data(as_text=True)
    assert _confirm(client, url, asked).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeUpdate)) == 0


def test_decisions_and_notices_link_each_other(app, client, committee) -> None:
    decision = _decision(app, committee)
    number = _published_notice(app, committee, decision)
    page = client.get(f"/committee/decisions/{decision}?lang=en").get_data(as_text=True)
    assert "Notices of irregular service resting on this decision" in page and number in page
    assert client.get(f"/api/v1/decisions/{decision}").get_json()["notices"] == [number]
    assert number in client.get(f"/committee/notices/?q={decision}").get_data(as_text=True)
    # a number typed in lower case is sent to its written form
    moved = client.get(f"/committee/notices/{number.lower()}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(number)
    assert client.get(f"/committee/decisions/{decision.lower()}").status_code == 301
    feed = client.get("/committee/notices/feed.atom?lang=en").get_data(as_text=True)
    assert "<author>" in feed


def test_the_api_searches_as_the_pages_do(app, client, committee) -> None:
    decision = _decision(app, committee)
    _published_notice(app, committee, decision, title_zh="抄表员多次未按时抄表")
    _published_notice(app, committee, decision, title_zh="停电通知未提前发布")
    body = client.get("/api/v1/notices?q=抄表").get_json()
    assert [n["title_zh"] for n in body["notices"]] == ["抄表员多次未按时抄表"]
    bad = client.get("/api/v1/notices?start=2026-13-01&lang=en")
    assert bad.status_code == 400 and bad.get_json()["error"]["parameter"] == "start"
    assert client.get("/api/v1/decisions?outcome=rejected").get_json()["total"] == 0
    assert client.get("/api/v1/decisions?outcome=adopted").get_json()["total"] == 1
    wrong = client.get("/api/v1/decisions?category=nonsense&lang=en")
    assert wrong.status_code == 400 and wrong.get_json()["error"]["parameter"] == "category"
    assert "Choose a category from the list." in wrong.get_json()["error"]["message"]


def test_the_public_record_links_back_to_the_notice_and_the_decision(app, client, committee):
    decision = _decision(app, committee)
    number = _published_notice(app, committee, decision)
    with app.app_context():
        entries = {e.key: e.index for e in db.session.scalars(sa.select(LogEntry))}
    page = client.get(f"/transparency/entries/{entries[f'committee-notice:{number}']}")
    assert f'href="/committee/notices/{number}"' in page.get_data(as_text=True)
    page = client.get(f"/transparency/entries/{entries[f'committee-decision:{decision}']}")
    assert f'href="/committee/decisions/{decision}"' in page.get_data(as_text=True)
    listing = client.get("/transparency/").get_data(as_text=True)
    assert f'href="/committee/notices/{number}"' in listing


def test_one_closing_update_at_a_time_and_none_after_closing(app, client, auth, committee):
    _published_notice(app, committee, _decision(app, committee))
    notice_id = _notices(app)[0].id
    auth.login("ann")
    url = f"{WORK}/{notice_id}/updates/new?lang=en"
    assert post_form(client, url, {"body_zh": "整改完成。", "closes": "y"}).status_code == 302
    second = post_form(client, url, {"body_zh": "整改完成（重复）。", "closes": "y"})
    assert second.status_code == 400
    assert "already awaits a second member" in second.get_data(as_text=True)
    assert post_form(client, url, {"body_zh": "另一条进展。"}).status_code == 302
    with app.app_context():
        closing, other = db.session.scalars(sa.select(NoticeUpdate).order_by(
            NoticeUpdate.id)).all()
        notices.publish_update(closing, user_of(committee["bob"]), utcnow())
        db.session.commit()
        other = db.session.get(NoticeUpdate, other.id)
        # the draft left behind can only be thrown away by its drafter
        assert notices.update_actions(other, user_of(committee["bob"]), utcnow()) == set()
        assert notices.update_actions(other, user_of(committee["ann"]), utcnow()) == {
            notices.Action.DELETE}
