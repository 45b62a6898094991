"""The committee attacked by a hostile user and used by a careless member: input that must be
refused with a message (never a 500), races between two tabs or two members, and drafts that
another member publishes while they are being changed. Each test runs on SQLite and, given
PORTAL_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import contextlib
import html
import re
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from portal.committee import decisions, notices
from portal.committee.models import Decision, Meeting, Notice, NoticeUpdate, Term
from portal.committee.services import CommitteeError
from portal.core.models import utcnow
from portal.extensions import db
from portal.transparency.models import LogEntry
from tests.conftest import post_form

from .conftest import user_of
from .test_decisions import _draft, _form
from .test_pages import _term_form

TOO_LARGE = "99999999999"  # beyond PostgreSQL's integer: must not reach the database


@pytest.fixture
def admin(make_user, auth):
    make_user("root", role="admin")
    auth.login("root")


@pytest.mark.parametrize(("day", "time"), [("0001-01-01", "00:30"), ("9999-12-31", "23:30")])
def test_a_meeting_date_out_of_range_is_refused(app, client, auth, committee, day,
                                                time) -> None:
    auth.login("ann")
    response = post_form(client, "/staff/committee/work/meetings/new?lang=en",
                         {"day": day, "time": time, "place": "会议室", "agenda": "议程"})
    assert response.status_code == 400
    assert "Enter a date between" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1


def test_a_term_date_out_of_range_is_refused(app, client, admin) -> None:
    # a term to 9999 would be published for good and overlap every term to come
    response = post_form(client, "/staff/committee/terms/new?lang=en",
                         _term_form(ends_on="9999-12-31"))
    assert response.status_code == 400
    assert "Enter a date between" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Term)) == 0


@pytest.mark.parametrize("url", [
    f"/committee/terms/{TOO_LARGE}/seats",
    f"/staff/committee/terms/{TOO_LARGE}",
    f"/staff/committee/terms/{TOO_LARGE}/edit",
    f"/staff/committee/terms/{TOO_LARGE}/candidates/new",
    f"/staff/committee/terms/{TOO_LARGE}/members/new",
    f"/staff/committee/members/{TOO_LARGE}/resign",
    f"/staff/committee/members/{TOO_LARGE}/replace",
    f"/staff/committee/members/{TOO_LARGE}/account",
])
def test_an_id_beyond_the_databases_integers_is_not_found(client, admin, url) -> None:
    assert client.get(url).status_code == 404


def test_a_meeting_id_beyond_the_databases_integers_is_refused(app, client, auth,
                                                               committee) -> None:
    auth.login("ann")
    response = post_form(client, "/staff/committee/work/decisions/new?lang=en",
                         _form(TOO_LARGE))
    assert response.status_code == 400
    assert "Choose a meeting of the committee." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


def test_an_account_id_beyond_the_databases_integers_is_refused(client, admin,
                                                                 committee) -> None:
    response = post_form(client, f"/staff/committee/members/{committee['members'][2]}/account"
                         "?lang=en", {"user_id": TOO_LARGE})
    assert response.status_code == 400
    assert "There is no such account." in response.get_data(as_text=True)


@pytest.mark.parametrize("candidate", ["abc", "1.5", TOO_LARGE])
def test_a_bad_candidate_id_is_refused(app, client, admin, make_term, candidate) -> None:
    term_id = make_term()
    response = post_form(client, f"/staff/committee/terms/{term_id}/members/new?lang=en", {
        "name": "演示委员", "customer_class": "residential", "role": "member",
        "starts_on": "2024-01-01", "candidate_id": candidate})
    assert response.status_code == 400
    assert "Choose a candidate of this class in this term." in response.get_data(as_text=True)


# A draft changed or thrown away by one member while another publishes it -----------------


def _meanwhile(app, action: Callable[[], Any]) -> None:
    """Run ``action`` in a request of its own (another member's), committed, as if it had
    happened while the caller's request was running."""
    failed: list[BaseException] = []

    def run() -> None:
        with app.test_request_context("/?lang=en"):
            try:
                action()
                db.session.commit()
            except BaseException as error:  # handed back to the test
                failed.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not failed, failed


def _publish_decision(app, ids, draft_id: int) -> Callable[[], Any]:
    return lambda: decisions.publish_decision(db.session.get(Decision, draft_id),
                                              user_of(ids["bob"]), utcnow())


def _logged(app, key: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(LogEntry.key).where(LogEntry.key == key)))


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_a_decision_published_meanwhile_is_neither_changed_nor_deleted(app, committee,
                                                                       change) -> None:
    draft_id = _draft(app, committee, body_zh="原文")
    with app.test_request_context("/?lang=en"):
        stale = db.session.get(Decision, draft_id)  # ann's tab, opened on the draft
        _meanwhile(app, _publish_decision(app, committee, draft_id))
        with pytest.raises(CommitteeError, match="never changes"):
            if change == "edit":
                decisions.update_draft(stale, replace(decisions.data_of(stale), body_zh="改文"),
                                       user_of(committee["ann"]), utcnow())
            else:
                decisions.delete_draft(stale, user_of(committee["ann"]), utcnow())
        db.session.rollback()
    with app.app_context():
        published = db.session.get(Decision, draft_id)
        assert published is not None and published.is_published
        assert published.body_zh == "原文"
    assert _logged(app, f"committee-decision:{published.number}")


