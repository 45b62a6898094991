"""The statistics' pages and API before any figure is published: the pages say so, the API
answers 503; and the methodology follows the configured k."""

from __future__ import annotations

import pytest

from portal.stats import catalogue
from tests.stats.conftest import compute


def _page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


# Before the first refresh ------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/stats/", "/stats/districts", "/stats/?period=2026-05"])
def test_before_the_first_refresh_the_pages_say_there_are_no_figures(client, url):
    page = _page(client, f"{url}{'&' if '?' in url else '?'}lang=en")
    assert "No figures have been published yet." in page
    assert "<select" not in page


def test_before_the_first_refresh_the_other_pages_work(client):
    assert "No figures have been published yet." in _page(client, "/stats/methodology?lang=en")
    assert "k, is 5" in _page(client, "/stats/methodology?lang=en")
    assert '<code translate="no">GRID</code>' in _page(client, "/stats/data-dictionary")
    assert client.get("/stats/embed/categories").status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/stats/complaints", "/api/v1/stats/complaints.csv",
                                 "/api/v1/stats/complaints?period=2026-05&group_by=category",
                                 "/api/v1/stats/times", "/api/v1/stats/times.csv?period=2026"])
def test_before_the_first_refresh_the_api_answers_503(client, url):
    response = client.get(url)
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == 503


def test_before_the_first_refresh_the_catalogue_and_snapshots_are_empty(client):
    data = client.get("/api/v1/stats/catalogue").get_json()
    assert (data["k"], data["first_month"], data["last_month"]) == (None, None, None)
    assert len(data["tables"]) == len(catalogue.TABLES)
    assert client.get("/api/v1/stats/snapshots").get_json() == {"snapshots": []}


def test_a_refresh_without_cases_leaves_the_pages_without_figures(app, client):
    with app.app_context():
        compute()
    assert "No figures have been published yet." in _page(client, "/stats/?lang=en")
    response = client.get("/api/v1/stats/complaints")
    assert response.status_code == 404
    assert response.get_json()["error"]["parameter"] == "period"


def test_the_methodology_follows_the_configured_k(make_app):
    app = make_app(STATS_MIN_CELL=10)
    page = _page(app.test_client(), "/stats/methodology?lang=en")
    assert "The smallest count published as it is, k, is 10." in page
    assert "A count from 1 to 9 is shown as “&lt;10”; 0 is shown as 0." in page
