"""A failed database statement is logged without the values that were sent in the request."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from portal.accounts import services as accounts
from portal.complaints import services
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import FILING
from tests.complaints.test_filing import GOOD, send
from tests.conftest import AuthActions, csrf_token

SUBJECT = "抄表员多收了电费且态度恶劣"
DESCRIPTION = "我家住幸福小区 3 号楼，电话 13912345678，抄表员王五多收了 380 元。"
NOTE = "已致电投诉人李四核实（13787654321）"


def _refuse_inserts(app, table: str, sqlstate: str = "23514") -> None:
    """Make every insert into ``table`` fail in the database, as a constraint would."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(sa.text(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                                       "BEGIN SELECT RAISE(ABORT, 'refused'); END"))
        else:
            db.session.execute(sa.text(
                "CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = '{sqlstate}'; END $$"))
            db.session.execute(sa.text(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                                       "FOR EACH ROW EXECUTE FUNCTION refuse_insert()"))
        db.session.commit()


def test_a_complaint_that_cannot_be_stored_is_logged_without_its_text(app, client, caplog):
    _refuse_inserts(app, "complaints")  # an IntegrityError
    caplog.set_level(logging.INFO)
    response, _fields = send(client, {**GOOD, "subject": SUBJECT, "description": DESCRIPTION})
    assert response.status_code == 503
    # Every 503 says when to try again (the fault drill counts one without as an error).
    assert response.headers["Retry-After"].isdigit()
    assert response.headers["Cache-Control"] == "no-store"
    assert "Complaint could not be stored" in caplog.text and "Error" in caplog.text
    # The driver's message is not logged: on PostgreSQL it may quote the row ("DETAIL: ...").
    assert "refused" not in caplog.text
    for value in (SUBJECT, DESCRIPTION, "13912345678", GOOD["contact_name"],
                  GOOD["contact_phone"], GOOD["contact_email"], GOOD["account_number"]):
        assert value not in caplog.text


def test_an_unexpected_database_error_is_logged_without_the_form_data(make_app, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False, TESTING=False)  # the error page, as in production
    with app.app_context():
        staff = accounts.create_user("handler", "Handler", "staff", "correct horse battery")
        accounts.enrol(staff)
        receipt = services.submit_complaint(services.Filing(**FILING), "key-1", utcnow())
        db.session.commit()
        number = receipt.complaint.tracking_number
    client = app.test_client()
    AuthActions(app, client).login("handler")
    _refuse_inserts(app, "complaint_events", sqlstate="22001")  # a DataError on PostgreSQL
    caplog.set_level(logging.INFO)
    token = csrf_token(client, f"/staff/complaints/{number}")
    response = client.post(f"/staff/complaints/{number}/note",
                           data={"csrf_token": token, "note-text": NOTE})
    assert response.status_code == 500
    assert "Unhandled error" in caplog.text and "Error" in caplog.text
    assert "refused" not in caplog.text
    assert NOTE not in caplog.text and "13787654321" not in caplog.text


def test_each_answer_names_its_log_line(client, caplog):
    """The X-Request-ID an operator is shown (or told by a reader) finds the request's line in
    the log, and no two requests share one."""
    caplog.set_level(logging.INFO, logger="portal.request")
    ids = [client.get(path).headers["X-Request-ID"] for path in ("/healthz", "/about") * 50]
    assert len(set(ids)) == len(ids)
    assert all(len(each) == 16 and int(each, 16) >= 0 for each in ids)
    logged = [record.fields["request_id"] for record in caplog.records
              if record.name == "portal.request"]
    assert logged == ids
