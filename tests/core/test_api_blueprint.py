"""What every domain's API gets from ``api_blueprint``: errors, CORS, caching, pagination."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal.core.api import ApiError, api_blueprint, page_arguments, paginated
from portal.demo.models import DemoDataset
from portal.extensions import db


@pytest.fixture
def api_app(app):
    blueprint = api_blueprint("sample_api", __name__)

    @blueprint.get("/samples")
    def samples():
        page, per_page = page_arguments()
        pagination = db.paginate(sa.select(DemoDataset).order_by(DemoDataset.name), page=page,
                                 per_page=per_page, error_out=False)
        return paginated(pagination, [row.name for row in pagination.items], "samples",
                         "sample_api.samples")

    @blueprint.get("/broken")
    def broken():
        raise ApiError(400, "The date is wrong.", "on")

    @blueprint.post("/samples")
    def create():
        return {"created": True}, 201

    app.register_blueprint(blueprint)
    with app.app_context():
        db.session.add_all(DemoDataset(name=f"set-{index:02}") for index in range(7))
        db.session.commit()
    return app


def test_a_page_with_links_and_total(api_app):
    response = api_app.test_client().get("/api/v1/samples?per_page=3&page=2&lang=en")
    body = response.get_json()
    assert body["samples"] == ["set-03", "set-04", "set-05"]
    assert (body["page"], body["per_page"], body["total"]) == (2, 3, 7)
    assert parse_qs(urlsplit(body["links"]["next"]).query) == {
        "page": ["3"], "per_page": ["3"], "lang": ["en"]}  # the rest of the query is kept
    assert 'rel="prev"' in response.headers["Link"] and 'rel="last"' in response.headers["Link"]
    assert response.headers["X-Total-Count"] == "7"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response.headers["Cache-Control"]


def test_a_cached_answer_varies_by_language_and_sets_no_cookie(api_app):
    """Public caches keep one copy per language; ``?lang=`` is not remembered in a session
    (a cookie on a publicly cached answer)."""
    response = api_app.test_client().get("/api/v1/samples?lang=en")
    assert "Accept-Language" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers


def test_the_last_page_has_no_next(api_app):
    body = api_app.test_client().get("/api/v1/samples?per_page=3&page=3").get_json()
    assert body["samples"] == ["set-06"] and "next" not in body["links"]


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=501", "per_page=-1",
                                   "page=１", "per_page="])
def test_bad_paging_names_the_parameter(api_app, query):
    response = api_app.test_client().get(f"/api/v1/samples?{query}",
                                          headers={"Accept-Language": "en"})
    if query == "per_page=":  # empty means the default
        assert response.status_code == 200
        return
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == query.split("=")[0]
    assert "whole number" in error["message"]


def test_errors_are_json_naming_the_parameter(api_app):
    response = api_app.test_client().get("/api/v1/broken")
    assert response.status_code == 400
    assert response.get_json() == {"error": {"status": 400, "message": "The date is wrong.",
                                             "parameter": "on"}}
    assert "max-age" not in response.headers.get("Cache-Control", "")


def test_writing_is_neither_cached_nor_open_to_other_sites(api_app):
    response = api_app.test_client().post("/api/v1/samples")
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("query", ["_external=0", "_method=POST", "_anchor=elsewhere"])
@pytest.mark.parametrize("path", ["/api/v1/fees", "/api/v1/tariffs"])
def test_query_keys_that_url_for_would_take_as_its_own_are_dropped_from_links(
        app, client, path, query):
    app.testing = False  # an error would reach the error page, as in production
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    assert "#" not in response.headers["Link"] and "_method" not in response.headers["Link"]


@pytest.mark.parametrize("path", ["/tariffs/", "/fees/", "/fees/abolished", "/complaints/public"])
def test_a_page_number_of_thousands_of_digits_is_the_first_page(app, client, path):
    app.testing = False
    response = client.get(f"{path}?page={'9' * 4301}")
    assert response.status_code == 200


def test_the_api_refuses_a_page_number_of_thousands_of_digits(app, client):
    app.testing = False
    response = client.get(f"/api/v1/fees?page={'9' * 4301}")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "page"
