"""``/metrics`` for Prometheus: absent without PORTAL_METRICS_TOKEN, refused without the token,
and with it the requests by endpoint (never a path), their latencies, complaints by status,
overdue cases, jobs waiting and failed, the duties' last runs; a database that does not answer
still gives a scrape."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import ROOT
from portal.complaints import services
from portal.config import ConfigError, load_config
from portal.core import duties
from portal.core.duty_models import DutyRecord
from portal.core.job_models import Job, JobState
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import FILING

TOKEN = "metrics-token-for-tests-only-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_app(make_app):
    return make_app(METRICS_TOKEN=TOKEN)


def test_without_a_token_there_is_no_metrics_address(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer wrong", f"Basic {TOKEN}",
                                    f"Bearer {TOKEN}x", f"bearer {TOKEN}", TOKEN])
def test_the_metrics_need_the_token(metrics_app, header):
    headers = {"Authorization": header} if header is not None else {}
    answer = metrics_app.test_client().get("/metrics", headers=headers)
    assert answer.status_code == 401 and "portal_" not in answer.get_data(as_text=True)
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_metrics_tell_requests_complaints_jobs_and_duties(metrics_app):
    client = metrics_app.test_client()
    with metrics_app.app_context():
        receipt = services.submit_complaint(services.Filing(**FILING), "metrics", utcnow())
        number = receipt.complaint.tracking_number
        receipt.complaint.first_contact_due_at = utcnow() - timedelta(days=1)
        db.session.add(Job(kind="complaint-email", arguments="{}", state=JobState.FAILED,
                           attempts=5, run_after=utcnow()))
        db.session.commit()
    monkey = duties.DUTIES["purge-jobs"]
    with metrics_app.app_context():
        duties.run(monkey.name, utcnow())
    client.get("/?lang=en")
    client.get(f"/complaints/track/{number}")
    text = client.get("/metrics", headers=BEARER).get_data(as_text=True)
    assert 'portal_complaints{status="registered"} 1.0' in text
    assert "portal_complaints_overdue 1.0" in text
    assert 'portal_jobs{state="failed"} 1.0' in text and 'portal_jobs{state="waiting"} 0.0' in text
    assert 'portal_duty_last_success_timestamp_seconds{duty="purge-jobs"}' in text
    assert "portal_metrics_database_up 1.0" in text
    assert 'portal_http_request_total{method="GET",status="200"}' in text
    assert "portal_http_request_duration_seconds_bucket{" in text
    assert 'endpoint="pages.home"' in text
    assert number not in text and "/complaints/track" not in text  # endpoints, never paths


def test_a_database_that_does_not_answer_still_gives_a_scrape(metrics_app, monkeypatch):
    from portal.core import metrics

    def down():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
    monkeypatch.setattr(metrics, "_from_database", down)
    answer = metrics_app.test_client().get("/metrics", headers=BEARER)
    assert answer.status_code == 200
    assert "portal_metrics_database_up 0.0" in answer.get_data(as_text=True)


@pytest.mark.parametrize("token", ["short", "x" * 31, "with space" * 4, "密" * 40])
def test_a_weak_or_odd_token_is_refused_at_start(token, tmp_path):
    with pytest.raises(ConfigError, match="PORTAL_METRICS_TOKEN"):
        load_config(tmp_path, environ={"PORTAL_METRICS_TOKEN": token})


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_under_gunicorn_the_workers_requests_are_summed(tmp_path):
    """Two workers, each answering requests: one scrape counts them all (multiprocess)."""

    port = _free_port()
    database = tmp_path / "portal.sqlite3"
    env = {**os.environ, "PORTAL_METRICS_TOKEN": TOKEN, "WORKERS": "2",
           "BIND": f"127.0.0.1:{port}", "PORTAL_DATABASE_URL": f"sqlite:///{database}",
           "PORTAL_SECRET_KEY": "x" * 40, "PORTAL_ENV": "development",
           "PORTAL_DATA_KEY": "Ak1BDqTHQ0bOdxyXL0vvmsG8h9dmw6hCU2xrvPx0OtI=",
           "PORTAL_CODE_PEPPER": "p", "PORTAL_LOG_SIGNING_KEY": "A" * 43 + "="}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    flask = Path(sys.executable).with_name("flask")
    subprocess.run([str(flask), "--app", "portal", "db", "upgrade"], env=env, check=True,
                   cwd=ROOT, capture_output=True)
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c",
                               "gunicorn.conf.py"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(path, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", path, headers=headers or {})
            return connection.getresponse().read().decode()
        finally:
            connection.close()
    try:
        for _ in range(100):
            try:
                get("/healthz")
                break
            except OSError:
                time.sleep(0.2)
        for _ in range(20):
            get("/healthz")
        text = get("/metrics", BEARER)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    line = next(line for line in text.splitlines()
                if line.startswith("portal_http_request_duration_seconds_count")
                and 'endpoint="pages.healthz"' in line)
    assert float(line.rsplit(" ", 1)[1]) >= 21, line
    assert 'portal_complaints{status="registered"} 0.0' in text  # read from the database
    # set when the app is built, in gunicorn's master before it forks the workers
    assert any(line.startswith("portal_exporter_info{") and line.endswith(" 1.0")
               for line in text.splitlines()), text


def test_every_alert_names_metrics_the_portal_gives(metrics_app):
    """deploy/prometheus/portal-alerts.yml: each metric an alert reads is in a scrape."""
    import re

    import yaml

    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "portal-alerts.yml").read_text())
    client = metrics_app.test_client()
    with metrics_app.app_context():
        duties.run("purge-jobs", utcnow())
        db.session.add(DutyRecord(name="audit-verify", last_failed_at=utcnow(),
                                  last_error="Refused"))
        db.session.commit()
    client.get("/healthz")
    scraped = client.get("/metrics", headers=BEARER).get_data(as_text=True)
    given = {line.split("{")[0].split(" ")[0] for line in scraped.splitlines()
             if line and not line.startswith("#")}
    given |= {"up", "portal_queue_length", "portal_metrics_queue_up"}  # Prometheus; a queue
    for rule in rules["groups"][0]["rules"]:
        named = set(re.findall(r"\b(portal_[a-z_]+|up)\b", rule["expr"]))
        assert named and named <= given, (rule["alert"], named - given)


def test_a_made_up_method_is_refused_before_it_becomes_a_label(metrics_app):
    """Found by the fault review: each method was a label, and 3,000 made-up ones grew a
    scrape to 4.5 MB."""
    client = metrics_app.test_client()
    for method in ("AAAAA", "AAAAB", "BREW"):
        answer = client.open("/", method=method)
        assert answer.status_code == 501 and "GET" in answer.headers["Allow"]
    text = client.get("/metrics", headers=BEARER).get_data(as_text=True)
    assert "AAAAA" not in text and "BREW" not in text


def test_a_duty_never_done_shows_as_zero_so_that_its_alert_fires(metrics_app):
    text = metrics_app.test_client().get("/metrics", headers=BEARER).get_data(as_text=True)
    assert 'portal_duty_last_success_timestamp_seconds{duty="staff-reminders"} 0.0' in text
