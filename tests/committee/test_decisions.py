"""Meetings and decisions: the two-person rule, votes that add up, amendments, immutability,
the public pages, feeds and API, and bad input (translated message, right status, nothing
half-written)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.committee import decisions, meetings, services
from portal.committee.enums import DecisionCategory, Vote
from portal.committee.models import Decision, Meeting
from portal.core.models import utcnow
from portal.extensions import db
from portal.transparency.models import LogEntry
from tests.conftest import count_statements, post_form

from .conftest import user_of as _user

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
       b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
       b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
       b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n160\n%%EOF\n")


def _form(meeting: int, **overrides) -> dict:
    values = {"meeting_id": meeting, "title_zh": "关于峰谷电价宣传的决定",
              "title_en": "On explaining time-of-use prices", "category": "service",
              "body_zh": "委员会**建议**加强宣传。",
              "body_en": "The committee recommends better explanations.", "votes_for": 2,
              "votes_against": 0, "votes_abstain": 1, "votes_absent": 0}
    values.update(overrides)
    return values


def _draft(app, ids, **overrides) -> int:
    with app.app_context():
        data = decisions.DecisionData(**{**dict(
            meeting_id=ids["meeting"], title_zh="关于抄表的决定", body_zh="正文", votes_for=2,
            votes_against=1, votes_abstain=0, votes_absent=0), **overrides})
        draft = decisions.create_draft(data, _user(ids["ann"]), utcnow())
        db.session.commit()
        return draft.id


def _decisions(app) -> list[Decision]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Decision)))


def test_a_member_drafts_and_another_publishes(app, client, auth, committee) -> None:
    auth.login("ann")
    response = post_form(client, "/staff/committee/work/decisions/new", _form(
        committee["meeting"]))
    assert response.status_code == 302, response.get_data(as_text=True)
    draft_id = _decisions(app)[0].id
    page = f"/staff/committee/work/decisions/{draft_id}"
    assert "another member must publish it" in client.get(page + "?lang=en").get_data(
        as_text=True)
    # the drafter cannot publish: refused, nothing numbered
    refused = post_form(client, page + "/publish?lang=en", {}, follow_redirects=False)
    assert refused.status_code == 403
    assert "the member who drafted it cannot publish it too" in refused.get_data(as_text=True)
    assert _decisions(app)[0].number is None
    auth.logout()
    auth.login("bob")
    asked = post_form(client, page + "/publish?lang=en", {})
    assert asked.status_code == 200 and "Yes, publish the decision" in asked.get_data(
        as_text=True)
    assert _decisions(app)[0].number is None
    seen = next(line for line in asked.get_data(as_text=True).splitlines() if 'name="seen"' in
                line).split('value="')[1].split('"')[0]
    import html
    done = post_form(client, page + "/publish", {"confirm": "yes", "seen": html.unescape(seen)})
    assert done.status_code == 302
    decision = _decisions(app)[0]
    number = f"UC-{date.today().year}-001"
    assert decision.number == number and decision.is_published
    assert decision.category is DecisionCategory.SERVICE
    with app.app_context():
        assert db.session.scalar(sa.select(LogEntry).where(
            LogEntry.key == f"committee-decision:{number}")) is not None
    public = client.get(f"/committee/decisions/{number}?lang=en").get_data(as_text=True)
    assert "On explaining time-of-use prices" in public and "better explanations" in public
    assert "<strong>" in client.get(f"/committee/decisions/{number}?lang=zh_Hans_CN").get_data(
        as_text=True)
    # a published decision never changes: 409
    assert post_form(client, page + "/edit", _form(committee["meeting"])).status_code == 409


@pytest.mark.parametrize(("overrides", "message"), [
    ({"votes_for": 3}, "add up to 4, but 3 members were seated"),
    ({"votes_for": 1}, "add up to 2, but 3 members were seated"),
    ({"meeting_id": 999}, "Choose a meeting of the committee."),
    ({"complaints": "TS-2020-000001"}, "No complaint taken to the committee has"),
    ({"votes_for": -1}, "Enter a number from 0 to 999."),
    ({"category": "nonsense"}, "Not a valid choice."),
])
def test_bad_decisions_are_refused(app, client, auth, committee, overrides, message) -> None:
    auth.login("ann")
    response = post_form(client, "/staff/committee/work/decisions/new?lang=en",
                         _form(committee["meeting"], **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _decisions(app) == []


def test_an_account_that_is_no_member_cannot_draft(app, client, auth, committee) -> None:
    auth.login("carl")
    response = post_form(client, "/staff/committee/work/decisions/new?lang=en",
                         _form(committee["meeting"]))
    assert response.status_code == 400
    assert "Only an account linked to a member seated" in response.get_data(as_text=True)
    assert _decisions(app) == []


def test_a_file_that_is_not_a_pdf(app, client, auth, committee) -> None:
    import io

    auth.login("ann")
    data = _form(committee["meeting"])
    data["attachments"] = (io.BytesIO(b"MZ not a pdf"), "evil.pdf", "application/pdf")
    response = post_form(client, "/staff/committee/work/decisions/new?lang=en", data,
                         content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Only PDF documents can be attached" in response.get_data(as_text=True)
    assert _decisions(app) == []


def test_roll_call_must_agree(app, committee) -> None:
    members = committee["members"]
    with app.test_request_context("/?lang=en"):  # English messages
        with pytest.raises(services.CommitteeError, match="does not agree"):
            decisions.create_draft(decisions.DecisionData(
                meeting_id=committee["meeting"], title_zh="标题", body_zh="正文", votes_for=2,
                votes_against=1, votes_abstain=0, votes_absent=0,
                roll_call={members[0]: Vote.FOR, members[1]: Vote.FOR, members[2]: Vote.FOR}),
                _user(committee["ann"]), utcnow())
        with pytest.raises(services.CommitteeError, match="every member"):
            decisions.create_draft(decisions.DecisionData(
                meeting_id=committee["meeting"], title_zh="标题", body_zh="正文", votes_for=2,
                votes_against=1, votes_abstain=0, votes_absent=0,
                roll_call={members[0]: Vote.FOR, members[1]: Vote.FOR}),
                _user(committee["ann"]), utcnow())
        draft = decisions.create_draft(decisions.DecisionData(
            meeting_id=committee["meeting"], title_zh="标题", body_zh="正文", votes_for=2,
            votes_against=1, votes_abstain=0, votes_absent=0,
            roll_call={members[0]: Vote.FOR, members[1]: Vote.FOR, members[2]: Vote.AGAINST}),
            _user(committee["ann"]), utcnow())
        assert len(draft.roll_call) == 3


def test_amendments_and_numbers(app, committee) -> None:
    first = _draft(app, committee)
    with app.test_request_context("/?lang=en"):  # English messages
        draft = db.session.get(Decision, first)
        with pytest.raises(services.CommitteeError, match="Only a published decision"):
            decisions.create_draft(decisions.data_of(draft), _user(committee["ann"]),
                                   utcnow(), amends=draft)
        with pytest.raises(services.CommitteeError, match="cannot publish it too"):
            decisions.publish_decision(draft, _user(committee["ann"]), utcnow())
        decisions.publish_decision(draft, _user(committee["bob"]), utcnow())
        amendment = decisions.create_draft(decisions.data_of(draft), _user(committee["bob"]),
                                           utcnow(), amends=draft)
        decisions.publish_decision(amendment, _user(committee["ann"]), utcnow())
        db.session.commit()
        year = date.today().year
        assert (draft.number, amendment.number) == (f"UC-{year}-001", f"UC-{year}-002")
        with pytest.raises(services.CommitteeError, match="never changes"):
            decisions.update_draft(draft, decisions.data_of(draft), _user(committee["ann"]),
                                   utcnow())
    client = app.test_client()
    page = client.get(f"/committee/decisions/UC-{year}-001?lang=en").get_data(as_text=True)
    assert "This decision was amended" in page and f"UC-{year}-002" in page
    assert client.get(f"/committee/decisions/UC-{year}-009").status_code == 404
    api = client.get(f"/api/v1/decisions/UC-{year}-001").get_json()
    assert api["amended_by"] == [f"UC-{year}-002"]
    assert client.get("/api/v1/decisions").get_json()["total"] == 2
    assert client.get("/api/v1/decisions/UC-1-1").status_code == 404


def test_unsafe_markdown_is_neutralised(app, client, committee) -> None:
    draft = _draft(app, committee, body_zh="<script>alert(1)</script> [x](javascript:alert(1))")
    with app.app_context():
        decisions.publish_decision(db.session.get(Decision, draft), _user(committee["bob"]),
                                   utcnow())
        db.session.commit()
    page = client.get(f"/committee/decisions/UC-{date.today().year}-001").get_data(
        as_text=True)
    assert "<script>alert" not in page and 'href="javascript' not in page


def test_meetings_public_pages_and_calendar(app, client, committee) -> None:
    with app.app_context():
        meetings.create_meeting(meetings.MeetingData(
            utcnow() + timedelta(days=10), "示范供电公司三楼会议室", "1. 听取**报告**"), None)
        db.session.commit()
    listing = client.get("/committee/meetings/?lang=en").get_data(as_text=True)
    assert "示范供电公司三楼会议室" in listing and "示范会议室" in listing
    calendar = client.get("/committee/meetings.ics")
    assert calendar.mimetype == "text/calendar"
    body = calendar.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and body.count("BEGIN:VEVENT") == 1
    assert "Next meeting" in client.get("/committee/?lang=en").get_data(as_text=True)


def test_meeting_dates_outside_the_term_and_minutes(app, client, auth, committee) -> None:
    auth.login("ann")
    response = post_form(client, "/staff/committee/work/meetings/new?lang=en", {
        "day": "2001-01-01", "time": "09:30", "place": "会议室", "agenda": "议程"})
    assert response.status_code == 400
    assert "No published term of the committee covers this date." in response.get_data(
        as_text=True)
    url = f"/staff/committee/work/meetings/{committee['meeting']}/minutes"
    saved = post_form(client, url, {"minutes": "会议纪要", "attendees": committee["members"][:2]})
    assert saved.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, committee["meeting"])
        assert meeting.minutes == "会议纪要" and len(meeting.attendees) == 2
    assert "会议纪要" in client.get(f"/committee/meetings/{committee['meeting']}").get_data(
        as_text=True)


def test_search_and_feed(app, client, committee) -> None:
    for title in ("关于抄表的决定", "关于停电通知的决定"):
        draft = _draft(app, committee, title_zh=title, title_en=None)
        with app.app_context():
            decisions.publish_decision(db.session.get(Decision, draft),
                                       _user(committee["bob"]), utcnow())
            db.session.commit()
    page = client.get("/committee/decisions/?q=停电&lang=en").get_data(as_text=True)
    assert "关于停电通知的决定" in page and "关于抄表的决定" not in page
    assert "1 decision found" in page
    year = date.today().year
    assert "关于抄表的决定" in client.get(f"/committee/decisions/?q=UC-{year}-001").get_data(
        as_text=True)
    with app.app_context():
        db.session.get(Decision, draft).category = DecisionCategory.FEES  # the second one
        db.session.commit()
    fees = client.get("/committee/decisions/?category=fees&lang=en").get_data(as_text=True)
    assert "关于停电通知的决定" in fees and "关于抄表的决定" not in fees
    assert "Fees and tariffs" in fees
    wrong = client.get("/committee/decisions/?category=nonsense&lang=en")
    assert wrong.status_code == 400 and "Choose a category from the list." in wrong.get_data(
        as_text=True)
    bad = client.get("/committee/decisions/?outcome=nonsense&lang=en")
    assert bad.status_code == 400 and "Choose an outcome from the list." in bad.get_data(
        as_text=True)
    assert client.get("/committee/decisions/?start=2020-13-01").status_code == 400
    feed = client.get("/committee/decisions/feed.atom")
    assert feed.mimetype == "application/atom+xml" and "关于停电通知的决定" in feed.get_data(
        as_text=True)


@pytest.mark.parametrize("rows", [10, 500])
def test_the_list_runs_a_fixed_number_of_statements(app, client, committee, rows) -> None:
    with app.app_context():
        meeting = db.session.get(Meeting, committee["meeting"])
        for sequence in range(1, rows + 1):
            db.session.add(Decision(
                number=f"UC-2000-{sequence:03d}", year=2000, sequence=sequence,
                meeting=meeting, decided_on=date(2000, 1, 1), title_zh=f"决定{sequence}",
                body_zh="正文", outcome="adopted", votes_for=3, votes_against=0,
                votes_abstain=0, votes_absent=0, status="published",
                published_at=datetime(2000, 1, 2, tzinfo=UTC)))
        db.session.commit()
    count, page = count_statements(app, client, "/committee/decisions/")
    assert "UC-2000-" in page
    assert count <= 8, count


def test_the_complainant_sees_the_decisions_citing_the_complaint(app, client, committee) -> None:
    from portal.complaints import services as complaints
    from portal.complaints.enums import ComplaintType
    from tests.complaints.conftest import open_case

    with app.app_context():
        receipt = complaints.submit_complaint(complaints.Filing(
            type=ComplaintType.COMPLAINT, category_code="BIZ-FEE", district_code="CENTRAL",
            subject="被收取临时接电费", description="营业厅收取临时接电费 200 元。"), "key-1",
            utcnow())
        db.session.commit()
        number, code = receipt.complaint.tracking_number, receipt.formatted_code
    # not taken to the committee: a decision cannot cite it
    with app.app_context(), pytest.raises(decisions.CommitteeError,
                                          match=number):
        _draft(app, committee, complaints=[number])
    with app.app_context():
        receipt.complaint.escalated_at = utcnow()  # taken to the committee (as escalate does)
        db.session.merge(receipt.complaint)
        db.session.commit()
    draft = _draft(app, committee, complaints=[number], title_zh="关于临时接电费投诉的决定")
    page = open_case(client, number, code).get_data(as_text=True)
    assert "关于临时接电费投诉的决定" not in page  # a draft is not shown
    with app.app_context():
        decisions.publish_decision(db.session.get(Decision, draft), _user(committee["bob"]),
                                   utcnow())
        db.session.commit()
    page = client.get(f"/complaints/track/{number}?lang=en").get_data(as_text=True)
    assert "Decisions of the users' committee that cite this complaint" in page
    assert f"UC-{date.today().year}-001" in page and "关于临时接电费投诉的决定" in page


def test_deleting_a_draft_asks_first(app, client, auth, committee) -> None:
    import html

    draft = _draft(app, committee)
    auth.login("ann")
    url = f"/staff/committee/work/decisions/{draft}/delete"
    asked = post_form(client, url + "?lang=en", {})
    assert asked.status_code == 200 and "Yes, delete the draft" in asked.get_data(as_text=True)
    assert len(_decisions(app)) == 1
    seen = next(line for line in asked.get_data(as_text=True).splitlines()
                if 'name="seen"' in line).split('value="')[1].split('"')[0]
    done = post_form(client, url, {"confirm": "yes", "seen": html.unescape(seen)})
    assert done.status_code == 302 and _decisions(app) == []


def test_published_minutes_never_change_and_meetings_are_in_the_log(app, client, auth,
                                                                    committee) -> None:
    auth.login("ann")
    url = f"/staff/committee/work/meetings/{committee['meeting']}/minutes"
    assert post_form(client, url, {"minutes": "会议纪要",
                                   "attendees": committee["members"][:2]}).status_code == 302
    from tests.conftest import csrf_token

    again = client.post(url + "?lang=en", data={
        "csrf_token": csrf_token(client, "/staff/committee/work/meetings/new"),
        "minutes": "改写的纪要", "attendees": committee["members"][:1]})
    assert again.status_code == 409
    assert "The minutes of this meeting are published" in again.get_data(as_text=True)
    assert client.get(url).status_code == 303  # the form is no longer offered
    with app.app_context():
        meeting = db.session.get(Meeting, committee["meeting"])
        assert meeting.minutes == "会议纪要" and len(meeting.attendees) == 2
        entries = db.session.scalars(sa.select(LogEntry).where(
            LogEntry.key == f"committee-meeting:{committee['meeting']}")).all()
        assert len(entries) == 2  # the agenda, then the minutes
        assert "会议纪要".encode() in bytes(entries[-1].content)


def test_only_the_drafter_deletes_a_draft(app, client, auth, committee) -> None:
    draft = _draft(app, committee)
    auth.login("bob")
    page = client.get(f"/staff/committee/work/decisions/{draft}?lang=en").get_data(as_text=True)
    assert "Delete the draft" not in page
    refused = post_form(client, f"/staff/committee/work/decisions/{draft}/delete?lang=en", {})
    assert refused.status_code == 403
    assert "Only the member who drafted it can delete a draft" in refused.get_data(as_text=True)
    assert len(_decisions(app)) == 1
