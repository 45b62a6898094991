"""The open data: counts and times as JSON and CSV, the catalogue, the monthly snapshots and
their entries in the public record; every mistake a 400 (or 404) in JSON naming the parameter."""

from __future__ import annotations

import csv
import io
import json

import pandas
import pytest
import sqlalchemy as sa

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.stats import catalogue, opendata
from tests.stats.conftest import NOW, SHANGHAI, shared_stats_app

COUNTS = "/api/v1/stats/complaints"
TIMES = "/api/v1/stats/times"

shared_app = pytest.fixture(scope="module", name="shared_app")(shared_stats_app)


@pytest.fixture
def app(shared_app):
    """Every test of this module reads the one database (the figures of ``CASES``)."""
    return shared_app


def _get(client, url, **args):
    response = client.get(url, query_string=args)
    assert response.status_code == 200, (url, args, response.get_data(as_text=True))
    return response


def _rows(client, **args):
    return _get(client, COUNTS, **args).get_json()["rows"]


def _by(rows, dim):
    return {row[dim]: row for row in rows}


# Counts as JSON ------------------------------------------------------------------------------

def test_the_shape_of_a_count_answer(client):
    response = _get(client, COUNTS, group_by="category", period="2026-05", lang="en")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert data["period"] == "2026-05"
    assert data["group_by"] == ["category"]
    assert data["table"] == "category"
    assert data["filters"] == {}
    assert data["k"] == 5
    assert data["extracted_at"] == "2026-09-10T02:00:00Z"
    assert data["time_zone"] == "Asia/Shanghai"
    assert data["licence"] == opendata.LICENCE
    assert "CC BY 4.0" in data["citation"]
    # one row per category, zeros included, in the data dictionary's order
    assert [row["category"] for row in data["rows"]] == [
        "SVC-ATT", "SVC-CH", "BIZ-NEW", "BIZ-READ", "BIZ-BILL", "BIZ-METER", "BIZ-FEE",
        "OUT-NOTICE", "OUT-REPAIR", "QUAL", "GRID"]
    for row in data["rows"]:
        assert set(row) == {"period", "category", "category_name", "count", "suppressed",
                            "below_k", "withheld"}
        assert row["count"] is None or type(row["count"]) is int
        assert type(row["suppressed"]) is bool and type(row["below_k"]) is bool
        assert row["suppressed"] == (row["count"] is None)
    rows = _by(data["rows"], "category")
    assert rows["GRID"]["category_name"] == "Grid construction"
    assert rows["OUT-REPAIR"] == {"period": "2026-05", "category": "OUT-REPAIR",
                                  "category_name": "Repair timeliness", "count": 0,
                                  "suppressed": False, "below_k": False, "withheld": False}


def test_names_follow_the_language_asked_for(client):
    rows = _by(_rows(client, group_by="district", period="2026-Q2"), "district")
    assert rows["BEISHAN"]["district_name"] == "北山县"
    rows = _by(_rows(client, group_by="district", period="2026-Q2", lang="en"), "district")
    assert rows["BEISHAN"]["district_name"] == "Beishan County"


def test_a_small_count_is_never_given(client):
    """The one case of grid construction in May 2026: "<k", and the 1 appears nowhere."""
    response = _get(client, COUNTS, group_by="category", period="2026-05")
    rows = _by(response.get_json()["rows"], "category")
    assert rows["GRID"]["count"] is None
    assert rows["GRID"]["suppressed"] is True and rows["GRID"]["below_k"] is True
    grid = json.dumps(rows["GRID"], ensure_ascii=False)
    assert not any(char.isdigit() for char in grid.replace("2026-05", ""))
    # nor in the body: no count of 1 anywhere, nor any total that would give it away
    body = response.get_data(as_text=True)
    assert '"count":1,' not in body.replace(" ", "") and '"count":1}' not in body.replace(" ", "")
    published = [row["count"] for row in rows.values() if row["count"] is not None]
    total = _rows(client, period="2026-05")[0]["count"]
    # the total, if published, leaves at least k cases among the hidden categories
    assert total is None or total - sum(published) >= 5


def test_a_hidden_count_is_not_small(client):
    """June 2026: 7 complaints and 1 report; the report's count is small, so the complaints'
    count is hidden too (it would give the report away from the total)."""
    rows = _by(_rows(client, group_by="type", period="2026-06"), "type")
    assert rows["report"] == {**rows["report"], "count": None, "suppressed": True,
                              "below_k": True}
    assert rows["complaint"] == {**rows["complaint"], "count": None, "suppressed": True,
                                 "below_k": False}
    assert rows["suggestion"]["count"] == 0
    assert _rows(client, period="2026-06")[0]["count"] in (8, None)


