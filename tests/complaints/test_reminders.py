"""The daily duties of complaint handling: each handler's reminder of cases due by the end of
the next working day or overdue, the supervisors' summary, delivered to a real SMTP server
(aiosmtpd); once a day, on working days, nothing to anyone without an address."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.accounts import services as accounts
from portal.complaints import reminders, services
from portal.complaints.enums import ComplaintStatus
from portal.complaints.models import Complaint
from portal.core import duties
from portal.extensions import db
from tests.complaints.conftest import FILING
from tests.complaints.test_notify import smtp  # noqa: F401

MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai, a working day
SATURDAY = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
LOCAL = timedelta(hours=8)


@pytest.fixture
def mail_app(make_app, smtp, monkeypatch):  # noqa: F811
    controller, _inbox = smtp
    monkeypatch.setattr(reminders, "utcnow", lambda: MONDAY)
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                    MAIL_SENDER="portal@example.invalid", PUBLIC_URL="https://portal.example.cn")


def _user(username, role="staff", email=None, **changes):
    user = accounts.create_user(username, username.title(), role, "correct horse battery")
    user.email = email
    for key, value in changes.items():
        setattr(user, key, value)
    db.session.flush()
    return user


def _case(index, reply_due_local, assignee=None, status=ComplaintStatus.IN_PROGRESS, **more):
    """A case answered by ``reply_due_local`` (Shanghai time), first contact made."""
    receipt = services.submit_complaint(services.Filing(**FILING), f"remind-{index}",
                                        MONDAY - timedelta(days=10))
    case = receipt.complaint
    case.status, case.assigned_to_id = status, assignee.id if assignee else None
    case.reply_due_at = reply_due_local - LOCAL
    case.first_contacted_at = MONDAY - timedelta(days=9)
    for key, value in more.items():
        setattr(case, key, value)
    db.session.flush()
    return case.tracking_number


def _local(month, day, hour=12):
    """A moment written in Shanghai time (``_case`` moves it to UTC)."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def cases(mail_app):
    with mail_app.app_context():
        handler = _user("handler", email="handler@example.invalid")
        other = _user("other", email=None)
        gone = _user("gone", email="gone@example.invalid", disabled_at=MONDAY)
        numbers = {
            "overdue": _case(1, _local(11, 27), handler),
            "tomorrow": _case(2, _local(12, 1, 18), handler),  # Tuesday, the next working day
            "later": _case(3, _local(12, 3), handler),  # Thursday
            "answered": _case(4, _local(11, 27), handler, replied_at=MONDAY - timedelta(days=4)),
            "closed": _case(5, _local(11, 27), handler, status=ComplaintStatus.CLOSED),
            "not contacted": _case(6, _local(12, 7), handler, first_contacted_at=None,
                                   first_contact_due_at=MONDAY - timedelta(days=8)),
            "other's": _case(7, _local(11, 27), other),
            "disabled's": _case(8, _local(11, 27), gone),
            "nobody's": _case(9, _local(11, 27)),
        }
        db.session.commit()
    return numbers


def test_each_handler_is_reminded_of_cases_due_soon_and_overdue(mail_app, smtp, cases):  # noqa: F811
    _controller, inbox = smtp
    with mail_app.app_context():
        said = duties.run("staff-reminders", MONDAY)
    assert said == "1 reminder(s) queued"
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    body = message.get_content()
    assert message["To"] == "handler@example.invalid"
    assert message["Subject"] == "您的工单：逾期 2 件，即将到期 1 件"
    for listed in ("overdue", "tomorrow", "not contacted"):
        assert cases[listed] in body, listed
    for left_out in ("later", "answered", "closed", "other's", "disabled's", "nobody's"):
        assert cases[left_out] not in body, left_out
    assert body.index(cases["overdue"]) < body.index(cases["tomorrow"])
    assert "首次联系时限" in body and "2026年12月1日" in body
    assert "https://portal.example.cn/staff/complaints/?mine=1" in body
    # The same day again: nothing more.
    with mail_app.app_context(), pytest.raises(duties.DoneToday):
        duties.run("staff-reminders", MONDAY + timedelta(hours=2))
    assert len(inbox.messages) == 1


def test_no_reminders_on_a_day_off(mail_app, smtp, cases):  # noqa: F811
    _controller, inbox = smtp
    with mail_app.app_context():
        assert "not a working day" in duties.run("staff-reminders", SATURDAY)
    assert inbox.messages == []


def test_a_reminder_reads_the_cases_when_it_is_sent(mail_app, smtp, cases):  # noqa: F811
    """A case answered between the duty and the email is left out; with none left, no
    email."""
    _controller, inbox = smtp
    with mail_app.app_context():
        handler = accounts.get_user("handler")
        db.session.execute(sa.update(Complaint).where(Complaint.assigned_to_id == handler.id)
                           .values(replied_at=MONDAY, first_contacted_at=MONDAY))
        db.session.commit()
        assert reminders.send_reminder(handler, MONDAY.date(), MONDAY) is False
    assert inbox.messages == []


def test_supervisors_get_a_summary_of_yesterday_and_of_now(mail_app, smtp, cases):  # noqa: F811
    _controller, inbox = smtp
    with mail_app.app_context():
        _user("chief", role="admin", email="chief@example.invalid")
        _user("deputy", role="admin")  # no address: nothing
        for index in range(3):  # filed on Sunday, local time
            services.submit_complaint(services.Filing(**FILING), f"sunday-{index}",
                                      MONDAY - timedelta(hours=10))
        db.session.commit()
        assert duties.run("supervisor-summary", MONDAY) == \
            "1 summary email(s) queued for 2026-11-29"
    message = inbox.messages[-1]
    body = message.get_content()
    assert message["To"] == "chief@example.invalid"
    assert message["Subject"] == "2026年11月29日投诉日报：新登记 3 件，目前逾期 5 件"
    assert "新登记：3 件" in body and "未分派：4 件" in body
    assert "Handler：2 件" in body
    assert "https://portal.example.cn/staff/complaints/?overdue=1" in body


def test_the_duties_send_nothing_without_a_mail_server(app, runner):
    with app.app_context():
        handler = _user("handler", email="handler@example.invalid")
        _case(1, _local(11, 27), handler)
        db.session.commit()
        duties.run("staff-reminders", MONDAY)
        assert reminders.send_reminder(handler, MONDAY.date(), MONDAY) is False


def test_a_long_reminder_lists_the_first_cases_and_counts_them_all(mail_app, smtp, cases,  # noqa: F811
                                                                   monkeypatch):
    _controller, inbox = smtp
    monkeypatch.setattr(reminders, "LISTED_AT_MOST", 1)
    with mail_app.app_context():
        duties.run("staff-reminders", MONDAY)
    message = inbox.messages[0]
    assert message["Subject"] == "您的工单：逾期 2 件，即将到期 1 件"
    body = message.get_content()
    assert "已逾期（2 件）" in body and "（1 件）" in body and "仅列出前 1 件" in body
    assert len(re.findall(r"TS-\d{4}-\d{6}", body)) == 1