def _notice_data(number: str) -> notices.NoticeData:
    today = date.today()
    return notices.NoticeData(decision_number=number, title_zh="营业厅违规收费",
                              unit_zh="某营业厅", happened_on=today - timedelta(days=3),
                              facts_zh="事实", finding_zh="认定", action_zh="整改",
                              action_due=today + timedelta(days=10))


def _published_decision(app, ids) -> str:
    draft_id = _draft(app, ids)
    with app.test_request_context("/?lang=en"):
        _publish_decision(app, ids, draft_id)()
        db.session.commit()
        return str(db.session.get(Decision, draft_id).number)


def _draft_notice(app, ids) -> int:
    number = _published_decision(app, ids)
    with app.test_request_context("/?lang=en"):
        notice = notices.create_draft(_notice_data(number), user_of(ids["ann"]), utcnow())
        db.session.commit()
        return notice.id


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_a_notice_published_meanwhile_is_neither_changed_nor_deleted(app, committee,
                                                                     change) -> None:
    notice_id = _draft_notice(app, committee)
    with app.test_request_context("/?lang=en"):
        stale = db.session.get(Notice, notice_id)
        number = stale.decision.number
        _meanwhile(app, lambda: notices.publish_notice(db.session.get(Notice, notice_id),
                                                       user_of(committee["bob"]), utcnow()))
        with pytest.raises(CommitteeError, match="never changes"):
            if change == "edit":
                notices.update_draft(stale, replace(_notice_data(number), facts_zh="改过"),
                                     user_of(committee["ann"]), utcnow())
            else:
                notices.delete_draft(stale, user_of(committee["ann"]), utcnow())
        db.session.rollback()
    with app.app_context():
        published = db.session.get(Notice, notice_id)
        assert published is not None and published.is_published
        assert published.facts_zh == "事实"
    assert _logged(app, f"committee-notice:{published.number}")


def test_an_update_published_meanwhile_is_not_deleted(app, committee) -> None:
    notice_id = _draft_notice(app, committee)
    with app.test_request_context("/?lang=en"):
        notice = db.session.get(Notice, notice_id)
        notices.publish_notice(notice, user_of(committee["bob"]), utcnow())
        update = notices.draft_update(notice, notices.UpdateData("已退费"),
                                      user_of(committee["ann"]), utcnow())
        db.session.commit()
        update_id = update.id
    with app.test_request_context("/?lang=en"):
        stale = db.session.get(NoticeUpdate, update_id)
        _meanwhile(app, lambda: notices.publish_update(db.session.get(NoticeUpdate, update_id),
                                                       user_of(committee["bob"]), utcnow()))
        with pytest.raises(CommitteeError, match="never changes"):
            notices.delete_update(stale, user_of(committee["ann"]), utcnow())
        db.session.rollback()
    with app.app_context():
        published = db.session.get(NoticeUpdate, update_id)
        assert published is not None and published.is_published


