"""Steps that cannot be undone ask first: withdrawing (the complainant) and not accepting a
case (staff) show what will happen and apply only with the confirm button; the staff status list
preselects nothing; a finished case's deadlines show as ended, not overdue."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.complaints import services
from portal.complaints.enums import ActorKind, ComplaintStatus, EventKind
from portal.complaints.models import Complaint, ComplaintEvent
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import form_fields, open_case
from tests.conftest import csrf_token

S = ComplaintStatus


def _page(response):
    return response.get_data(as_text=True)


def _state(app, number):
    """The case's status and how many events it has."""
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(
            Complaint.tracking_number == number))
        events = db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent).where(
            ComplaintEvent.complaint_id == complaint.id))
        return complaint.status, events


def _withdraw(client, number, **data):
    token = csrf_token(client, "/complaints/track")  # a finished case's page has no form
    return client.post(f"/complaints/track/{number}/withdraw?lang=en",
                       data={"csrf_token": token, **data})


@pytest.fixture
def opened(client, file_complaint):
    """A registered case, opened in this browser with its code."""
    number, code = file_complaint(contact_phone="13812345678")
    open_case(client, number, code)
    return number


def test_withdrawing_asks_first_and_says_what_will_happen(app, client, opened):
    before = _state(app, opened)
    asked = _withdraw(client, opened, reason="问题已解决")
    page = _page(asked)
    assert asked.status_code == 200
    assert "Are you sure? This will:" in page
    # The number is kept on one line (a phone would break it at its hyphens); the <title> is
    # plain text.
    assert f'<h1>Withdraw complaint <span class="nowrap" translate="no">{opened}</span>?</h1>' \
        in page
    assert f"<title>Withdraw complaint {opened}?" in page
    assert "customer service stops handling it" in page
    assert "Make it final: the case cannot be reopened" in page
    assert "no longer count down or become overdue" in page
    assert "Delete your contact details 365 days after the case is closed." in page
    assert "问题已解决" in page  # the reason is shown and carried
    assert _state(app, opened) == before  # asking changed nothing
    fields = form_fields(page)
    assert fields["confirm"] == "yes" and fields["reason"] == "问题已解决"
    assert f'href="/complaints/track/{opened}"' in page  # the way back

    done = client.post(f"/complaints/track/{opened}/withdraw?lang=en", data=fields)
    assert done.status_code == 302 and done.headers["Location"] == f"/complaints/track/{opened}"
    status, events = _state(app, opened)
    assert status is S.WITHDRAWN and events == before[1] + 1
    with app.app_context():
        event = db.session.scalars(sa.select(ComplaintEvent).order_by(
            ComplaintEvent.id.desc())).first()
        assert (event.kind, event.to_status, event.body) == (
            EventKind.STATUS, S.WITHDRAWN, "问题已解决")

    again = client.post(f"/complaints/track/{opened}/withdraw?lang=en", data=fields)
    assert again.status_code == 400  # a second confirmation (double submit) changes nothing
    assert "This step is not possible" in _page(again)
    assert _state(app, opened) == (S.WITHDRAWN, before[1] + 1)


def test_cancelling_leaves_the_case_as_it_was(app, client, opened):
    before = _state(app, opened)
    page = _page(_withdraw(client, opened))
    cancel = re.search(r'<a class="button button-secondary" href="([^"]+)">([^<]+)</a>', page)
    assert cancel.group(2) == "No, keep it open"
    back = client.get(cancel.group(1) + "?lang=en")
    assert back.status_code == 200 and "Withdraw the complaint" in _page(back)
    assert _state(app, opened) == before


@pytest.mark.parametrize("confirm", ["", "no", "YES", "1", ["yes", "yes"]])
def test_a_forged_confirmation_is_refused_and_changes_nothing(app, client, opened, confirm):
    before = _state(app, opened)
    response = _withdraw(client, opened, confirm=confirm)
    assert response.status_code == 400
    assert "This confirmation was not understood, so nothing was changed." in _page(response)
    assert 'name="confirm" value="yes"' in _page(response)  # asked again, properly
    assert _state(app, opened) == before


def test_a_refused_step_is_refused_before_it_is_confirmed(app, client, opened):
    assert _withdraw(client, opened, confirm="yes", seen="registered").status_code == 302
    before = _state(app, opened)
    response = _withdraw(client, opened, reason="再撤一次")
    assert response.status_code == 400 and "Are you sure" not in _page(response)
    assert "This step is not possible" in _page(response)
    assert _state(app, opened) == before


