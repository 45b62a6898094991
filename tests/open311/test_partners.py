"""The partners' page, ``flask apikeys`` and revoking a key from the page."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.open311 import keys
from portal.open311.models import ApiKey
from tests.conftest import confirm_form, csrf_token
from tests.open311.conftest import BASE, GOOD


def test_apikeys_create_list_and_revoke(app, runner, client):
    made = runner.invoke(args=["apikeys", "create", "city", "--owner", "示例市（虚构）",
                               "--channel", "12345 市民热线", "--rate-limit", "10 per minute"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert re.fullmatch(r"ops_[A-Za-z0-9_-]{43}", key)
    with app.app_context():
        row = db.session.scalar(sa.select(ApiKey))
        assert row.key_hash == keys.digest(key) and key not in (row.prefix + row.key_hash)
    assert client.post(f"{BASE}/requests.json", data={"api_key": key, **GOOD}).status_code == 201
    listed = runner.invoke(args=["apikeys", "list"])
    assert "12345 市民热线" in listed.output and "complaints filed: 1" in listed.output
    assert "active" in listed.output and key not in listed.output
    assert runner.invoke(args=["apikeys", "revoke", "city"]).exit_code == 0
    assert "revoked" in runner.invoke(args=["apikeys", "list"]).output
    assert "before" in runner.invoke(args=["apikeys", "revoke", "city"]).output


def test_apikeys_refuses_a_duplicate_name_a_bad_limit_and_an_unknown_key(runner):
    args = ["apikeys", "create", "city", "--owner", "甲", "--channel", "乙"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "already" in again.output
    bad = runner.invoke(args=["apikeys", "create", "b", "--owner", "甲", "--channel", "乙",
                              "--rate-limit", "lots"])
    assert bad.exit_code == 1 and "per minute" in bad.output
    assert runner.invoke(args=["apikeys", "revoke", "nobody"]).exit_code == 1


def test_only_administrators_see_the_partners_page(client, auth, make_user, make_key):
    make_key()
    assert client.get("/staff/partners/").status_code == 302  # to the login page
    make_user("staffer", "staff")
    auth.login("staffer")
    assert client.get("/staff/partners/").status_code == 403
    auth.logout()
    make_user("admin", "admin")
    auth.login("admin")
    page = client.get("/staff/partners/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "12345 市民热线" in text and "示例市热线（虚构）" in text


def test_revoking_from_the_page_asks_first_and_stops_the_key_at_once(app, client, auth,
                                                                   make_user, make_key):
    key, key_id = make_key()
    make_user("admin", "admin")
    auth.login("admin")
    url = f"/staff/partners/{key_id}/revoke"
    token = csrf_token(client, "/staff/partners/")
    asked = client.post(url, data={"csrf_token": token})
    assert asked.status_code == 200 and "confirm" in asked.get_data(as_text=True)
    assert client.post(f"{BASE}/requests.json", data={"api_key": key, **GOOD}).status_code == 201
    done = confirm_form(client, url, {})
    assert done.status_code == 302
    assert client.post(f"{BASE}/requests.json", data={"api_key": key, **GOOD}).status_code == 403
    page = client.get("/staff/partners/").get_data(as_text=True)
    assert f'action="{url}"' not in page  # no button for a revoked key
    assert client.post("/staff/partners/999/revoke",
                       data={"csrf_token": token}).status_code == 404


def test_apikeys_refuses_control_characters(runner):
    made = runner.invoke(args=["apikeys", "create", "x", "--owner", "<script>",
                               "--channel", "c\x01\u202e"])
    assert made.exit_code == 1 and "control" in made.output


def test_the_language_switch_of_a_confirmation_goes_back_to_the_page_it_came_from(
        client, auth, make_user, make_key):
    # A link to the POST's own address answered 405 (found on this page; every confirmation
    # and every form shown again after a POST had the same link).
    _key, key_id = make_key()
    make_user("admin", "admin")
    auth.login("admin")
    token = csrf_token(client, "/staff/partners/")
    asked = client.post(f"/staff/partners/{key_id}/revoke", data={"csrf_token": token},
                        headers={"Referer": "http://localhost/staff/partners/?x=1&lang=zh"})
    page = asked.get_data(as_text=True)
    assert 'href="/staff/partners/?x=1&amp;lang=en"' in page
    assert f'href="/staff/partners/{key_id}/revoke?lang=en"' not in page
    elsewhere = client.post(f"/staff/partners/{key_id}/revoke", data={"csrf_token": token},
                            headers={"Referer": "https://evil.example/x"})
    assert 'href="/?lang=en"' in elsewhere.get_data(as_text=True)


def test_apikeys_refuses_a_limit_of_nothing(runner):
    made = runner.invoke(args=["apikeys", "create", "x", "--owner", "甲", "--channel", "乙",
                               "--rate-limit", "0 per minute"])
    assert made.exit_code == 1