def test_two_members_publishing_the_same_draft_at_once_publish_it_once(app, committee,
                                                                      monkeypatch) -> None:
    """Both read the draft, then both reach the numbering: the second must wait for the first
    and find the decision published (SQLite took both: two numbers, two log entries, one of
    them for a number that no decision holds)."""
    from portal.core import numbering

    draft_id = _draft(app, committee)
    both_checked = threading.Barrier(2)
    next_number = numbering.next_number

    def numbered_after_both(series: str, year: int) -> int:
        # the other publisher may be waiting for this one's lock: then the barrier breaks
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=2)
        return next_number(series, year)

    monkeypatch.setattr(numbering, "next_number", numbered_after_both)
    outcomes: list[str] = []

    def publish() -> None:
        with app.test_request_context("/?lang=en"):
            try:
                decisions.publish_decision(db.session.get(Decision, draft_id),
                                           user_of(committee["bob"]), utcnow())
                db.session.commit()
                outcomes.append("published")
            except CommitteeError as error:
                db.session.rollback()
                outcomes.append(str(error.message))

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["This decision is already published.", "published"]
    year = date.today().year
    with app.app_context():
        assert db.session.get(Decision, draft_id).number == f"UC-{year}-001"
        assert db.session.scalars(sa.select(LogEntry.key).where(
            LogEntry.key.like("committee-decision:%"))).all() == [
            f"committee-decision:UC-{year}-001"]


# What the second member confirmed is what is published -----------------------------------

WORK = "/staff/committee/work"
SEEN = re.compile(r'name="seen" value="([^"]*)"')


def _ask(client, url: str) -> str:
    """POST the publication once: the confirmation page; returns what it saw."""
    asked = post_form(client, url + "?lang=en", {})
    assert asked.status_code == 200, asked.status_code
    match = SEEN.search(asked.get_data(as_text=True))
    assert match
    return html.unescape(match.group(1))


def _confirm(client, url: str, seen: str) -> Any:
    return post_form(client, url + "?lang=en", {"confirm": "yes", "seen": seen})


def _while_waiting_for_the_lock(monkeypatch, app, action: Callable[[], Any]) -> None:
    """Make ``action`` (another member's request) commit just before this request takes the
    row's lock: after it read the record, before it publishes."""
    from portal.core import publication

    lock_row = publication.lock_row
    pending = [action]

    def lock_after_the_other(*args: Any) -> None:
        if pending:
            _meanwhile(app, pending.pop())
        lock_row(*args)

    monkeypatch.setattr(publication, "lock_row", lock_after_the_other)


def _edit_decision(ids, draft_id: int, **changes: Any) -> Callable[[], Any]:
    def edit() -> None:
        draft = db.session.get(Decision, draft_id)
        decisions.update_draft(draft, replace(decisions.data_of(draft), **changes),
                               user_of(ids["ann"]), utcnow())
    return edit


def _state(app, draft_id: int) -> tuple[Any, Any, Any]:
    with app.app_context():
        found = db.session.get(Decision, draft_id)
        return found.status.value, found.number, found.body_en


def test_a_decision_changed_after_the_question_is_asked_about_again(app, client, auth,
                                                                    committee) -> None:
    draft_id = _draft(app, committee, body_en="The committee asks for a refund.")
    auth.login("bob")
    url = f"{WORK}/decisions/{draft_id}/publish"
    seen = _ask(client, url)
    # ann changes the English text in her tab: same title, same Chinese text, same length
    _meanwhile(app, _edit_decision(committee, draft_id,
                                   body_en="The committee asks for nothing at all."))
    stale = _confirm(client, url, seen)
    assert stale.status_code == 409
    assert "Yes, publish the decision" in stale.get_data(as_text=True)
    assert _state(app, draft_id) == ("draft", None, "The committee asks for nothing at all.")
    again = SEEN.search(stale.get_data(as_text=True))
    assert again and _confirm(client, url, html.unescape(again.group(1))).status_code == 302
    assert _state(app, draft_id)[0] == "published"


def test_a_decision_changed_while_waiting_for_the_lock_is_not_published(app, client, auth,
                                                                        committee,
                                                                        monkeypatch) -> None:
    draft_id = _draft(app, committee, body_en="The committee asks for a refund.")
    auth.login("bob")
    url = f"{WORK}/decisions/{draft_id}/publish"
    seen = _ask(client, url)
    _while_waiting_for_the_lock(monkeypatch, app, _edit_decision(
        committee, draft_id, body_en="The committee asks for nothing."))
    response = _confirm(client, url, seen)
    assert response.status_code == 409
    assert "Yes, publish the decision" in response.get_data(as_text=True)
    assert _state(app, draft_id) == ("draft", None, "The committee asks for nothing.")


def test_a_decision_published_from_another_tab_meanwhile_is_a_409(app, client, auth, committee,
                                                                  monkeypatch,
                                                                  make_user) -> None:
    draft_id = _draft(app, committee)
    auth.login("bob")
    url = f"{WORK}/decisions/{draft_id}/publish"
    seen = _ask(client, url)
    _while_waiting_for_the_lock(monkeypatch, app, _publish_decision(app, committee, draft_id))
    response = _confirm(client, url, seen)
    assert response.status_code == 409
    assert "This decision is already published." in response.get_data(as_text=True)
    assert _state(app, draft_id)[:2] == ("published", f"UC-{date.today().year}-001")


