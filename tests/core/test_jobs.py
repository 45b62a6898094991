"""Background jobs (emails): done once the change is saved, tried again when the mail server
refuses, recorded when they fail, sent again by an administrator; on a Redis queue run by
``flask --app portal worker``; never lost when the queue is down."""

from __future__ import annotations

import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.core import jobs, mail
from portal.core.job_models import Job, JobState
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.test_notify import _file, _free_port, _staff_client, smtp  # noqa: F401
from tests.complaints.test_staff import _post
from tests.conftest import AuthActions, csrf_token

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
CONTACT = {"contact_email": "resident@example.com", "consent_contact": True}


def _jobs(app):
    with app.app_context():
        found = list(db.session.scalars(sa.select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return found


def _due_now(app):
    """Time passes: every waiting job is due."""
    with app.app_context():
        db.session.execute(sa.update(Job).where(Job.state == JobState.WAITING)
                           .values(run_after=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_an_email_is_a_job_done_once_the_change_is_saved(make_app, smtp):  # noqa: F811
    controller, inbox = smtp
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    number, _code = _file(app, **CONTACT)
    client = _staff_client(app)
    assert _post(client, number, "status", status="accepted").status_code == 302
    assert len(inbox.messages) == 1
    [job] = _jobs(app)
    assert (job.kind, job.state, job.attempts) == ("complaint-email", JobState.DONE, 1)
    assert "resident" not in job.arguments  # ids only: arguments may travel through Redis


def test_a_change_rolled_back_leaves_no_job(app):
    with app.app_context():
        jobs.later("complaint-email", complaint_id=1)
        db.session.rollback()
    assert _jobs(app) == []


def test_an_unknown_kind_of_job_is_refused(app):
    with app.app_context(), pytest.raises(KeyError):
        jobs.later("no-such-job")


def test_a_closed_mail_server_is_tried_again_then_recorded_then_sent_again(
        make_app, make_user, smtp, caplog):  # noqa: F811
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nothing listens there
    number, _code = _file(app, **CONTACT)
    client = _staff_client(app)
    started = time.monotonic()
    assert _post(client, number, "status", status="accepted").status_code == 302  # saved
    [job] = _jobs(app)
    assert (job.state, job.attempts, job.last_error) == (
        JobState.WAITING, 1, "ConnectionRefusedError")
    assert job.run_after > utcnow() + timedelta(seconds=5)  # 10 s later
    for attempts in (2, 3, 4, 5):
        _due_now(app)
        assert app.test_cli_runner().invoke(args=["jobs", "run-due"]).exit_code == 0
        assert _jobs(app)[0].attempts == attempts
    [job] = _jobs(app)
    assert job.state == JobState.FAILED and job.finished_at is not None
    assert "resident@example.com" not in caplog.text  # the log never names the address
    assert time.monotonic() - started < 20

    # The administrator sees it, and sends it again once the server is back.
    controller, inbox = smtp
    app.config["MAIL_PORT"] = controller.port
    make_user("root", role="admin")
    admin = app.test_client()
    AuthActions(app, admin).login("root")
    page = admin.get("/staff/jobs/?lang=en").get_data(as_text=True)
    assert "Email to a complainant" in page and "Failed" in page
    assert "ConnectionRefusedError" in page, page[page.find("<table"):][:3000]
    assert "resident@example.com" not in page
    token = csrf_token(admin, "/staff/jobs/")
    sent = admin.post(f"/staff/jobs/{job.id}/retry?lang=en", data={"csrf_token": token})
    assert sent.status_code == 303
    assert len(inbox.messages) == 1
    assert _jobs(app)[0].state == JobState.DONE
    again = admin.post(f"/staff/jobs/{job.id}/retry?lang=en", data={"csrf_token": token},
                       follow_redirects=True)
    assert "Only a failed job can be sent again." in again.get_data(as_text=True)


def test_the_jobs_page_is_for_administrators_only(app, client, make_user, auth):
    assert client.get("/staff/jobs/").status_code == 302  # to the login
    make_user("handler", role="staff")
    auth.login("handler")
    assert client.get("/staff/jobs/").status_code == 403
    assert client.post("/staff/jobs/1/retry").status_code in (400, 403)


def test_bad_retries_are_refused(app, client, make_user, auth):
    make_user("root", role="admin")
    auth.login("root")
    page = client.get("/staff/jobs/?lang=en").get_data(as_text=True)
    assert "No job is waiting or has failed." in page
    token = csrf_token(client, "/staff/jobs/")
    assert client.post("/staff/jobs/999/retry", data={"csrf_token": token}).status_code == 404
    assert client.post("/staff/jobs/1/retry").status_code == 400  # no CSRF token
    assert client.post("/staff/jobs/x/retry", data={"csrf_token": token}).status_code == 404
    assert client.get("/staff/jobs/1/retry").status_code == 405


def test_the_request_does_not_wait_for_a_slow_mail_server(make_app, monkeypatch):
    """A server that accepts the connection and never answers: the request answers at once;
    the job's thread waits out the timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    monkeypatch.setattr(mail, "TIMEOUT_SECONDS", 2)
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1])
    number, _code = _file(app, **CONTACT)
    client = _staff_client(app)
    app.testing = False  # jobs on a thread, as in production
    started = time.monotonic()
    assert _post(client, number, "status", status="accepted").status_code == 302
    assert time.monotonic() - started < 1.5
    jobs.wait_for_jobs(app)
    listener.close()
    [job] = _jobs(app)
    assert job.state == JobState.WAITING and job.attempts == 1
    assert job.last_error in ("SMTPServerDisconnected", "TimeoutError")


@pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL not set")
def test_with_a_queue_the_worker_runs_the_job(make_app, smtp):  # noqa: F811
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    controller, inbox = smtp
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, QUEUE_URL=REDIS_URL)
    number, _code = _file(app, **CONTACT)
    client = _staff_client(app)
    assert _post(client, number, "status", status="accepted").status_code == 302
    assert inbox.messages == [] and _jobs(app)[0].state == JobState.WAITING  # queued
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert len(inbox.messages) == 1 and _jobs(app)[0].state == JobState.DONE


def test_a_queue_that_is_down_loses_nothing(make_app, smtp):  # noqa: F811
    controller, inbox = smtp
    closed = f"redis://127.0.0.1:{_free_port()}/0"
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, QUEUE_URL=closed)
    number, _code = _file(app, **CONTACT)
    client = _staff_client(app)
    assert _post(client, number, "status", status="accepted").status_code == 302
    assert _jobs(app)[0].state == JobState.WAITING  # kept in the database
    app.config["QUEUE_URL"] = ""  # the duty runs it here once the queue is out of the way
    result = app.test_cli_runner().invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0 and "1 job(s) handed on." in result.output
    assert len(inbox.messages) == 1 and _jobs(app)[0].state == JobState.DONE


def test_the_worker_needs_a_queue(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "PORTAL_QUEUE_URL is not set" in result.output


def test_the_procfile_runs_the_web_and_the_worker():
    honcho = Path(sys.executable).with_name("honcho")
    checked = subprocess.run([str(honcho), "check"], cwd=Path(__file__).parents[2],
                             capture_output=True, text=True, check=False, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "(web, worker)" in checked.stderr + checked.stdout


class _Server(socketserver.StreamRequestHandler):
    """An SMTP server with a will of its own: ``rcpt`` answers RCPT TO, ``quit`` QUIT."""

    rcpt, quit, delivered = "250 ok", "221 bye", []

    def _say(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self._say("220 test ESMTP")
        for raw in iter(self.rfile.readline, b""):
            command = raw.decode().strip().upper()
            if command.startswith("EHLO"):
                self._say("250-test")
                self._say("250 8BITMIME")
            elif command.startswith("RCPT"):
                self._say(self.rcpt)
            elif command == "DATA":
                self._say("354 go")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.delivered.append(1)
                self._say("250 queued")
            elif command == "QUIT":
                self._say(self.quit)
                return
            else:
                self._say("250 ok")


@pytest.fixture
def odd_smtp():
    handler = type("Handler", (_Server,), {"delivered": []})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, handler
    server.shutdown()
    server.server_close()


def _accepted_through(make_app, odd_smtp, **answers):
    """A case accepted with the mail server answering ``answers``; the app."""
    server, handler = odd_smtp
    for command, answer in answers.items():
        setattr(handler, command, answer)
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1])
    number, _code = _file(app, **CONTACT)
    _post(_staff_client(app), number, "status", status="accepted")
    return app


def test_a_message_the_server_took_counts_as_sent_however_it_says_goodbye(make_app, odd_smtp):
    app = _accepted_through(make_app, odd_smtp, quit="421 closing")
    assert odd_smtp[1].delivered == [1] and _jobs(app)[0].state == JobState.DONE


def test_an_address_refused_for_good_fails_at_once(make_app, odd_smtp):
    app = _accepted_through(make_app, odd_smtp, rcpt="550 no such mailbox")
    [job] = _jobs(app)
    assert (job.state, job.attempts, job.last_error) == (JobState.FAILED, 1, "Undeliverable")


def test_an_email_tells_of_the_change_that_made_it(make_app, smtp):  # noqa: F811
    """Two quick changes: each email names its own status, whenever it is sent."""
    controller, inbox = smtp
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, QUEUE_URL="")
    number, _code = _file(app, **CONTACT)
    client = _staff_client(app)
    app.config["MAIL_PORT"] = _free_port()  # the server is away: both wait
    _post(client, number, "status", status="accepted")
    _post(client, number, "status", status="in_progress")
    app.config["MAIL_PORT"] = controller.port
    _due_now(app)
    app.test_cli_runner().invoke(args=["jobs", "run-due"])
    subjects = sorted(message["Subject"] for message in inbox.messages)
    assert len(subjects) == 2 and subjects[0] != subjects[1]


def test_a_worker_recovers_from_a_spoilt_session(app):
    """A connection lost during one job (here: a statement that failed and was never rolled
    back) does not spoil the next: each job has a session of its own."""
    from portal.complaints import notify  # noqa: F401  (the handler)

    with app.app_context():
        job = jobs.later("complaint-email", complaint_id=999)
        db.session.commit()
        job_id = job.id
        with pytest.raises(sa.exc.DBAPIError):
            db.session.execute(sa.text("SELECT no_such_column FROM jobs"))
        jobs.run_queued(job_id)
    assert _jobs(app)[0].state == JobState.DONE


def test_retrying_a_job_that_cannot_exist_says_so(app):
    result = app.test_cli_runner().invoke(args=["jobs", "retry", "99999999999999999999"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "99999999999999999999" in result.output


def test_a_job_made_outside_a_request_links_to_the_public_address(make_app, smtp):  # noqa: F811
    """A duty's job has no request to name a host: with PORTAL_TRUSTED_HOSTS set, the
    fallback host was refused and every such email failed (found by a newcomer)."""
    from portal.accounts import services as accounts
    from portal.core import duties

    controller, inbox = smtp
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                   PUBLIC_URL="https://portal.example.cn",
                   TRUSTED_HOSTS="portal.example.cn,127.0.0.1")
    with app.app_context():
        chief = accounts.create_user("chief", "Chief", "admin", "correct horse battery")
        chief.email = "chief@example.invalid"
        db.session.commit()
        duties.run("supervisor-summary", utcnow())
        assert [job.state for job in db.session.scalars(sa.select(Job))] == [JobState.DONE]
    assert "https://portal.example.cn/staff/complaints/?overdue=1" in \
        inbox.messages[-1].get_content()


def test_a_retry_that_comes_a_moment_early_is_still_run(app):
    """RQ schedules in whole seconds: a retry may arrive before its time by up to one."""
    with app.app_context():
        job = Job(kind="complaint-email", arguments='{"complaint_id": 0}',
                  state=JobState.WAITING, attempts=1,
                  run_after=utcnow() + timedelta(seconds=1))
        db.session.add(job)
        db.session.commit()
        assert jobs.run(job.id) is True
