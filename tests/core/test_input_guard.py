"""Control characters in paths, query strings and form fields: a clear 400 or a form error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm

from portal.complaints.models import Complaint
from portal.core.forms import PortalForm
from portal.extensions import db
from tests.complaints.conftest import FILING, form_fields
from tests.conftest import csrf_token


@pytest.mark.parametrize("url", [
    "/tariffs/A%00B", "/tariffs/A%01B/history", "/fees/?q=%00", "/complaints/public?q=a%00b",
    "/complaints/public?category=%00", "/api/v1/tariffs?on=2024%0001", "/api/v1/fees?x%00=1",
    "/complaints/track?number=TS%00", "/complaints/track/TS-2026-%00/information",
    "/accounts/login?next=/accounts/%00", "/?lang=en%7F",
])
def test_control_characters_in_paths_and_queries_are_a_400(client, url):
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "The request could not be understood." in response.get_data(as_text=True)


def test_the_api_answers_control_characters_with_json(client):
    response = client.get("/api/v1/tariffs/A%00B")
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


def test_tabs_and_newlines_are_fine(client):
    assert client.get("/complaints/public?q=a%09b").status_code == 200


def _new_complaint(client, **fields):
    token = csrf_token(client, "/complaints/new")
    page = client.get("/complaints/new").get_data(as_text=True)
    data = {**form_fields(page), "csrf_token": token, "type": "complaint",
            "category": FILING["category_code"], "district": FILING["district_code"],
            "subject": FILING["subject"], "description": FILING["description"], **fields}
    return client.post("/complaints/new?lang=en", data=data)


@pytest.mark.parametrize("field", ["subject", "description", "location", "contact_name"])
def test_a_complaint_with_a_nul_byte_is_a_form_error_and_keeps_the_text(app, client, field):
    response = _new_complaint(client, **{field: "停电\x00三天", "consent_contact": "y"}
                              if field == "contact_name" else {field: "停电\x00三天"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "invisible control characters" in page
    assert "停电三天" in page  # what the person typed is still there, without the character
    assert "\x00" not in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_the_tracking_form_refuses_a_nul_byte(client):
    token = csrf_token(client, "/complaints/track")
    response = client.post("/complaints/track?lang=en",
                           data={"csrf_token": token, "number": "TS-2026-\x00001", "code": "x"})
    assert response.status_code == 400
    assert "invisible control characters" in response.get_data(as_text=True)


def test_the_login_form_refuses_a_nul_byte(client):
    token = csrf_token(client, "/accounts/login")
    response = client.post("/accounts/login?lang=en",
                           data={"csrf_token": token, "username": "a\x00", "password": "x" * 12})
    assert response.status_code == 400
    assert "invisible control characters" in response.get_data(as_text=True)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_the_portal_checks_for_control_characters(app):
    forms = [form for form in _subclasses(FlaskForm) if form.__module__.startswith("portal.")]
    assert forms, "no forms found"
    assert [form.__qualname__ for form in forms if not issubclass(form, PortalForm)] == []


def test_line_and_page_breaks_from_word_processors_become_line_breaks(app, client):
    response = _new_complaint(client, description="第一行\x0b第二行\x0c第三行")
    assert response.status_code == 200  # the check step
    assert "第一行\n第二行\n第三行" in response.get_data(as_text=True)


def test_direction_overrides_are_refused_like_control_characters(client):
    """A right-to-left override would make a title read otherwise than it is stored."""
    response = _new_complaint(client, subject="停电\u202e三天")
    assert response.status_code == 400
    assert "invisible control characters" in response.get_data(as_text=True)
    assert client.get("/complaints/public?q=a%E2%80%AEb").status_code == 400