def test_a_notice_changed_while_waiting_for_the_lock_is_not_published(app, client, auth,
                                                                      committee,
                                                                      monkeypatch) -> None:
    notice_id = _draft_notice(app, committee)
    auth.login("bob")
    url = f"{WORK}/notices/{notice_id}/publish"
    seen = _ask(client, url)

    def edit() -> None:
        notice = db.session.get(Notice, notice_id)
        notices.update_draft(notice, replace(_notice_data(notice.decision.number),
                                             facts_zh="改过的事实"),
                             user_of(committee["ann"]), utcnow())

    _while_waiting_for_the_lock(monkeypatch, app, edit)
    response = _confirm(client, url, seen)
    assert response.status_code == 409
    assert "Yes, publish the notice" in response.get_data(as_text=True)
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        assert (notice.status.value, notice.number, notice.facts_zh) == ("draft", None,
                                                                         "改过的事实")


def test_an_update_published_from_another_tab_meanwhile_is_a_409(app, client, auth,
                                                                 committee,
                                                                 monkeypatch) -> None:
    notice_id = _draft_notice(app, committee)
    with app.test_request_context("/?lang=en"):
        notice = db.session.get(Notice, notice_id)
        notices.publish_notice(notice, user_of(committee["bob"]), utcnow())
        update = notices.draft_update(notice, notices.UpdateData("已整改完毕", closes=True),
                                      user_of(committee["ann"]), utcnow())
        db.session.commit()
        update_id = update.id
    auth.login("bob")
    url = f"{WORK}/notices/{notice_id}/updates/{update_id}/publish"
    seen = _ask(client, url)
    _while_waiting_for_the_lock(monkeypatch, app, lambda: notices.publish_update(
        db.session.get(NoticeUpdate, update_id), user_of(committee["bob"]), utcnow()))
    response = _confirm(client, url, seen)
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(NoticeUpdate, update_id).is_published
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).where(
            LogEntry.key.like("committee-notice:%:update:%"))) == 1


# Text that looks empty -------------------------------------------------------------------


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u200d\ufeff", "\u2060 \u00ad"])
def test_a_title_of_invisible_characters_is_empty(app, client, auth, committee,
                                                  invisible) -> None:
    """A title of zero-width characters passed as filled in: a decision listed with an empty
    link, on pages, in the feed and the log for good."""
    auth.login("ann")
    response = post_form(client, f"{WORK}/decisions/new?lang=en",
                         _form(committee["meeting"], title_zh=invisible))
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


# The two-person rule when a second member edits the draft ---------------------------------


def test_a_member_who_rewrote_a_draft_cannot_publish_it(app, client, auth, committee) -> None:
    """Ann drafts; Bob rewrites the draft and would publish his own text: the member who wrote
    the text as it stands cannot publish it. Ann, who did not write it, can."""
    draft_id = _draft(app, committee, body_zh="委员会建议加强宣传。")
    auth.login("bob")
    edited = post_form(client, f"{WORK}/decisions/{draft_id}/edit?lang=en", _form(
        committee["meeting"], votes_for=2, votes_against=1, votes_abstain=0,
        body_zh="委员会认为无需任何整改。"))
    assert edited.status_code == 302
    refused = post_form(client, f"{WORK}/decisions/{draft_id}/publish?lang=en", {})
    assert refused.status_code == 403
    assert "cannot publish it too" in refused.get_data(as_text=True)
    assert _state(app, draft_id)[:2] == ("draft", None)
    auth.logout()
    auth.login("ann")
    url = f"{WORK}/decisions/{draft_id}/publish"
    assert _confirm(client, url, _ask(client, url)).status_code == 302
    assert _state(app, draft_id)[0] == "published"


def test_a_member_who_rewrote_a_draft_notice_cannot_publish_it(app, committee) -> None:
    notice_id = _draft_notice(app, committee)
    with app.test_request_context("/?lang=en"):
        notice = db.session.get(Notice, notice_id)
        notices.update_draft(notice, replace(_notice_data(notice.decision.number),
                                             finding_zh="无违规。"),
                             user_of(committee["bob"]), utcnow())
        with pytest.raises(CommitteeError, match="cannot publish it too"):
            notices.publish_notice(notice, user_of(committee["bob"]), utcnow())
        notices.publish_notice(notice, user_of(committee["ann"]), utcnow())
        assert notice.is_published


