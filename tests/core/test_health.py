"""Health and readiness endpoints; the structured request log."""

from __future__ import annotations

import json
import logging

from portal import create_app
from portal.core.request_log import logger


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_with_a_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready"


def test_readyz_without_a_database_is_503_with_a_reason(tmp_path):
    broken = create_app({"SECRET_KEY": "x", "TESTING": True,
                         "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["database"] == "unavailable"
    assert broken.test_client().get("/healthz").status_code == 200


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_request_log_is_structured_and_holds_no_personal_data(make_app):
    app = make_app(LOG_LEVEL="INFO")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        app.test_client().get("/about?code=SECRET-CODE", headers={"X-Forwarded-For": "1.2.3.4"},
                              environ_base={"REMOTE_ADDR": "10.9.8.7"})
    finally:
        logger.removeHandler(handler)
    fields = handler.records[-1].fields
    assert fields["path"] == "/about" and fields["status"] == 200 and fields["method"] == "GET"
    text = json.dumps(fields)
    assert "SECRET-CODE" not in text and "10.9.8.7" not in text and "1.2.3.4" not in text


def test_the_development_server_logs_no_address_or_query(app):
    from portal.core.request_log import DevelopmentServerPrivacy

    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '10.9.8.7 - - [27/Nov/2026 08:00:00] "%s" %s %s',
        ("GET /complaints/track?number=TS-2026-000001&code=SECRET HTTP/1.1", "200", "-"), None)
    assert DevelopmentServerPrivacy().filter(record)
    line = record.getMessage()
    assert "10.9.8.7" not in line and "SECRET" not in line and "?number" not in line
    assert '"GET /complaints/track HTTP/1.1" 200' in line
