"""Every request the statistics cannot answer: a 400 in JSON naming the parameter (never a
500), a 404 naming the period for one not published, in both the JSON and the CSV address."""

from __future__ import annotations

import pytest

from tests.stats.conftest import CJK, shared_stats_app

COUNTS = "/api/v1/stats/complaints"
TIMES = "/api/v1/stats/times"

shared_app = pytest.fixture(scope="module", name="shared_app")(shared_stats_app)


@pytest.fixture
def app(shared_app):
    """Every test of this module reads the one database."""
    return shared_app


# Mistakes ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "parameter"), [
    ({"group_by": "colour"}, "group_by"),
    ({"group_by": "type,category,district,status"}, "group_by"),
    ({"group_by": "category,category"}, "group_by"),
    ({"group_by": ","}, "group_by"),
    ({"group_by": "category,,district"}, "group_by"),
    ({"group_by": "category,"}, "group_by"),
    ({"group_by": "status,rating"}, "group_by"),
    ({"group_by": "category,district", "type": "complaint", "status": "closed"}, "group_by"),
    ({"group_by": "category,district", "type": "complaint", "period": "2026-Q2"}, "period"),
    ({"group_by": "status", "period": "2026-06"}, "period"),
    ({"period": "2026-13"}, "period"),
    ({"period": "2026-00"}, "period"),
    ({"period": "2026-Q5"}, "period"),
    ({"period": "2026-Q0"}, "period"),
    ({"period": "abc"}, "period"),
    ({"period": "1999"}, "period"),
    ({"period": "26"}, "period"),
    ({"period": "2026-6"}, "period"),
    ({"period": "２０２６"}, "period"),  # full-width digits
    ({"period": "٢٠٢٦"}, "period"),  # Arabic-Indic digits
    ({"period": "2026-0\u0666"}, "period"),
    ({"period": "2026-05..2026-04"}, "period"),
    ({"period": "2026-05.."}, "period"),
    ({"period": "2016-01..2026-07"}, "period"),  # 127 months: more than 120
    ({"period": "2026-01..2026-Q3"}, "period"),
    ({"period": "2025..2026-Q1"}, "period"),
    ({"type": "nonsense"}, "type"),
    ({"category": "NOPE"}, "category"),
    ({"district": "ATLANTIS"}, "district"),
    ({"status": "lost"}, "status"),
    ({"group_by": "category", "deadline": "soon"}, "deadline"),
    ({"group_by": "category", "distrct": "CENTRAL"}, "distrct"),  # misspelt: not ignored
    ({"catgory": "BIZ-FEE"}, "catgory"),
    ({"group_by": ["category", "district"]}, "group_by"),  # given twice
    ({"district": ["CENTRAL", "EAST"]}, "district"),
    ({"period": ["2026-Q2", "2026-Q1"]}, "period"),
])
@pytest.mark.parametrize("url", [COUNTS, f"{COUNTS}.csv"])
def test_a_mistake_is_a_400_naming_the_parameter(client, url, args, parameter):
    response = client.get(url, query_string=args)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["parameter"] == parameter
    assert error["status"] == 400 and error["message"]


def test_a_mistake_is_explained(client):
    english = client.get(COUNTS, query_string={"group_by": "colour", "lang": "en"}).get_json()
    assert english["error"]["message"].startswith("Unknown dimension “colour”")
    assert "type, category, district" in english["error"]["message"]


def test_a_mistake_is_explained_in_chinese(client):
    chinese = client.get(COUNTS, query_string={"group_by": "colour", "lang": "zh_Hans_CN"})
    assert CJK.search(chinese.get_json()["error"]["message"])


@pytest.mark.parametrize("period", ["2026-08", "2026-Q3", "2026", "2027", "2027-01",
                                    "2025-10", "2026-07..2026-08"])
def test_a_period_not_published_is_a_404_naming_it(client, period):
    response = client.get(COUNTS, query_string={"period": period})
    assert response.status_code == 404
    assert response.get_json()["error"]["parameter"] == "period"


def test_without_a_period_the_last_quarter_published(client):
    response = client.get(COUNTS)
    assert response.status_code == 200
    data = response.get_json()
    assert data["period"] == "2026-Q2"
    assert data["rows"][0]["count"] in (20, None)  # the total, or hidden


def test_the_range_limit_is_120_periods(client):
    # 2016-08..2026-07 is 120 months: within the limit, but not published (404, not 400)
    assert client.get(COUNTS, query_string={"period": "2016-08..2026-07"}).status_code == 404
    assert client.get(COUNTS, query_string={"period": "2016-07..2026-07"}).status_code == 400


@pytest.mark.parametrize(("args", "parameter"), [
    ({"group_by": "status"}, "group_by"),
    ({"group_by": "category,district"}, "group_by"),
    ({"period": "2026-13"}, "period"),
    ({"type": "complaint"}, "type"),  # times are not published by filter
    ({"category": "BIZ-FEE", "group_by": "district"}, "category"),
    ({"period": ["2026-Q2", "2026-06"]}, "period"),
])
@pytest.mark.parametrize("url", [TIMES, f"{TIMES}.csv"])
def test_times_refuse_what_is_not_published(client, url, args, parameter):
    response = client.get(url, query_string=args)
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_an_unknown_parameter_is_named_with_those_the_call_takes(client):
    error = client.get(COUNTS, query_string={"distrct": "EAST", "lang": "en"}).get_json()["error"]
    assert error["message"].startswith("Unknown parameter “distrct”; this call takes:")
    assert "district" in error["message"] and "group_by" in error["message"]
    for url in ("/api/v1/stats/catalogue", "/api/v1/stats/snapshots"):
        response = client.get(url, query_string={"page": "2"})
        assert response.status_code == 400
        assert response.get_json()["error"]["parameter"] == "page"
    chinese = client.get(COUNTS, query_string={"period": ["2026-Q2", "2026-Q1"],
                                               "lang": "zh_Hans_CN"}).get_json()["error"]
    assert CJK.search(chinese["message"])


def test_a_call_without_parameters_says_so(client):
    for url in ("/api/v1/stats/snapshots", "/api/v1/stats/snapshots/2026-06.zip"):
        response = client.get(url, query_string={"x": "1", "lang": "en"})
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["message"] == "Unknown parameter “x”; this call takes none."
    error = client.get(COUNTS + "?=1&lang=en").get_json()["error"]
    assert error["parameter"] == ""  # named, even without a name
