"""Emails to complainants, delivered to a real SMTP server on this machine (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from tests.complaints.test_staff import _post
from tests.conftest import AuthActions


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def mail_app(make_app, smtp):
    controller, _inbox = smtp
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                    MAIL_SENDER="portal@example.invalid", PUBLIC_URL="https://portal.example.cn")


def _file(app, **overrides):
    from portal.complaints import services
    from portal.core.models import utcnow
    from portal.extensions import db
    from tests.complaints.conftest import FILING

    with app.app_context():
        receipt = services.submit_complaint(services.Filing(**{**FILING, **overrides}),
                                            "mail-key-" + str(len(overrides)), utcnow())
        db.session.commit()
        return receipt.complaint.tracking_number, receipt.formatted_code


def _staff_client(app):
    from portal.accounts import services
    from portal.extensions import db

    with app.app_context():
        user = services.create_user("handler", "Handler", "staff", "correct horse battery")
        services.enrol(user)
        db.session.commit()
    client = app.test_client()
    # With PORTAL_PUBLIC_URL on https the test client speaks https, and CSRF then checks the
    # Referer as browsers send it.
    client.environ_base["HTTP_REFERER"] = "https://portal.example.cn/"
    AuthActions(app, client).login("handler")
    return client


def test_reply_and_status_changes_are_emailed_in_the_complainants_language(mail_app, smtp):
    _controller, inbox = smtp
    number, code = _file(mail_app, contact_email="resident@example.com", consent_contact=True,
                         language="en")
    client = _staff_client(mail_app)
    _post(client, number, "status", status="accepted")
    _post(client, number, "note", **{"note-text": "internal"})  # no email for notes
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "resident@example.com"
    assert message["Subject"] == f"Your complaint {number}: Accepted"
    body = message.get_content()
    assert f"https://portal.example.cn/complaints/track?number={number}" in body
    assert code not in body and code.replace("-", "") not in body


def test_chinese_email_by_default(mail_app, smtp):
    _controller, inbox = smtp
    number, _code = _file(mail_app, contact_email="jumin@example.com", consent_contact=True)
    client = _staff_client(mail_app)
    _post(client, number, "status", status="accepted")
    assert number in inbox.messages[0]["Subject"] and "已受理" in inbox.messages[0]["Subject"]


def test_no_email_without_consent_or_address(mail_app, smtp):
    _controller, inbox = smtp
    silent, _ = _file(mail_app, contact_email="quiet@example.com", consent_contact=False)
    client = _staff_client(mail_app)
    _post(client, silent, "status", status="accepted")
    assert inbox.messages == []


def test_a_mail_server_that_is_down_does_not_undo_the_change(make_app, smtp):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nothing listens there
    number, _ = _file(app, contact_email="resident@example.com", consent_contact=True)
    client = _staff_client(app)
    response = _post(client, number, "status", status="accepted")
    assert response.status_code == 302
    page = client.get(f"/staff/complaints/{number}?lang=en").get_data(as_text=True)
    assert "Accepted" in page
