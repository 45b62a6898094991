"""Staff inbox and case handling, the committee's decision, public cases, privacy commands."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.complaints.enums import ComplaintStatus, EventKind
from portal.complaints.models import Complaint, ComplaintEvent
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import open_case
from tests.conftest import TEST_DATA_KEY, csrf_token


@pytest.fixture
def staff(make_user, auth):
    make_user("handler", role="staff", display_name="Handler")
    auth.login("handler")


def _post(client, number, action, **data):
    token = csrf_token(client, f"/staff/complaints/{number}")
    return client.post(f"/staff/complaints/{number}/{action}?lang=en",
                       data={"csrf_token": token, **data})


def _complaint(app, number):
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(
            Complaint.tracking_number == number))
        db.session.expunge(complaint)
        return complaint


def test_inbox_lists_open_cases_soonest_deadline_first_and_filters(
        client, staff, file_complaint):
    old, _ = file_complaint(at=utcnow() - timedelta(days=20), subject="很久以前")
    new, _ = file_complaint(subject="刚刚", category_code="QUAL", district_code="NANLING")
    page = client.get("/staff/complaints/?lang=en").get_data(as_text=True)
    assert page.index(old) < page.index(new)
    assert "overdue" in page
    overdue = client.get("/staff/complaints/?overdue=1").get_data(as_text=True)
    assert old in overdue and new not in overdue
    by_district = client.get("/staff/complaints/?district=NANLING").get_data(as_text=True)
    assert new in by_district and old not in by_district
    mine = client.get("/staff/complaints/?mine=1").get_data(as_text=True)
    assert old not in mine


def test_handling_a_case_from_registration_to_reply(app, client, staff, file_complaint):
    number, code = file_complaint()
    assert _post(client, number, "status", status="accepted").status_code == 302
    assert _post(client, number, "status", status="in_progress").status_code == 302
    assert _post(client, number, "note", **{"note-text": "已联系营业厅核实"}).status_code == 302
    assert _post(client, number, "reply", **{"reply-text": "已退还 200 元。"}).status_code == 302
    complaint = _complaint(app, number)
    assert complaint.status is ComplaintStatus.REPLIED
    assert complaint.first_contacted_at is not None and complaint.replied_at is not None
    page = client.get(f"/staff/complaints/{number}?lang=en").get_data(as_text=True)
    assert "已联系营业厅核实" in page and "(handler)" in page
    complainant = client.application.test_client()
    open_case(complainant, number, code)
    seen = complainant.get(f"/complaints/track/{number}?lang=en").get_data(as_text=True)
    assert "已退还 200 元。" in seen and "已联系营业厅核实" not in seen


def test_refused_transitions_and_missing_reasons(app, client, staff, file_complaint):
    number, _ = file_complaint()
    response = _post(client, number, "status", status="replied")
    assert response.status_code == 400
    assert "Not a valid choice." in response.get_data(as_text=True)
    response = _post(client, number, "status", status="rejected", reason="")
    assert response.status_code == 400
    assert "Give a reason for this step." in response.get_data(as_text=True)
    assert _complaint(app, number).status is ComplaintStatus.REGISTERED


def test_showing_contact_details_is_logged(app, client, staff, file_complaint):
    number, _ = file_complaint(contact_phone="13812345678", contact_name="李四")
    page = client.get(f"/staff/complaints/{number}?lang=en").get_data(as_text=True)
    assert "13812345678" not in page
    shown = _post(client, number, "contact").get_data(as_text=True)
    assert "13812345678" in shown and "李四" in shown
    with app.app_context():
        event = db.session.scalar(sa.select(ComplaintEvent).where(
            ComplaintEvent.kind == EventKind.CONTACT_VIEWED))
        assert event.actor.username == "handler" and event.created_at is not None


def test_assignment(app, client, staff, file_complaint, make_user):
    number, _ = file_complaint()
    colleague, _ = make_user("colleague", role="staff")
    assert _post(client, number, "assign", assignee=str(colleague.id)).status_code == 302
    assert _complaint(app, number).assigned_to_id == colleague.id
    assert _post(client, number, "assign", assignee="99999").status_code == 400


def _assignments(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent).where(
            ComplaintEvent.kind == EventKind.ASSIGNED))


def test_an_assignment_sent_without_a_choice_or_unchanged_records_nothing(
        app, client, staff, file_complaint, make_user):
    number, _ = file_complaint()
    colleague, _ = make_user("colleague", role="staff")
    for _attempt in range(2):  # a truncated form, sent twice
        assert _post(client, number, "assign").status_code == 400
    assert _assignments(app) == 0
    for _attempt in range(2):  # a double submit
        assert _post(client, number, "assign", assignee=str(colleague.id)).status_code == 302
    assert _assignments(app) == 1


def test_summary_needs_consent_and_is_redacted_before_publication(
        app, client, staff, file_complaint):
    refused, _ = file_complaint(consent_publish=False)
    response = _post(client, refused, "summary", **{"summary-text": "摘要"})
    assert response.status_code == 400
    agreed, _ = file_complaint(consent_publish=True, description="请拨打 13812345678 联系我")
    page = client.get(f"/staff/complaints/{agreed}").get_data(as_text=True)
    assert "13812345678" not in page.split('id="summary-text"')[1][:500]  # suggested, redacted
    _post(client, agreed, "summary", **{"summary-text": "收费问题，电话 13812345678。"})
    public = client.get("/complaints/public?lang=en").get_data(as_text=True)
    assert "收费问题" in public and "13812345678" not in public
    assert refused not in public and agreed not in public  # no tracking numbers either


def test_public_cases_are_only_consented_and_approved_ones(app, client, staff, file_complaint):
    file_complaint(consent_publish=True, subject="未审核")
    public = client.get("/complaints/public").get_data(as_text=True)
    assert "未审核" not in public


def test_committee_decides_escalated_cases(app, client, file_complaint, make_user, auth):
    number, _ = file_complaint(at=utcnow() - timedelta(days=20))
    with app.app_context():
        from portal.complaints import services
        from portal.complaints.enums import ActorKind

        complaint = db.session.scalar(sa.select(Complaint))
        services.change_status(complaint, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                               utcnow(), reason="超期未答复")
        db.session.commit()
    make_user("member", role="committee")
    auth.login("member")
    assert client.get("/staff/complaints/").status_code == 403
    assert number in client.get("/staff/complaints/committee/").get_data(as_text=True)
    token = csrf_token(client, f"/staff/complaints/committee/{number}")
    empty = client.post(f"/staff/complaints/committee/{number}?lang=en",
                        data={"csrf_token": token, "decision-outcome": "upheld",
                              "decision-reasons": ""})
    assert empty.status_code == 400
    response = client.post(f"/staff/complaints/committee/{number}",
                           data={"csrf_token": token, "decision-outcome": "upheld",
                                 "decision-reasons":
                                     "供电公司超过答复时限，责令三日内书面答复投诉人。"})
    assert response.status_code == 302
    assert _complaint(app, number).status is ComplaintStatus.DECIDED


@pytest.mark.parametrize("url", ["/staff/complaints/", "/staff/complaints/TS-2026-000001"])
def test_inbox_needs_a_staff_account(client, url):
    assert client.get(url).status_code == 302


def test_purge_contacts_after_the_retention_period(app, runner, file_complaint):
    old, _ = file_complaint(contact_phone="13812345678")
    recent, _ = file_complaint(contact_phone="13912345678")
    with app.app_context():
        for number, days in ((old, 400), (recent, 10)):
            complaint = db.session.scalar(sa.select(Complaint).where(
                Complaint.tracking_number == number))
            complaint.status = ComplaintStatus.CLOSED
            complaint.closed_at = utcnow() - timedelta(days=days)
        db.session.commit()
    result = runner.invoke(args=["complaints", "purge-contacts"])
    assert result.exit_code == 0 and "from 1 closed cases" in result.output
    assert _complaint(app, old).contact_phone_enc is None
    assert _complaint(app, old).contact_purged_at is not None
    assert _complaint(app, recent).contact_phone_enc is not None


def test_key_rotation(app, runner, file_complaint):
    from portal.core import protection

    file_complaint(contact_phone="13812345678")
    new_key = runner.invoke(args=["complaints", "new-key"]).output.strip()
    app.config["DATA_KEY"] = f"{new_key},{TEST_DATA_KEY}"
    result = runner.invoke(args=["complaints", "rotate-key"])
    assert result.exit_code == 0 and "Re-encrypted 1 values" in result.output
    app.config["DATA_KEY"] = new_key
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        assert protection.decrypt(complaint.contact_phone_enc) == "13812345678"
    app.config["DATA_KEY"] = runner.invoke(args=["complaints", "new-key"]).output.strip()
    refused = runner.invoke(args=["complaints", "rotate-key"])
    assert refused.exit_code != 0 and "nothing was changed" in refused.output


def test_the_public_never_sees_the_complainants_own_words_or_staff_names(
        app, client, staff, file_complaint):
    number, _code = file_complaint(consent_publish=True, at=utcnow() - timedelta(days=20))
    with app.app_context():
        from portal.complaints import services
        from portal.complaints.enums import ActorKind

        complaint = db.session.scalar(sa.select(Complaint))
        services.change_status(complaint, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                               utcnow(), reason="我是王五，住在幸福小区 3 号楼")
        db.session.commit()
    _post(client, number, "summary", **{"summary-text": "抢修延误的投诉。"})
    public = client.get("/complaints/public?lang=en").get_data(as_text=True)
    assert "抢修延误的投诉。" in public
    assert "王五" not in public and "幸福小区" not in public and "handler" not in public
    assert "Complainant" in public and ">You<" not in public


def test_the_committee_sees_no_staff_names_or_assignments(
        app, client, file_complaint, make_user, auth):
    number, _ = file_complaint(at=utcnow() - timedelta(days=20))
    handler, _ = make_user("handler-x", role="staff")
    with app.app_context():
        from portal.accounts.models import User
        from portal.complaints import services
        from portal.complaints.enums import ActorKind

        complaint = db.session.scalar(sa.select(Complaint))
        staff_member = db.session.get(User, handler.id)
        services.assign(complaint, staff_member, staff_member, utcnow())
        services.add_note(complaint, staff_member, "内部备注", utcnow())
        services.change_status(complaint, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                               utcnow(), reason="超期")
        db.session.commit()
    make_user("member", role="committee")
    auth.login("member")
    page = client.get(f"/staff/complaints/committee/{number}?lang=en").get_data(as_text=True)
    assert "handler-x" not in page and "内部备注" not in page and "Assigned" not in page


def test_escalated_cases_keep_their_contact_details(app, runner, file_complaint):
    number, _ = file_complaint(contact_phone="13812345678")
    with app.app_context():
        from portal.complaints import services
        from portal.complaints.enums import ActorKind

        complaint = db.session.scalar(sa.select(Complaint))
        long_ago = utcnow() - timedelta(days=400)
        services.change_status(complaint, ComplaintStatus.REJECTED, ActorKind.STAFF, long_ago,
                               reason="不属于受理范围")
        services.change_status(complaint, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                               utcnow(), reason="不同意")
        db.session.commit()
    runner.invoke(args=["complaints", "purge-contacts"])
    assert _complaint(app, number).contact_phone_enc is not None


def test_staff_pages_with_contact_details_are_not_cached(client, staff, file_complaint):
    number, _ = file_complaint(contact_phone="13812345678")
    assert _post(client, number, "contact").headers["Cache-Control"] == "no-store"
    assert client.get(f"/staff/complaints/{number}").headers["Cache-Control"] == "no-store"


def test_the_inbox_puts_cases_staff_act_on_before_those_waiting_on_others(client, staff,
                                                                         case_in):
    """A case with the committee since long ago sorted first by its old answer deadline,
    above the open cases that staff must answer."""
    with_committee, _ = case_in("escalated", at=utcnow() - timedelta(days=30))
    waiting, _ = case_in("registered", at=utcnow() - timedelta(days=10))
    page = client.get("/staff/complaints/?lang=en").get_data(as_text=True)
    assert page.index(waiting) < page.index(with_committee)