def test_the_total_by_month_over_a_range(client):
    rows = _rows(client, period="2026-04..2026-07")
    # each month's total as it is, or hidden (never small: 6 to 8 cases)
    assert [row["period"] for row in rows] == ["2026-04", "2026-05", "2026-06", "2026-07"]
    assert all(row["count"] in (true, None) and not row["below_k"]
               for row, true in zip(rows, (6, 6, 8, 7), strict=True))
    assert _get(client, COUNTS, period="2026-04..2026-07").get_json()["period"] == \
        "2026-04..2026-07"
    quarters = _rows(client, period="2025-Q4..2026-Q2")
    assert [row["period"] for row in quarters] == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert all(row["count"] in (true, None)
               for row, true in zip(quarters, (11, 0, 20), strict=True))
    assert [row["count"] for row in _rows(client, period="2025")] in ([11], [None])


def _true_counts(app, year, columns):
    """The cases of a local year counted by ``columns``, straight from the complaints."""
    counts: dict[tuple[str, ...], int] = {}
    with app.app_context():
        for complaint in db.session.scalars(sa.select(Complaint)):
            if complaint.registered_at.astimezone(SHANGHAI).year != year:
                continue
            values = (getattr(complaint, column) for column in columns)
            key = tuple(str(getattr(value, "value", value)) for value in values)
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_filters_give_the_table_of_three_dimensions(app, client):
    data = _get(client, COUNTS, group_by="category,district", type="complaint",
                period="2025").get_json()
    assert data["table"] == "type,category,district"
    assert data["filters"] == {"type": "complaint"}
    assert data["group_by"] == ["category", "district"]
    rows = data["rows"]
    assert len(rows) == 11 * 6  # every category in every district, for complaints only
    assert {row["type"] for row in rows} == {"complaint"}
    assert set(rows[0]) == {"period", "type", "type_name", "category", "category_name",
                            "district", "district_name", "count", "suppressed", "below_k",
                            "withheld", "per_10000_customers"}
    truth = _true_counts(app, 2025, ("type", "category_code", "district_code"))
    customers = {"CENTRAL": 412_000, "EAST": 268_000}
    for row in rows:
        count = truth.get(("complaint", row["category"], row["district"]), 0)
        if row["count"] is not None:  # what is published is true
            assert row["count"] == count
            assert row["per_10000_customers"] == (
                round(count * 10_000 / customers[row["district"]], 2) if count else 0)
        else:
            assert row["per_10000_customers"] is None
            assert row["below_k"] == (0 < count < 5)
        if 0 < count < 5:
            assert row["count"] is None and row["below_k"]
    # 2025: five complaints of service fees in the central district, one of bills
    assert truth[("complaint", "BIZ-FEE", "CENTRAL")] == 5
    assert truth[("complaint", "BIZ-BILL", "CENTRAL")] == 2


def test_a_filter_narrows_a_table_of_one_dimension(client):
    data = _get(client, COUNTS, district="CENTRAL", period="2026-Q2").get_json()
    assert data["table"] == "district" and data["group_by"] == []
    assert [row["district"] for row in data["rows"]] == ["CENTRAL"]
    assert data["rows"][0]["count"] in (15, None)


def test_dimensions_in_any_order_come_back_in_the_catalogues(client):
    data = _get(client, COUNTS, group_by="district,category", period="2026-Q2").get_json()
    assert data["group_by"] == ["category", "district"]
    assert data["table"] == "category,district"


# Counts as CSV -------------------------------------------------------------------------------

