"""The monthly snapshots: a zip for each month that has ended, a valid Frictionless data
package, served with its SHA-256, never changed by a later refresh, each recorded in the public
record."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
import sqlalchemy as sa
from frictionless import validate

from portal.complaints.models import Complaint, ComplaintCategory
from portal.extensions import db
from portal.stats.models import StatsMonth, StatsSnapshot
from tests.stats.conftest import NOW, Case, compute, local

COUNTS = "/api/v1/stats/complaints"

pytestmark = pytest.mark.usefixtures("stats")


def _get(client, url, **args):
    response = client.get(url, query_string=args)
    assert response.status_code == 200, (url, args, response.get_data(as_text=True))
    return response


def _rows(client, **args):
    return _get(client, COUNTS, **args).get_json()["rows"]


# Snapshots -----------------------------------------------------------------------------------

def _snapshot(client, month):
    response = client.get(f"/api/v1/stats/snapshots/{month}.zip")
    assert response.status_code == 200
    return response


def test_every_ended_month_has_a_snapshot_with_its_hash(client):
    listed = _get(client, "/api/v1/stats/snapshots").get_json()["snapshots"]
    assert [s["month"] for s in listed] == ["2026-07", "2026-06", "2026-05", "2026-04",
                                            "2026-03", "2026-02", "2026-01", "2025-12",
                                            "2025-11"]
    for entry in listed[:2]:
        response = _snapshot(client, entry["month"])
        assert response.mimetype == "application/zip"
        body = response.get_data()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
        assert response.headers["ETag"] == f'"{entry["sha256"]}"'
        assert entry["size"] == len(body)
        assert entry["url"].endswith(f"/api/v1/stats/snapshots/{entry['month']}.zip")
        assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/api/v1/stats/snapshots/2026-08.zip").status_code == 404


def test_a_snapshot_is_the_same_file_for_every_reader(client):
    """A shared cache keeps one copy: the file varies neither with the language nor with a
    session cookie (a reader signed in, or who chose a language, gets the same bytes)."""
    client.get("/stats/?lang=en")  # a session cookie with a language
    listed = _get(client, "/api/v1/stats/snapshots").get_json()["snapshots"]
    response = _snapshot(client, listed[0]["month"])
    assert response.headers.get("Vary") is None, response.headers.get("Vary")
    assert "Set-Cookie" not in response.headers
    assert client.get("/api/v1/stats/snapshots/nonsense.zip").status_code == 404


def test_a_snapshot_is_a_valid_data_package(client, tmp_path):
    body = _snapshot(client, "2026-06").get_data()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    assert "datapackage.json" in names
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    paths = {resource["path"] for resource in package["resources"]}
    assert paths == set(names) - {"datapackage.json"}
    # June closes the second quarter: its tables by quarter are in the package too
    assert "complaints-total-2026-06.csv" in paths and "complaints-total-2026-q2.csv" in paths
    assert "complaints-category-district-2026-q2.csv" in paths
    assert "times-category-2026-06.csv" in paths
    assert not any(name.endswith("-2026.csv") for name in paths)  # the year has not ended
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    total = (tmp_path / "complaints-total-2026-06.csv").read_bytes()
    assert total.startswith(b"\xef\xbb\xbf")
    # June's 8 cases: published, or hidden to protect the small cells beneath (few cases)
    assert list(csv.DictReader(io.StringIO(total.decode("utf-8-sig")))) in (
        [{"period": "2026-06", "count": "8", "suppressed": "false", "below_k": "false",
          "withheld": "false"}],
        [{"period": "2026-06", "count": "", "suppressed": "true", "below_k": "false",
          "withheld": "false"}])


def test_a_snapshot_never_changes(app, client, add_cases):
    before = {month: _snapshot(client, month).get_data() for month in ("2026-06", "2026-07")}
    # later: a June case is answered, one more July case turns up, August settles
    add_cases([Case(local(2026, 7, 21), accepted=local(2026, 7, 21, 11),
                    reply=local(2026, 7, 22))])
    with app.app_context():
        overdue = db.session.scalar(sa.select(Complaint).where(
            Complaint.category_code == "SVC-ATT", Complaint.replied_at.is_(None),
            Complaint.status == "in_progress"))
        overdue.replied_at = local(2026, 8, 20)
        overdue.status = "replied"
        db.session.commit()
        compute(local(2026, 10, 2))
    # July's counts are final: the figures, like the snapshot, are those taken on 10 September
    assert [row["count"] for row in _rows(client, period="2026-07")] in ([7], [None])
    for month, data in before.items():
        assert _snapshot(client, month).get_data() == data
    august = _snapshot(client, "2026-08").get_data()
    assert august not in before.values()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatsSnapshot)) == 10


def test_each_snapshot_is_in_the_public_record(client):
    entries = _get(client, "/api/v1/transparency/entries").get_json()["entries"]
    snapshots = {entry["key"]: json.loads(entry["content"]) for entry in entries
                 if entry["kind"] == "stats_snapshot"}
    assert len(snapshots) == 9
    listed = {s["month"]: s for s in _get(client, "/api/v1/stats/snapshots").get_json()[
        "snapshots"]}
    for month, snapshot in listed.items():
        record = snapshots[f"stats-snapshot:{month}"]["record"]
        assert record["sha256"] == snapshot["sha256"]
        assert record["size"] == snapshot["size"]
        assert record["path"] == f"/api/v1/stats/snapshots/{month}.zip"
        assert record["month"] == month
        # the bytes served are the bytes recorded
        body = _snapshot(client, month).get_data()
        assert hashlib.sha256(body).hexdigest() == record["sha256"]
    assert snapshots["stats-snapshot:2026-07"]["published_at"].startswith(
        NOW.isoformat()[:16])


def test_a_snapshot_disarms_names_a_spreadsheet_would_take_for_formulas(app, client):
    """A category's name comes from the administrators: in a snapshot's CSV, as in the
    downloads, one that starts like a formula is written as text."""
    with app.app_context():
        db.session.execute(sa.delete(StatsSnapshot))
        db.session.get(ComplaintCategory, "BIZ-FEE").name_zh = "=HYPERLINK(\"http://x\",\"y\")"
        db.session.commit()
        compute()
    body = _snapshot(client, "2026-06").get_data()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        text = archive.read("complaints-category-2026-06.csv").decode("utf-8-sig")
    names = [row["category_name"] for row in csv.DictReader(io.StringIO(text))]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names
    assert not any(name.startswith("=") for name in names)


def test_a_later_refresh_never_hides_what_a_snapshot_published(app, add_cases):
    """More months bring more relations to protect small cells in; a count that a snapshot has
    already given out (and that has not changed) stays published all the same."""
    from portal.stats import frozen
    from portal.stats.models import StatsFigure

    # enough cases in June and July for counts to be published
    add_cases([Case(local(2026, month, day), category=category)
               for month in (6, 7) for day in range(1, 29)
               for category in ("BIZ-FEE", "BIZ-BILL") if day % 3])
    with app.app_context():
        # as if the figures were computed for the first time with these cases
        for model in (StatsSnapshot, StatsMonth):
            db.session.execute(sa.delete(model))
        db.session.commit()
        compute()
        before = frozen.published_counts(2026)
    assert len(before) > 3
    add_cases([Case(local(2026, 8, 12), category="GRID", district="BEISHAN")])
    with app.app_context():
        compute(local(2026, 10, 2))
        now = {(f.table_code, f.period, f.key): (f.count, f.state)
               for f in db.session.scalars(sa.select(StatsFigure).where(StatsFigure.year == 2026))}
    for key, count in before.items():
        stored = now[(key.table, key.period, "|".join(key.values))]
        if stored[0] == count:
            assert stored[1] == "published", key


def test_a_snapshot_asked_again_with_its_etag_is_not_sent_again(client):
    first = _snapshot(client, "2026-06")
    again = client.get("/api/v1/stats/snapshots/2026-06.zip",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/api/v1/stats/snapshots/2026-06.zip", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200 and other.get_data() == first.get_data()