@pytest.mark.parametrize("confirm", [{}, {"confirm": "yes", "seen": "registered"}])
def test_a_reason_too_long_is_refused_before_it_is_confirmed(app, client, opened, confirm):
    before = _state(app, opened)
    response = _withdraw(client, opened, reason="长" * 2001 + "尾", **confirm)
    page = _page(response)
    assert response.status_code == 400 and "Are you sure" not in page
    # The refusal is said at the field, in the error summary, and the words typed are kept.
    assert 'id="withdraw-reason-error"' in page and '<a href="#withdraw-reason">' in page
    assert "长" * 2001 + "尾</textarea>" in page
    assert _state(app, opened) == before


def test_a_confirmation_for_a_case_that_changed_meanwhile_asks_again(app, client, opened):
    """The complainant confirmed what the page showed (registered); staff accepted the case
    meanwhile: nothing is changed, the question is asked again about the case as it is."""
    fields = form_fields(_page(_withdraw(client, opened, reason="不需要了")))
    assert fields["seen"] == "registered"
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(
            Complaint.tracking_number == opened))
        services.change_status(complaint, S.ACCEPTED, ActorKind.STAFF, utcnow())
        db.session.commit()
    before = _state(app, opened)
    again = client.post(f"/complaints/track/{opened}/withdraw?lang=en", data=fields)
    page = _page(again)
    assert again.status_code == 409 and "changed while this page was open" in page
    assert "<dd class=\"prewrap\">Accepted</dd>" in page  # what is there now
    assert _state(app, opened) == before
    done = client.post(f"/complaints/track/{opened}/withdraw?lang=en", data=form_fields(page))
    assert done.status_code == 302 and _state(app, opened)[0] is S.WITHDRAWN


def test_two_steps_sent_at_the_same_moment_apply_once(app, opened):
    """Both steps were checked against the status they read; the second finds it changed."""
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(
            Complaint.tracking_number == opened))
        assert complaint.status is S.REGISTERED  # read, as the second request did
        with db.engine.begin() as other:  # the first request's step, committed meanwhile
            other.execute(sa.update(Complaint).where(Complaint.id == complaint.id)
                          .values(status=S.WITHDRAWN))
        with pytest.raises(services.ComplaintError):
            services.change_status(complaint, S.REJECTED, ActorKind.STAFF, utcnow(),
                                   reason="不属于受理范围")
        db.session.rollback()
    assert _state(app, opened)[0] is S.WITHDRAWN


def test_only_the_browser_that_gave_the_code_can_withdraw(app, file_complaint, opened):
    other_number, other_code = file_complaint()
    stranger = app.test_client()
    open_case(stranger, other_number, other_code)  # knows another case, not this one
    before = _state(app, opened)
    token = csrf_token(stranger, f"/complaints/track/{other_number}")
    for data in ({}, {"confirm": "yes"}):
        response = stranger.post(f"/complaints/track/{opened}/withdraw",
                                 data={"csrf_token": token, **data})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/complaints/track?number={opened}"
    assert _state(app, opened) == before


def test_the_confirmation_needs_the_csrf_token(app, client, opened):
    before = _state(app, opened)
    response = client.post(f"/complaints/track/{opened}/withdraw", data={"confirm": "yes"})
    assert response.status_code == 400
    assert _state(app, opened) == before


# Staff


@pytest.fixture
def staff(make_user, auth):
    make_user("handler", role="staff")
    auth.login("handler")


def _staff_post(client, number, **data):
    token = csrf_token(client, f"/staff/complaints/{number}")
    return client.post(f"/staff/complaints/{number}/status?lang=en",
                       data={"csrf_token": token, **data})


