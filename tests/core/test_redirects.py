"""Pages that moved under /staff/<domain>/ answer their old addresses with a redirect."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import csrf_token


@pytest.mark.parametrize(("old", "new"), [
    ("/complaints/staff/", "/staff/complaints/"),
    ("/complaints/staff/?status=new&page=2", "/staff/complaints/?status=new&page=2"),
    ("/complaints/staff/TS-2026-000001", "/staff/complaints/TS-2026-000001"),
    ("/complaints/committee/", "/staff/complaints/committee/"),
    ("/complaints/committee/TS-2026-000001", "/staff/complaints/committee/TS-2026-000001"),
    ("/accounts/users", "/staff/accounts/users"),
])
def test_old_staff_addresses_redirect_permanently(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response.headers["Location"] == new


def test_a_form_sent_to_an_old_address_keeps_its_method(client):
    token = csrf_token(client, "/accounts/login")
    response = client.post("/complaints/staff/TS-2026-000001/reply", data={"csrf_token": token})
    assert response.status_code == 308
    assert response.headers["Location"] == "/staff/complaints/TS-2026-000001/reply"


@pytest.mark.parametrize("path", ["/complaints/staff//evil.example/x",
                                  "/complaints/staff/%2F%2Fevil.example", "/accounts/users//x"])
def test_a_redirect_never_leaves_the_site(client, path):
    response = client.get(path, follow_redirects=True)
    assert all(urlsplit(step.headers["Location"]).netloc in ("", "localhost")
               for step in response.history)
    assert response.request.path.startswith(("/staff/", "/accounts/login"))


def test_the_new_addresses_ask_for_a_login(client):
    response = client.get("/staff/complaints/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login")


def test_a_moved_page_asked_for_with_a_slash_lands_on_the_page(client):
    response = client.get("/accounts/users/")
    assert response.status_code == 301
    assert response.headers["Location"] == "/staff/accounts/users"
