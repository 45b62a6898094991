"""What each actor may do with a case now: decided once (allowed_actions), shown by the pages,
enforced by every action's own endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.complaints import services
from portal.complaints.actions import Action
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.complaints.models import Complaint, ComplaintEvent
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import open_case
from tests.conftest import csrf_token

S, A = ComplaintStatus, Action


def _allowed(app, number, actor, now=None):
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(
            Complaint.tracking_number == number))
        return services.allowed_actions(complaint, actor, now or utcnow())


LONG_AGO = timedelta(days=20)


@pytest.mark.parametrize(("state", "overdue", "rated", "expected"), [
    ("registered", False, None, {A.INFORMATION, A.WITHDRAW}),
    ("registered", True, None, {A.INFORMATION, A.WITHDRAW, A.ESCALATE}),
    ("in_progress", False, None, {A.INFORMATION, A.WITHDRAW}),
    ("replied", False, None, {A.INFORMATION, A.RATE, A.REOPEN, A.ESCALATE}),
    ("replied", False, False, {A.INFORMATION, A.REOPEN, A.ESCALATE}),
    ("replied", False, True, {A.INFORMATION, A.ESCALATE}),  # resolved: closed, not reopened
    ("rejected", False, None, {A.INFORMATION, A.ESCALATE}),
    ("withdrawn", False, None, set()),
    ("escalated", False, None, {A.INFORMATION}),
    ("decided", False, None, set()),
])
def test_what_the_complainant_may_do(app, case_in, state, overdue, rated, expected):
    number, _code = case_in(state, at=utcnow() - LONG_AGO if overdue else None, rated=rated)
    assert _allowed(app, number, ActorKind.COMPLAINANT) == expected


def test_reopening_ends_with_its_period(app, case_in):
    number, _code = case_in("replied", rated=False)
    assert A.REOPEN in _allowed(app, number, ActorKind.COMPLAINANT)
    later = utcnow() + timedelta(days=app.config["REOPEN_DAYS"] + 1)
    assert A.REOPEN not in _allowed(app, number, ActorKind.COMPLAINANT, later)


@pytest.mark.parametrize(("state", "filing", "expected"), [
    ("registered", {}, {A.STATUS, A.REPLY, A.NOTE, A.ASSIGN}),
    ("registered", {"contact_phone": "13812345678", "consent_publish": True},
     {A.STATUS, A.REPLY, A.NOTE, A.ASSIGN, A.CONTACT, A.SUMMARY}),
    ("replied", {}, {A.STATUS, A.REPLY, A.NOTE, A.ASSIGN}),  # staff may close it
    ("withdrawn", {"account_number": "3301234567"}, {A.NOTE, A.ASSIGN, A.CONTACT}),
    ("escalated", {}, {A.REPLY, A.NOTE, A.ASSIGN}),
    ("decided", {}, {A.NOTE, A.ASSIGN}),
])
def test_what_staff_may_do(app, case_in, state, filing, expected):
    number, _code = case_in(state, **filing)
    assert _allowed(app, number, ActorKind.STAFF) == expected


@pytest.mark.parametrize(("state", "expected"), [
    ("registered", set()), ("replied", set()), ("escalated", {A.DECIDE}), ("decided", set())])
def test_what_the_committee_may_do(app, case_in, state, expected):
    number, _code = case_in(state)
    assert _allowed(app, number, ActorKind.COMMITTEE) == expected


def _events(app, number):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent).join(
            Complaint).where(Complaint.tracking_number == number))


def _act(client, number, action, lang="en", **data):
    token = csrf_token(client, "/complaints/track")  # a finished case's page has no form
    return client.post(f"/complaints/track/{number}/{action}?lang={lang}",
                       data={"csrf_token": token, **data})


@pytest.mark.parametrize(("action", "data", "message"), [
    ("information", {"text": "补充"}, "information can no longer be added"),
    ("rate", {"rating": "5", "resolved": "yes"},
     "An answer can be rated once the case has been answered."),
    ("withdraw", {"reason": "x"}, "This step is not possible for the case as it stands."),
    ("reopen", {"reason": "x"}, "This step is not possible for the case as it stands."),
    ("escalate", {"reason": "x"}, "This step is not possible for the case as it stands."),
])
def test_an_action_not_allowed_is_refused_and_writes_nothing(app, client, case_in, action,
                                                             data, message):
    number, code = case_in("withdrawn")
    open_case(client, number, code)
    before = _events(app, number)
    response = _act(client, number, action, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _events(app, number) == before
    with app.app_context():
        assert db.session.scalar(sa.select(Complaint.status)) is S.WITHDRAWN


def test_the_refusal_is_translated(client, case_in):
    number, code = case_in("registered")
    open_case(client, number, code)
    response = _act(client, number, "rate", lang="zh", rating="5", resolved="yes")
    assert response.status_code == 400
    assert "An answer can be rated" not in response.get_data(as_text=True)


def test_the_case_page_offers_only_what_is_allowed(client, case_in):
    number, code = case_in("replied", rated=False)
    open_case(client, number, code)
    page = client.get(f"/complaints/track/{number}?lang=en").get_data(as_text=True)
    assert "Your rating: 2 of 5." in page and f"/complaints/track/{number}/rate" not in page
    assert f"/complaints/track/{number}/reopen" in page
    assert f"/complaints/track/{number}/escalate" in page
    assert f"/complaints/track/{number}/withdraw" not in page


@pytest.fixture
def staff(make_user, auth):
    make_user("handler", role="staff")
    auth.login("handler")


def _staff_post(client, number, action, **data):
    token = csrf_token(client, f"/staff/complaints/{number}")  # a note is always possible
    return client.post(f"/staff/complaints/{number}/{action}?lang=en",
                       data={"csrf_token": token, **data})


@pytest.mark.parametrize(("state", "filing", "action", "data", "message"), [
    ("decided", {}, "reply", {"reply-text": "答复"}, "it can no longer be answered"),
    ("registered", {}, "contact", {}, "This case has no contact details to show."),
    ("registered", {"consent_publish": False}, "summary", {"summary-text": "摘要"},
     "The complainant did not agree to publication."),
    ("decided", {}, "status", {"status": "closed"},
     "This step is not possible for the case as it stands."),
])
def test_staff_actions_not_allowed_are_refused_and_write_nothing(
        app, client, staff, case_in, state, filing, action, data, message):
    number, _code = case_in(state, **filing)
    before = _events(app, number)
    response = _staff_post(client, number, action, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _events(app, number) == before


def test_the_staff_page_offers_only_what_is_allowed(client, staff, case_in):
    number, _code = case_in("decided")
    page = client.get(f"/staff/complaints/{number}?lang=en").get_data(as_text=True)
    assert f"/staff/complaints/{number}/reply" not in page
    assert f"/staff/complaints/{number}/status" not in page
    assert f"/staff/complaints/{number}/note" in page
    assert "None given: the complainant stays anonymous." in page


def test_a_decided_case_cannot_be_decided_again(app, client, case_in, make_user, auth):
    number, _code = case_in("decided")
    make_user("member", role="committee")
    auth.login("member")
    page = client.get(f"/staff/complaints/committee/{number}?lang=en").get_data(as_text=True)
    assert "Record the decision" not in page
    before = _events(app, number)
    token = csrf_token(client, "/accounts/")
    response = client.post(f"/staff/complaints/committee/{number}?lang=en",
                           data={"csrf_token": token, "decision-outcome": "upheld",
                                 "decision-reasons":
                                     "再次决定：供电公司应当在三日内重新答复投诉人。"})
    assert response.status_code == 400
    assert "This step is not possible for the case as it stands." in response.get_data(
        as_text=True)
    assert _events(app, number) == before


def test_an_email_waits_for_the_commit(app, client, staff, case_in, monkeypatch):
    from portal.complaints import notify

    sent = []
    monkeypatch.setattr(notify, "case_changed",
                        lambda case, status=None: sent.append(case.tracking_number))
    number, _code = case_in("registered", contact_email="a@example.com", consent_contact=True)
    assert _staff_post(client, number, "status", status="accepted").status_code == 302
    assert sent == [number]

    def broken_commit():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk full"))

    token = csrf_token(client, f"/staff/complaints/{number}")
    monkeypatch.setattr(db.session, "commit", broken_commit)
    response = client.post(f"/staff/complaints/{number}/status",
                           data={"csrf_token": token, "status": "in_progress"})
    monkeypatch.undo()
    assert response.status_code == 503
    assert sent == [number]  # nothing was saved, so nobody was told
