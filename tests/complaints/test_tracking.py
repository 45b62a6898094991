"""Tracking a case with number and code; the complainant's actions; enumeration-proofing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.complaints import codes, services
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.complaints.models import Complaint, TrackingThrottle
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import open_case
from tests.conftest import csrf_token


def _page(response):
    return response.get_data(as_text=True)


def _move(app, number, *targets, at=None, reason="原因"):
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(
            Complaint.tracking_number == number))
        for target in targets:
            if target is ComplaintStatus.REPLIED:
                services.reply(complaint, None, "答复", at or utcnow())
                continue
            actor = (ActorKind.COMMITTEE if target is ComplaintStatus.DECIDED else ActorKind.STAFF)
            services.change_status(complaint, target, actor, at or utcnow(), reason=reason)
        db.session.commit()


def _status(app, number):
    with app.app_context():
        return db.session.scalar(sa.select(Complaint.status).where(
            Complaint.tracking_number == number))


def _act(client, number, action, **data):
    token = csrf_token(client, f"/complaints/track/{number}")
    return client.post(f"/complaints/track/{number}/{action}?lang=en",
                       data={"csrf_token": token, **data})


def test_number_and_code_open_the_case(client, file_complaint):
    number, code = file_complaint()
    response = open_case(client, number.lower(), code.lower().replace("-", " "))
    assert response.headers["Location"] == f"/complaints/track/{number}"
    page = _page(client.get(f"/complaints/track/{number}?lang=en"))
    assert "Registered" in page and "被收取临时接电费" in page
    assert "First contact" in page and "Answer" in page


def test_wrong_code_and_unknown_number_get_the_same_answer(client, file_complaint):
    number, _code = file_complaint()
    wrong = open_case(client, number, "AAAA-BBBB-CCCC-DDDD")
    unknown = open_case(client, "TS-2026-999999", "AAAA-BBBB-CCCC-DDDD")
    assert wrong.status_code == unknown.status_code == 400

    def body(response):
        return re.sub(r'value="[^"]*"', "", _page(response))

    assert body(wrong) == body(unknown)
    assert "找不到对应的投诉" in _page(wrong)


def test_the_case_page_needs_the_code_first(client, file_complaint):
    number, _code = file_complaint()
    response = client.get(f"/complaints/track/{number}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/complaints/track?number={number}"
    token = csrf_token(client, "/complaints/track")
    response = client.post(f"/complaints/track/{number}/withdraw", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith(
        "/complaints/track?number=")


def _shift_waits(app, seconds):
    """Let time pass for the per-number waits."""
    with app.app_context():
        for row in db.session.scalars(sa.select(TrackingThrottle)):
            row.last_failed_at -= timedelta(seconds=seconds)
            if row.wait_until is not None:
                row.wait_until -= timedelta(seconds=seconds)
        db.session.commit()


def _wait_of(app, number):
    with app.app_context():
        until = db.session.scalar(sa.select(TrackingThrottle.wait_until).where(
            TrackingThrottle.number == number))
        return None if until is None else (until - utcnow()).total_seconds()


@pytest.mark.parametrize("known", [True, False])
def test_failures_slow_a_number_down_for_all_clients_alike(app, file_complaint, known):
    number = file_complaint()[0] if known else "TS-2026-000777"
    statuses = [open_case(app.test_client(), number, "WRONG").status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 400]
    assert 1 < _wait_of(app, number) <= 2
    waiting = open_case(app.test_client(), number, "WRONG")
    assert waiting.status_code == 429
    assert int(waiting.headers["Retry-After"]) in {1, 2}
    _shift_waits(app, 3)
    assert open_case(app.test_client(), number, "WRONG").status_code == 400
    assert 3 < _wait_of(app, number) <= 4  # doubled
    for _ in range(12):
        _shift_waits(app, 1000)
        open_case(app.test_client(), number, "WRONG")
    assert 110 < _wait_of(app, number) <= 120  # capped at two minutes, never locked
    assert open_case(app.test_client(), "TS-2026-000778", "WRONG").status_code == 400


def test_the_owner_gets_in_once_the_wait_they_were_told_is_over(app, client, file_complaint):
    number, code = file_complaint()
    for _ in range(5):
        open_case(app.test_client(), number, "WRONG")
    told = open_case(client, number, code)
    assert told.status_code == 429
    page = client.get("/complaints/track?lang=en")
    assert page.status_code == 200
    # Someone else keeps failing, which makes the number wait longer and longer...
    _shift_waits(app, 10)
    open_case(app.test_client(), number, "WRONG")
    assert _wait_of(app, number) > 0
    # ... but the owner, told to wait 2 seconds, is let through once those are over.
    with client.session_transaction() as session:
        session["tracking_waits"] = {key: at - 10
                                     for key, at in session["tracking_waits"].items()}
    assert open_case(client, number, code).status_code == 302
    assert _wait_of(app, number) is None  # the right code forgets the failures


def test_the_waiting_answer_is_translated(app, client, file_complaint):
    number = file_complaint()[0]
    for _ in range(5):
        open_case(app.test_client(), number, "WRONG")
    token = csrf_token(client, "/complaints/track?lang=en")
    page = client.post("/complaints/track?lang=en",
                       data={"csrf_token": token, "number": number, "code": "x"})
    assert "Please try again in 2 seconds." in _page(page)
    page = client.post("/complaints/track?lang=zh",
                       data={"csrf_token": token, "number": number, "code": "x"})
    assert "秒后再试" in _page(page)


def test_lookups_are_rate_limited_per_client(make_app):
    app = make_app(RATELIMIT_ENABLED=True, TRACK_RATE_LIMIT="2 per minute")
    client = app.test_client()
    answers = [open_case(client, f"TS-2026-00010{n}", "X") for n in range(3)]
    assert [answer.status_code for answer in answers] == [400, 400, 429]
    assert "Retry-After" not in answers[0].headers  # a wrong code is not a wait
    assert 50 < int(answers[2].headers["Retry-After"]) <= 61


def test_a_number_wait_says_its_own_seconds_on_a_rate_limited_route(make_app, file_complaint):
    app = make_app(RATELIMIT_ENABLED=True, TRACK_RATE_LIMIT="100 per minute")
    number = "TS-2026-000555"
    for _ in range(5):
        open_case(app.test_client(), number, "WRONG")
    waiting = open_case(app.test_client(), number, "WRONG")
    assert waiting.status_code == 429
    assert waiting.headers["Retry-After"] in {"1", "2"}


def test_add_information_and_withdraw(app, client, file_complaint):
    number, code = file_complaint()
    open_case(client, number, code)
    assert _act(client, number, "information", text="补充：收据编号 123").status_code == 302
    empty = _act(client, number, "information", text="")
    assert empty.status_code == 400 and "Write the information you want to add." in _page(empty)
    assert _act(client, number, "withdraw", reason="已解决", confirm="yes",
                seen="registered").status_code == 302
    assert _status(app, number) is ComplaintStatus.WITHDRAWN
    page = _page(client.get(f"/complaints/track/{number}?lang=en"))
    assert "补充：收据编号 123" in page and "Withdrawn" in page
    assert "Withdraw the complaint" not in page


def test_rating_resolved_closes_the_case(app, client, file_complaint):
    number, code = file_complaint()
    _move(app, number, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS,
          ComplaintStatus.REPLIED)
    open_case(client, number, code)
    bad = _act(client, number, "rate", rating="9", resolved="yes")
    assert bad.status_code == 400
    assert _act(client, number, "rate", rating="5", resolved="yes").status_code == 302
    assert _status(app, number) is ComplaintStatus.CLOSED


def test_reopen_once_within_15_days_if_not_resolved(app, client, file_complaint):
    number, code = file_complaint()
    _move(app, number, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS,
          ComplaintStatus.REPLIED)
    open_case(client, number, code)
    _act(client, number, "rate", rating="2", resolved="no")
    assert _act(client, number, "reopen", reason="没有退款").status_code == 302
    assert _status(app, number) is ComplaintStatus.REOPENED
    _move(app, number, ComplaintStatus.IN_PROGRESS, ComplaintStatus.REPLIED)
    again = _act(client, number, "reopen")
    assert again.status_code == 400
    assert _status(app, number) is ComplaintStatus.REPLIED


def test_no_reopening_after_15_days(app, client, file_complaint):
    number, code = file_complaint()
    long_ago = utcnow() - timedelta(days=16)
    _move(app, number, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS,
          ComplaintStatus.REPLIED, at=long_ago)
    open_case(client, number, code)
    assert _act(client, number, "reopen").status_code == 400
    assert _status(app, number) is ComplaintStatus.REPLIED


def test_escalate_when_unsatisfied(app, client, file_complaint):
    number, code = file_complaint()
    _move(app, number, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS,
          ComplaintStatus.REPLIED)
    open_case(client, number, code)
    no_reason = _act(client, number, "escalate", reason="")
    assert no_reason.status_code == 400
    assert _act(client, number, "escalate", reason="答复没有解决问题").status_code == 302
    assert _status(app, number) is ComplaintStatus.ESCALATED


def test_escalate_an_open_case_only_once_a_deadline_has_passed(app, client, file_complaint):
    fresh, fresh_code = file_complaint()
    late, late_code = file_complaint(at=utcnow() - timedelta(days=20))
    open_case(client, fresh, fresh_code)
    open_case(client, late, late_code)
    assert "Take it to the users" not in _page(client.get(f"/complaints/track/{fresh}?lang=en"))
    assert _act(client, fresh, "escalate", reason="太慢").status_code == 400
    page = _page(client.get(f"/complaints/track/{late}?lang=en"))
    assert "overdue" in page and "Take it to the users" in page
    assert _act(client, late, "escalate", reason="超过期限").status_code == 302
    assert _status(app, late) is ComplaintStatus.ESCALATED


def test_internal_notes_and_contact_views_are_never_shown_to_the_complainant(
        app, client, file_complaint, make_user):
    number, code = file_complaint(contact_phone="13812345678")
    user, _password = make_user()
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        staff = db.session.get(type(user), user.id)
        services.add_note(complaint, staff, "内部：疑似重复投诉", utcnow())
        services.view_contact(complaint, staff, utcnow())
        db.session.commit()
    open_case(client, number, code)
    page = _page(client.get(f"/complaints/track/{number}?lang=en"))
    assert "内部：疑似重复投诉" not in page and "Contact details viewed" not in page


@pytest.mark.parametrize("action", ["information", "rate", "withdraw", "reopen", "escalate"])
def test_actions_need_csrf(client, file_complaint, action):
    number, code = file_complaint()
    open_case(client, number, code)
    assert client.post(f"/complaints/track/{number}/{action}").status_code == 400


def test_an_answer_is_rated_once_and_afresh_after_reopening(app, client, file_complaint):
    number, code = file_complaint()
    _move(app, number, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS,
          ComplaintStatus.REPLIED)
    open_case(client, number, code)
    assert _act(client, number, "rate", rating="2", resolved="no").status_code == 302
    again = _act(client, number, "rate", rating="5", resolved="yes")
    assert again.status_code == 400 and "already rated" in _page(again)
    assert _act(client, number, "reopen", reason="仍未解决").status_code == 302
    _move(app, number, ComplaintStatus.IN_PROGRESS, ComplaintStatus.REPLIED)
    assert _act(client, number, "rate", rating="4", resolved="yes").status_code == 302
    assert _status(app, number) is ComplaintStatus.CLOSED


def test_staff_cannot_mark_a_case_answered_without_an_answer(app, file_complaint):
    number, _code = file_complaint()
    _move(app, number, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS)
    with app.app_context(), pytest.raises(services.ComplaintError):
        complaint = db.session.scalar(sa.select(Complaint))
        services.change_status(complaint, ComplaintStatus.REPLIED, ActorKind.STAFF, utcnow())


def test_successful_lookups_do_not_slow_the_number_down(app, file_complaint):
    number, code = file_complaint()
    statuses = [open_case(app.test_client(), number, code).status_code for _ in range(8)]
    assert statuses == [302] * 8
    assert _wait_of(app, number) is None


def test_scrypt_hashes_of_earlier_versions_are_replaced_by_the_keyed_hash(app, file_complaint):
    import hashlib
    import secrets

    number, code = file_complaint()
    typed = codes.normalize_code(code)
    salt = secrets.token_bytes(16)
    legacy = hashlib.scrypt(("test-pepper" + typed).encode(), salt=salt, n=2**8, r=8, p=1)
    with app.app_context():
        db.session.execute(sa.update(Complaint).values(
            code_hash=f"scrypt$256${salt.hex()}${legacy.hex()}"))
        db.session.commit()
    assert open_case(app.test_client(), number, "WRONG").status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(Complaint.code_hash)).startswith("scrypt$")
    assert open_case(app.test_client(), number, code).status_code == 302
    with app.app_context():
        stored = db.session.scalar(sa.select(Complaint.code_hash))
    assert stored == codes.hash_code(typed, "test-pepper")
    assert open_case(app.test_client(), number, code).status_code == 302


def test_known_and_unknown_numbers_take_the_same_work(app, file_complaint, monkeypatch):
    number, _code = file_complaint()
    calls = []
    original = codes.verify_code
    monkeypatch.setattr(codes, "verify_code",
                        lambda code, stored, pepper: calls.append(stored[:12]) or
                        original(code, stored, pepper))
    open_case(app.test_client(), number, "WRONG")
    open_case(app.test_client(), "TS-2026-099999", "WRONG")
    assert calls == ["hmac-sha256$", "hmac-sha256$"]


def test_huge_ids_and_url_options_in_the_query_do_not_break_pages(client, file_complaint):
    number, code = file_complaint()
    open_case(client, number, code)
    assert client.get(f"/complaints/track/{number}/attachments/99999999999999").status_code \
        == 404
    for query in ("_scheme=javascript", "_external=1", "_anchor=x", "_method=GET",
                  "number=x"):
        response = client.get(f"/complaints/track/{number}?{query}")
        assert response.status_code == 200, query
        assert "javascript:" not in response.get_data(as_text=True)


def test_numbers_that_grow_when_normalised_are_a_plain_mismatch(client):
    for typed in ("ß" * 30, "ﬃ" * 14, "ŉ" * 25):
        response = open_case(client, typed, "X")
        assert response.status_code == 400


def test_the_complainant_sees_what_they_wrote_and_can_close_the_case_on_this_device(
        client, file_complaint):
    number, code = file_complaint()
    open_case(client, number, code)
    page = _page(client.get(f"/complaints/track/{number}?lang=en"))
    assert "What you wrote" in page and "营业厅收取临时接电费 200 元。" in page
    token = csrf_token(client, f"/complaints/track/{number}")
    assert client.post(f"/complaints/track/{number}/close").status_code == 400  # no token
    closed = client.post(f"/complaints/track/{number}/close?lang=en",
                         data={"csrf_token": token})
    assert closed.status_code == 302 and closed.headers["Location"] == "/complaints/track"
    again = client.get(f"/complaints/track/{number}")
    assert again.status_code == 302  # the code is needed again
    assert again.headers["Location"] == f"/complaints/track?number={number}"


def test_a_browser_keeps_the_newest_cases_open_and_its_cookie_small(client, file_complaint):
    """A service hall's computer opens case after case: the session (a cookie) keeps only the
    newest open, so it never grows past what the server takes (which would refuse every page
    to that browser)."""
    from portal.complaints import web

    filed = [file_complaint() for _ in range(web.MAX_TRACKED + 5)]
    for number, code in filed:
        assert open_case(client, number, code).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None and len(cookie.value) < 3000
    newest, oldest = filed[-1][0], filed[0][0]
    assert client.get(f"/complaints/track/{newest}").status_code == 200
    assert client.get(f"/complaints/track/{oldest}").status_code == 302  # its code again