# A publication that fails midway ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["decision", "notice"])
def test_a_publication_that_fails_after_numbering_leaves_nothing(app, client, auth, committee,
                                                                 monkeypatch, kind) -> None:
    """The number taken, the record published and its log entry added, then a failure: the
    request's transaction gives all of it back (no number used up, no entry, still a draft)."""
    from portal.core import publication
    from portal.core.numbering import YearCounter

    if kind == "decision":
        record_id, model = _draft(app, committee), Decision
        url = f"{WORK}/decisions/{record_id}/publish"
    else:
        record_id, model = _draft_notice(app, committee), Notice
        url = f"{WORK}/notices/{record_id}/publish"
    with app.app_context():
        counters = {(c.series, c.year): c.last for c in db.session.scalars(sa.select(YearCounter))}
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry))
    auth.login("bob")
    seen = _ask(client, url)
    publish, numbered = publication.publish, []

    def fail_afterwards(record: Any, *args: Any, **kwargs: Any) -> None:
        publish(record, *args, **kwargs)
        numbered.append(record.number)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(publication, "publish", fail_afterwards)
    assert _confirm(client, url, seen).status_code == 500
    assert numbered and numbered[0].endswith("-001")  # it failed after taking its number
    with app.app_context():
        assert {(c.series, c.year): c.last
                for c in db.session.scalars(sa.select(YearCounter))} == counters
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)) == entries
        record = db.session.get(model, record_id)
        assert (record.status.value, record.number) == ("draft", None)


def test_a_term_changed_after_the_question_is_asked_about_again(app, client, admin,
                                                                make_term) -> None:
    """The figures the administrator confirmed include the reference year and the sources,
    which the public page and the log show."""
    from portal.committee import services

    term_id = make_term(publish=False)
    url = f"/staff/committee/terms/{term_id}/publish"
    asked = post_form(client, url + "?lang=en", {})
    seen = html.unescape(SEEN.search(asked.get_data(as_text=True)).group(1))

    def another_admin_edits() -> None:
        term = db.session.get(Term, term_id)
        data = services.data_of(term)
        services.update_term(term, replace(data, reference_year=2020, fees=tuple(
            replace(row, source="另一份统计表") for row in data.fees)))

    _meanwhile(app, another_admin_edits)
    response = post_form(client, url + "?lang=en", {"confirm": "yes", "seen": seen})
    assert response.status_code == 409
    with app.app_context():
        assert not db.session.get(Term, term_id).is_published


def test_a_decision_of_a_meeting_where_nobody_was_seated_is_refused(app, client, auth,
                                                                    committee) -> None:
    """Every member's seat starts later than this meeting (the election was recorded late):
    four zero counts 'add up' to the nobody seated, and a decision of nobody was drafted."""
    from portal.committee import meetings
    from portal.committee.models import CommitteeMember

    with app.app_context():
        term = db.session.get(Term, committee["term"])
        for member in db.session.scalars(sa.select(CommitteeMember)):
            member.starts_on = term.starts_on + timedelta(days=10)
        early = meetings.create_meeting(meetings.MeetingData(datetime.combine(
            term.starts_on + timedelta(days=2), time(2), tzinfo=UTC), "会议室", "议程"), None)
        db.session.commit()
        early_id = early.id
    auth.login("ann")
    response = post_form(client, f"{WORK}/decisions/new?lang=en", _form(
        early_id, votes_for=0, votes_against=0, votes_abstain=0, votes_absent=0))
    assert response.status_code == 400
    assert "No member was seated on the day of the meeting" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


def test_a_draft_deleted_meanwhile_is_a_404_not_a_500(app, committee) -> None:
    """Another member's request deleted the draft after this one loaded it."""
    from werkzeug.exceptions import NotFound

    with app.app_context():
        draft = decisions.create_draft(decisions.DecisionData(
            meeting_id=committee["meeting"], title_zh="将被删除的草稿", body_zh="正文",
            votes_for=3, votes_against=0, votes_abstain=0, votes_absent=0),
            user_of(committee["ann"]), utcnow())
        db.session.commit()
        db.session.execute(sa.delete(Decision).where(Decision.id == draft.id),
                           execution_options={"synchronize_session": False})
        with pytest.raises(NotFound):
            decisions.publish_decision(draft, user_of(committee["bob"]), utcnow())
        db.session.rollback()
