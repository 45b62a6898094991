"""Translated error pages with the right status, HTML for people and JSON for machines."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db


@pytest.mark.parametrize(("code", "zh", "en"), [
    (400, "请求有误", "Bad request"),
    (403, "无权访问", "Access denied"),
    (404, "页面不存在", "Page not found"),
    (405, "不允许的请求方式", "Method not allowed"),
    (413, "上传内容过大", "Upload too large"),
    (429, "请求过于频繁", "Too many requests"),
    (500, "出错了", "Something went wrong"),
])
def test_every_error_page_in_both_languages(make_app, code, zh, en):
    app = make_app()

    @app.get("/fail/<int:status>")
    def fail(status):
        from flask import abort
        abort(status)

    client = app.test_client()
    for lang, title in (("zh", zh), ("en", en)):
        response = client.get(f"/fail/{code}?lang={lang}")
        assert response.status_code == code
        page = response.get_data(as_text=True)
        assert title in page
        assert page.count("<h1") == 1


def test_unexpected_exception_gives_a_500_page_and_rolls_back(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False, TESTING=False)

    @app.get("/explode")
    def explode():
        db.session.add(User(username="half", display_name="h", role="staff",
                            password_hash="x", session_token="t", failed_logins=0))
        db.session.flush()
        raise RuntimeError("boom")

    response = app.test_client().get("/explode?lang=en")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_wrong_method_says_which_are_allowed(client):
    response = client.post("/about", data={})
    assert response.status_code in (400, 405)  # CSRF is checked first on unknown POSTs
    response = client.delete("/about")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_oversized_body_is_refused_with_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/accounts/login?lang=en",
                                      data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "Upload too large" in response.get_data(as_text=True)


def test_missing_csrf_token_is_a_translated_400(client):
    response = client.post("/accounts/login?lang=en", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    response = client.post("/accounts/login?lang=zh", data={"username": "a", "password": "b",
                                                           "csrf_token": "forged"})
    assert response.status_code == 400
    assert "此表单已过期" in response.get_data(as_text=True)


def test_machine_clients_get_json_errors(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"]["status"] == 404
    response = client.get("/missing", headers={"Accept": "application/json"})
    assert response.is_json


def test_error_page_still_answers_when_the_layout_itself_fails(make_app, monkeypatch):
    app = make_app(PROPAGATE_EXCEPTIONS=False, TESTING=False)

    @app.get("/explode-twice")
    def explode_twice():
        raise RuntimeError("boom")

    from portal.core import templating

    def broken_navigation():
        raise RuntimeError("database down")

    monkeypatch.setattr(templating, "visible_navigation", broken_navigation)
    response = app.test_client().get("/explode-twice?lang=en")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "portal.css" not in response.get_data(as_text=True)  # the bare fallback page