def test_csv_starts_with_a_byte_order_mark_and_reads_in_python(client):
    response = _get(client, f"{COUNTS}.csv", group_by="type", period="2026-06")
    assert response.mimetype == "text/csv"
    # a file has no envelope: its name, Last-Modified and a Link give extraction and licence
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=complaints_type_2026-06_extracted-20260910T0200Z.csv")
    assert response.last_modified == NOW
    assert response.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; ' \
        'rel="license"'
    times = _get(client, "/api/v1/stats/times.csv", period="2026-06")
    assert times.headers["Content-Disposition"].endswith("_extracted-20260910T0200Z.csv")
    assert "license" in times.headers["Link"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(rows[0]) == ["period", "type", "type_name", "count", "suppressed", "below_k",
                             "withheld"]
    by_type = {row["type"]: row for row in rows}
    assert by_type["report"]["count"] == "" and by_type["report"]["suppressed"] == "true"
    assert by_type["report"]["below_k"] == "true"
    assert by_type["complaint"]["count"] == "" and by_type["complaint"]["below_k"] == "false"
    assert by_type["suggestion"]["count"] == "0" and by_type["suggestion"]["suppressed"] == "false"
    assert by_type["report"]["type_name"] == "举报"


def test_csv_reads_in_pandas(client):
    body = _get(client, f"{COUNTS}.csv", group_by="district", period="2026-04..2026-06",
                lang="en").get_data()
    frame = pandas.read_csv(io.BytesIO(body))
    assert list(frame.columns) == ["period", "district", "district_name", "count", "suppressed",
                                   "below_k", "withheld", "per_10000_customers"]
    assert len(frame) == 3 * 6
    assert frame["suppressed"].dtype == bool
    assert frame["count"].isna().equals(frame["suppressed"])
    central = frame[(frame["district"] == "CENTRAL") & (frame["period"] == "2026-06")]
    assert central["district_name"].tolist() == ["Central District"]


def test_csv_of_the_three_dimension_table(client):
    response = _get(client, f"{COUNTS}.csv", group_by="type,category,district", period="2025")
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 3 * 11 * 6
    assert all(row["count"] == "" for row in rows if row["suppressed"] == "true")


# Times ---------------------------------------------------------------------------------------

def test_times_in_total_and_by_category(client):
    data = _get(client, TIMES, period="2026-Q2").get_json()
    assert data["group_by"] == [] and data["k"] == 5
    reply = next(row for row in data["rows"] if row["measure"] == "reply")
    assert reply["median_working_days"] == 1.0
    assert reply["p90_working_days"] == 8.0  # whole days (percentile_disc)
    rows = _get(client, TIMES, period="2026-Q2", group_by="category").get_json()["rows"]
    assert {row["measure"] for row in rows} == {"first_contact", "reply"}
    assert len(rows) == 2 * 11
    bills = next(row for row in rows if (row["value"], row["measure"]) == ("BIZ-BILL", "reply"))
    assert bills["median_working_days"] is None  # 3 cases: fewer than k


def test_times_as_csv(client):
    body = _get(client, f"{TIMES}.csv", period="2026-Q2", group_by="district").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    frame = pandas.read_csv(io.BytesIO(body), keep_default_na=False)
    assert list(frame.columns) == opendata.TIME_COLUMNS
    assert set(frame["group_by"]) == {"district"}


# The catalogue -------------------------------------------------------------------------------

def test_the_catalogue_lists_every_table_dimension_and_code(client):
    data = _get(client, "/api/v1/stats/catalogue", lang="en").get_json()
    assert (data["k"], data["first_month"], data["last_month"]) == (5, "2025-11", "2026-07")
    assert [d["name"] for d in data["dimensions"]] == list(catalogue.DIMENSIONS)
    deadline = next(d for d in data["dimensions"] if d["name"] == "deadline")
    assert [v["code"] for v in deadline["values"]] == ["met", "late", "overdue", "waiting",
                                                       "none"]
    districts = next(d for d in data["dimensions"] if d["name"] == "district")
    assert {"code": "NANLING", "name": "Nanling Township"} in districts["values"]
    tables = {tuple(t["dimensions"]): t["periods"] for t in data["tables"]}
    assert len(tables) == len(catalogue.TABLES)
    assert tables[()] == ["year", "quarter", "month"]
    assert tables[("category", "district")] == ["year", "quarter"]
    assert tables[("type", "category", "district")] == ["year"]
    assert data["licence"]["name"] == "CC-BY-4.0"


def test_times_are_rounded_to_one_decimal(client):
    rows = _get(client, TIMES, period="2025-Q4").get_json()["rows"]
    values = [row[name] for row in rows for name in ("median_working_days", "p90_working_days")
              if row[name] is not None]
    assert values and all(round(value, 1) == value for value in values)


def test_every_statistics_csv_address_disarms_formulas(app, client):
    """A category's name comes from the administrators: in every CSV, text a spreadsheet
    would take for a formula is written with a leading apostrophe."""
    from portal.complaints.models import ComplaintCategory
    from portal.extensions import db
    from portal.stats import figures

    served = {rule.rule for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/stats/") and rule.rule.endswith(".csv")}
    assert served == {"/api/v1/stats/complaints.csv", "/api/v1/stats/times.csv"}
    with app.app_context():
        db.session.get(ComplaintCategory, "BIZ-FEE").name_en = "=1+2"
        db.session.commit()
        figures.cache.forget_all()  # the names are cached per refresh
    for url in ("/api/v1/stats/complaints.csv?group_by=category&period=2025&lang=en",
                "/api/v1/stats/times.csv?group_by=category&period=2025&lang=en"):
        text = client.get(url).get_data(as_text=True)
        assert "'=1+2" in text and ",=1+2" not in text, url