def test_the_status_list_preselects_nothing(client, staff, file_complaint):
    number, _code = file_complaint()
    page = _page(client.get(f"/staff/complaints/{number}?lang=en"))
    select = re.search(r'<select[^>]*id="status"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r"<option([^>]*)>", select)
    assert 'value=""' in options[0] and not any("selected" in option for option in options)
    none = _staff_post(client, number, status="")
    assert none.status_code == 400 and "Choose the new status." in _page(none)


def test_rejecting_asks_first_and_says_what_will_happen(app, client, staff, case_in):
    number, _code = case_in("registered", consent_publish=True)
    before = _state(app, number)
    asked = _staff_post(client, number, status="rejected", reason="不属于供电服务范围")
    page = _page(asked)
    assert asked.status_code == 200 and "Are you sure? This will:" in page
    assert "Close the case as not accepted." in page
    assert "nobody on staff can change its status afterwards." in page
    assert "take the case to the users&#39; committee at once" in page
    assert "不属于供电服务范围" in page
    assert _state(app, number) == before
    fields = form_fields(page)
    assert (fields["status"], fields["confirm"]) == ("rejected", "yes")
    done = client.post(f"/staff/complaints/{number}/status?lang=en", data=fields)
    assert done.status_code == 302
    assert _state(app, number) == (S.REJECTED, before[1] + 1)
    assert client.post(f"/staff/complaints/{number}/status", data=fields).status_code == 400
    assert _state(app, number) == (S.REJECTED, before[1] + 1)


def test_a_rejection_without_a_reason_is_refused_before_it_is_confirmed(
        app, client, staff, case_in):
    number, _code = case_in("registered")
    before = _state(app, number)
    response = _staff_post(client, number, status="rejected", reason=" ")
    assert response.status_code == 400 and "Give a reason for this step." in _page(response)
    assert "Are you sure" not in _page(response)
    assert _state(app, number) == before


@pytest.mark.parametrize("data", [
    {"status": "rejected", "reason": "理由", "confirm": "no"},
    {"status": "replied", "reason": "理由", "confirm": "yes"},
    {"status": "decided", "reason": "理由", "confirm": "yes"},
])
def test_forged_staff_confirmations_change_nothing(app, client, staff, case_in, data):
    number, _code = case_in("registered")
    before = _state(app, number)
    assert _staff_post(client, number, **data).status_code == 400
    assert _state(app, number) == before


def test_a_step_that_can_be_undone_needs_no_confirmation(app, client, staff, case_in):
    number, _code = case_in("registered")
    assert _staff_post(client, number, status="accepted").status_code == 302
    assert _state(app, number)[0] is S.ACCEPTED


@pytest.mark.parametrize("role", ["committee", None])
def test_only_staff_can_reject(app, client, case_in, make_user, auth, role):
    number, _code = case_in("registered")
    if role:
        make_user("member", role=role)
        auth.login("member")
    before = _state(app, number)
    token = csrf_token(client, "/accounts/" if role else "/accounts/login")
    response = client.post(f"/staff/complaints/{number}/status",
                           data={"csrf_token": token, "status": "rejected", "reason": "x",
                                 "confirm": "yes"})
    assert response.status_code == (403 if role else 302)
    assert _state(app, number) == before


# Deadlines of a finished case


def test_a_withdrawn_case_shows_its_deadlines_as_ended(app, client, file_complaint, make_user,
                                                       auth):
    number, code = file_complaint(at=utcnow() - timedelta(days=20))
    open_case(client, number, code)
    assert "overdue" in _page(client.get(f"/complaints/track/{number}?lang=en"))
    assert _withdraw(client, number, confirm="yes", seen="registered").status_code == 302
    resident = _page(client.get(f"/complaints/track/{number}?lang=en"))
    assert resident.count("deadline-ended") == 2 and "overdue" not in resident
    assert "ended on" in resident and "(Withdrawn)" in resident
    make_user("handler", role="staff")
    auth.login("handler")
    staff_page = _page(client.get(f"/staff/complaints/{number}?lang=en"))
    assert staff_page.count("deadline-ended") == 2 and "overdue" not in staff_page
    inbox = _page(client.get("/staff/complaints/?status=all&lang=en"))
    assert number in inbox and 'class="overdue"' not in inbox and "ended" in inbox


def test_a_deadline_met_before_the_case_ended_stays_met(app, client, staff, case_in):
    number, _code = case_in("rejected")
    page = _page(client.get(f"/staff/complaints/{number}?lang=en"))
    assert page.count("deadline-met") == 1 and page.count("deadline-ended") == 1


def test_a_deadline_done_late_is_not_shown_as_met(app):
    """A deadline done after it passed reads "late" and is not styled (green) as met."""
    template = app.jinja_env.from_string(
        '{% from "complaints/_macros.html" import deadline %}'
        '{{ deadline("Answer", due, done, now) }}')
    due = datetime(2026, 11, 20, 15, 59, tzinfo=UTC)
    with app.test_request_context("/?lang=en"):
        late = template.render(due=due, done=due + timedelta(days=6), now=due + timedelta(days=7))
        met = template.render(due=due, done=due - timedelta(days=1), now=due + timedelta(days=7))
    assert "deadline-late" in late and "deadline-met" not in late and "late, done on" in late
    assert "deadline-met" in met and "deadline-late" not in met
