"""The public pages and API of the commitments: targets beside measured figures, small counts
as "not enough data" with complementary hiding, parameters out of range refused by name; the
staff's versions: checked, published into the public record, immutable afterwards."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import sqlalchemy as sa

from portal.commitments import importer, performance
from portal.commitments.models import CommitmentVersion
from portal.core.publication import PublicationStatus
from portal.extensions import db
from portal.stats.disclosure import State, audit, build
from portal.stats.periods import Granularity, Period
from portal.transparency.models import LogEntry
from tests.commitments.conftest import NOW, TODAY
from tests.conftest import confirm_form, post_form

PERFORMANCE = "/api/v1/commitments/REPAIR-ARRIVAL/performance"


def test_the_overview_shows_each_target_beside_what_was_measured(client, commitments):
    commitments()
    page = client.get("/commitments/?lang=en").get_data(as_text=True)
    assert "Repair crews on site" in page and "Supply reliability" in page
    assert "Urban 45" in page and "Remote 120" in page and "minutes" in page
    assert "Within the target <span class=\"small\">2025-11–2026-10</span>" in page
    # three months: 1,063 cases in each of August and October, 1,063 in September
    assert "3,189" in page
    assert "✓" in page and "Met" in page  # words and an icon, never colour alone


def test_a_commitment_page_shows_months_districts_and_versions(client, commitments):
    commitments()
    response = client.get("/commitments/REPAIR-ARRIVAL?lang=en&period=2026-09")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Figures by month" in page and "Figures by district" in page
    assert 'data-chart="' in page and "Share required" in page  # the target line
    assert "Central District" in page and "37.5%" in page  # 150 of 400 in September
    assert "Missed" in page  # Central, September: under half within 45 minutes
    assert "Every published version" in page and "演示〔2024〕1号" in page


def test_a_small_count_is_not_enough_data_and_cannot_be_found_by_subtraction(client,
                                                                          commitments):
    commitments()
    rows = client.get(PERFORMANCE, query_string={"district": "NANLING"}).get_json()["rows"]
    october = next(row for row in rows if row["period"] == "2026-10")
    assert october["cases"] is None and october["below_k"] and october["suppressed"]
    assert october["share_within_target"] is None and october["median"] is None
    assert october["verdict"] == "not_enough"
    # the table by district hides another district too, so that every district minus the
    # others does not give the remote one's 3 away
    page = client.get("/commitments/REPAIR-ARRIVAL?lang=en&period=2026-10").get_data(
        as_text=True)
    assert page.count("hidden") >= 1 and "&lt;5" in page


def test_the_figures_published_pass_the_statistics_audit(app, commitments):
    """The same system the pages publish from, audited by linear programming."""
    commitments()
    with app.app_context():
        commitment_id = db.session.scalar(sa.text(
            "SELECT id FROM commitments WHERE code = 'REPAIR-ARRIVAL'"))
        found = performance.rows(commitment_id, Period(2026, Granularity.YEAR).first_day,
                                 Period(2026, Granularity.YEAR).end)
        atoms = [performance.Atom(r.month.month, {"district": r.district}, r.cases)
                 for r in found if r.cases]
        system = build(atoms, performance.covered(found, 2026), performance.TABLES)
        states = performance.states(commitment_id, 2026)
        for cell in system.cells:
            key = (cell.key.period, cell.key.values[0] if cell.key.values else "")
            cell.state = State(states[key])
        assert audit(system, 5) == []
        assert any(cell.state is State.HIDDEN for cell in system.cells)


def test_the_api_lists_commitments_and_their_versions(client, commitments):
    commitments()
    listing = client.get("/api/v1/commitments").get_json()["commitments"]
    assert [c["code"] for c in listing] == ["REPAIR-ARRIVAL", "SUPPLY-RELIABILITY"]
    one = client.get("/api/v1/commitments/REPAIR-ARRIVAL").get_json()
    assert one["current"]["targets"] == [{"area_type": "urban", "value": "45"},
                                         {"area_type": "rural", "value": "90"},
                                         {"area_type": "remote", "value": "120"}]
    assert one["current"]["compliance"] == "50" and len(one["versions"]) == 1


def test_performance_in_json_and_csv_agree(client, commitments):
    commitments()
    query = {"from": "2026-08", "to": "2026-10", "district": "CENTRAL"}
    data = client.get(PERFORMANCE, query_string=query).get_json()
    assert data["k"] == 5 and data["licence"]["name"] == "CC-BY-4.0"
    assert "服务承诺 REPAIR-ARRIVAL“故障抢修到达现场”，数据导入于" in data["citation"]
    assert [(r["period"], r["cases"], r["share_within_target"], r["verdict"])
            for r in data["rows"]] == [("2026-08", 400, "75", "met"),
                                       ("2026-09", 400, "37.5", "missed"),
                                       ("2026-10", 400, "75", "met")]
    text = client.get(PERFORMANCE + ".csv", query_string=query).data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["period"], r["cases"], r["within_target"], r["verdict"]) for r in rows] == [
        ("2026-08", "400", "300", "met"), ("2026-09", "400", "150", "missed"),
        ("2026-10", "400", "300", "met")]
    response = client.get(PERFORMANCE + ".csv", query_string=query)
    assert "_imported-" in response.headers["Content-Disposition"]
    assert 'rel="license"' in response.headers["Link"] and response.last_modified


def test_the_share_commitment_is_judged_against_each_area_types_share(client, commitments):
    commitments()
    rows = client.get("/api/v1/commitments/SUPPLY-RELIABILITY/performance",
                      query_string={"from": "2026-10", "to": "2026-10"}).get_json()["rows"]
    # 50 of 86,400 feeder hours lost: 99.94 %, above 99.9 (urban) and 99.8 (rural, remote)
    assert rows[0]["share_within_target"] == "99.94" and rows[0]["verdict"] == "met"
    assert rows[0]["median"] is None


BAD_QUERIES = [
    ({"from": "2026-13"}, "from"), ({"to": "x"}, "to"), ({"from": "2026-10", "to": "2026-01"},
                                                         "from"),
    ({"from": "2019-01", "to": "2026-10"}, "from"), ({"district": "MARS"}, "district"),
    ({"colour": "red"}, "colour"), ({"from": "２０２６-01"}, "from"),
]


def test_bad_parameters_are_a_400_naming_the_parameter(client, commitments):
    commitments()
    for query, parameter in BAD_QUERIES:
        response = client.get(PERFORMANCE + "?" + "&".join(f"{k}={v}" for k, v in query.items()))
        assert response.status_code == 400, query
        assert response.get_json()["error"]["parameter"] == parameter, query
    assert client.get("/api/v1/commitments/NOPE").status_code == 404
    page = client.get("/commitments/REPAIR-ARRIVAL?lang=zh&from=2026-13")
    assert page.status_code == 400 and "YYYY-MM" in page.get_data(as_text=True)
    page = client.get("/commitments/REPAIR-ARRIVAL?lang=en&period=2026-Q5")
    assert page.status_code == 400 and "a quarter (2026-Q3)" in page.get_data(as_text=True)
    # a wrong period is named beside its field, typed as it was; the months chosen stay
    page = client.get("/commitments/REPAIR-ARRIVAL?lang=en&from=2026-08&to=2026-10"
                      "&period=2026Q3").get_data(as_text=True)
    assert 'id="period-error"' in page and 'value="2026Q3"' in page
    assert 'aria-invalid="true"' in page and 'value="2026-08"' in page
    # a parameter given twice is refused, not one of its values silently chosen
    for query in ("district=CENTRAL&district=EAST", "from=2026-08&from=2026-09",
                  "period=2026&period=2025"):
        for lang, message in (("en", "only once"), ("zh", "只能")):
            page = client.get(f"/commitments/REPAIR-ARRIVAL?lang={lang}&{query}")
            assert page.status_code == 400 and message in page.get_data(as_text=True), query


def test_a_commitment_without_a_published_version_is_not_public(app, client, commitments,
                                                                 make_user, auth):
    commitments(figures=False)
    make_user("staffer", role="staff")
    auth.login("staffer")
    response = post_form(client, "/staff/commitments/new", {
        "code": "HALL-WAIT", "title_zh": "营业厅等候", "title_en": "Waiting at halls",
        "explanation_zh": "等候不超过 15 分钟。", "explanation_en": "At most 15 minutes.",
        "measure": "max_duration", "unit": "minutes", "compliance": "100", "target_all": "15",
        "effective_from": "2026-01-01", "basis_number": "演示〔2026〕2号",
        "basis_title": "营业厅服务规范"})
    assert response.status_code == 302
    assert client.get("/commitments/HALL-WAIT").status_code == 404
    assert client.get("/api/v1/commitments/HALL-WAIT").status_code == 404
    publish = post_form(client, "/staff/commitments/HALL-WAIT/versions/1",
                        {}, follow_redirects=False)
    assert publish.status_code in (200, 400)  # the form page itself, not the publish action
    # publishing asks first: nothing is public until the answer
    asked = post_form(client, "/staff/commitments/HALL-WAIT/versions/1/publish", {})
    assert asked.status_code == 200 and "HALL-WAIT" in asked.get_data(as_text=True)
    assert client.get("/commitments/HALL-WAIT").status_code == 404
    response = confirm_form(client, "/staff/commitments/HALL-WAIT/versions/1/publish")
    assert response.status_code == 302
    assert client.get("/commitments/HALL-WAIT").status_code == 200
    with app.app_context():
        entry = db.session.scalar(sa.select(LogEntry).where(
            LogEntry.key == "commitment:HALL-WAIT:v1"))
        assert json.loads(entry.content)["record"]["targets"] == [
            {"area_type": None, "value": "15.00"}]
        version = db.session.scalar(sa.select(CommitmentVersion).where(
            CommitmentVersion.title_en == "Waiting at halls"))
        assert version.status is PublicationStatus.PUBLISHED


def test_a_version_with_a_unit_that_does_not_fit_is_refused(app, client, commitments,
                                                            make_user, auth):
    commitments(figures=False)
    make_user("staffer", role="staff")
    auth.login("staffer")
    client.get("/?lang=en")
    response = post_form(client, "/staff/commitments/REPAIR-ARRIVAL/versions/new", {
        "title_zh": "故障抢修", "title_en": "Repair", "explanation_zh": "说明。",
        "explanation_en": "Text.", "measure": "max_duration", "unit": "percent",
        "compliance": "150", "target_urban": "45", "effective_from": "2026-12-01",
        "basis_number": "n", "basis_title": "t"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "This unit does not fit the measure" in text
    assert "above 0 and at most 100 percent" in text
    assert "Enter a target for every district, or one for each area type" in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            CommitmentVersion)) == 2  # nothing saved


def test_a_published_version_cannot_change(app, client, commitments, make_user, auth):
    commitments(figures=False)
    make_user("staffer", role="staff")
    auth.login("staffer")
    client.get("/?lang=en")
    response = post_form(client, "/staff/commitments/REPAIR-ARRIVAL/versions/1", {
        "title_zh": "改", "title_en": "Changed", "explanation_zh": "说明。",
        "explanation_en": "Text.", "measure": "max_duration", "unit": "minutes",
        "compliance": "50", "target_all": "30", "effective_from": "2024-01-01",
        "basis_number": "n", "basis_title": "t"})
    assert "can no longer change" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(CommitmentVersion.title_en).where(
            CommitmentVersion.number == 1, CommitmentVersion.title_en == "Changed")) is None
    assert post_form(client, "/staff/commitments/REPAIR-ARRIVAL/versions/1/delete",
                     {}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            CommitmentVersion)) == 2


def test_a_new_version_closes_the_open_one_and_both_are_listed(app, client, commitments,
                                                               make_user, auth):
    commitments(figures=False)
    make_user("staffer", role="staff")
    auth.login("staffer")
    response = post_form(client, "/staff/commitments/REPAIR-ARRIVAL/versions/new", {
        "title_zh": "故障抢修到达现场", "title_en": "Repair crews on site",
        "explanation_zh": "说明。", "explanation_en": "Text.", "measure": "max_duration",
        "unit": "minutes", "compliance": "50", "target_urban": "40", "target_rural": "80",
        "target_remote": "110", "effective_from": "2026-12-01", "basis_number": "n2",
        "basis_title": "t2"})
    assert response.status_code == 302
    assert confirm_form(client, "/staff/commitments/REPAIR-ARRIVAL/versions/2/publish"
                        ).status_code == 302
    data = client.get("/api/v1/commitments/REPAIR-ARRIVAL").get_json()
    assert [v["version"] for v in data["versions"]] == [2, 1]
    assert data["versions"][1]["effective_to"] == "2026-11-30"


def test_each_version_has_its_own_page_linked_from_the_public_record(app, client,
                                                                      commitments):
    commitments(figures=False)
    page = client.get("/commitments/REPAIR-ARRIVAL/versions/1?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Version 1" in text and "Urban 45" in text and "50%" in text
    assert client.get("/commitments/REPAIR-ARRIVAL/versions/9").status_code == 404
    log = client.get("/transparency/?lang=en").get_data(as_text=True)
    assert "/commitments/REPAIR-ARRIVAL/versions/1" in log


def test_a_share_is_rounded_down_and_judged_exactly(app, client, commitments):
    """99.95 % is shown as 99.95, never as 100; a month at 99.89 % in an urban district
    misses 99.9 % even if rounding would make it 99.9."""
    commitments(figures=False)
    with app.app_context():
        importer.import_file(b"commitment,month,district,cases,within_target,median,p90\r\n"
                            b"SUPPLY-RELIABILITY,2026-10,CENTRAL,100000,99889,,\r\n",
                            "share.csv", None, NOW, TODAY)
        db.session.commit()
    rows = client.get("/api/v1/commitments/SUPPLY-RELIABILITY/performance",
                      query_string={"from": "2026-10", "to": "2026-10",
                                    "district": "CENTRAL"}).get_json()["rows"]
    assert rows[0]["share_within_target"] == "99.88" and rows[0]["verdict"] == "missed"


def test_a_hidden_count_says_not_shown_and_a_period_in_course_says_so(client, commitments):
    commitments()
    rows = client.get(PERFORMANCE, query_string={"from": "2026-10", "to": "2026-10",
                                                 "district": "HITECH"}).get_json()["rows"]
    page = client.get("/commitments/REPAIR-ARRIVAL?lang=en&period=2026-10").get_data(
        as_text=True)
    if rows[0]["cases"] is None:
        assert rows[0]["verdict"] == "hidden"
    assert "Not shown" in page  # the district hidden beside the small remote one
    page = client.get("/commitments/REPAIR-ARRIVAL?lang=en&period=2026").get_data(
        as_text=True)
    assert "has not ended, or not every month of it is reported yet" in page
    page = client.get("/commitments/REPAIR-ARRIVAL?lang=en&from=2026-08&to=2026-10"
                      ).get_data(as_text=True)
    assert "Figures by district: 2026-08–2026-10" in page
    assert "3,189" in page


def test_publishing_or_deleting_a_draft_asks_first_and_a_changed_draft_is_asked_again(
        app, client, commitments, make_user, auth):
    commitments(figures=False)
    make_user("staffer", role="staff")
    auth.login("staffer")
    client.get("/?lang=en")
    draft = {"title_zh": "故障抢修到达现场", "title_en": "Repair crews on site",
             "explanation_zh": "说明。", "explanation_en": "Text.", "measure": "max_duration",
             "unit": "minutes", "compliance": "50", "target_urban": "40",
             "target_rural": "80", "target_remote": "110", "effective_from": "2026-12-01",
             "basis_number": "n2", "basis_title": "t2"}
    assert post_form(client, "/staff/commitments/REPAIR-ARRIVAL/versions/new",
                     draft).status_code == 302
    url = "/staff/commitments/REPAIR-ARRIVAL/versions/2"
    asked = post_form(client, url + "/publish", {})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "can never be changed" in text
    seen = html.unescape(re.search(r'name="seen" value="([^"]*)"', text).group(1))
    # the draft changes while the question is open (another tab): asked again, not published
    assert post_form(client, url, {**draft, "target_urban": "35"}).status_code == 302
    again = post_form(client, url + "/publish", {"confirm": "yes", "seen": seen})
    assert again.status_code == 409 and "changed while this page was open" in \
        again.get_data(as_text=True)
    with app.app_context():
        version = db.session.scalar(sa.select(CommitmentVersion).where(
            CommitmentVersion.number == 2))
        assert version.status is PublicationStatus.DRAFT
    # a forged answer is refused
    assert post_form(client, url + "/publish", {"confirm": "nope", "seen": seen}
                     ).status_code == 400
    # deleting asks too, then deletes
    asked = post_form(client, url + "/delete", {})
    assert asked.status_code == 200 and "deleted for good" in asked.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            CommitmentVersion)) == 3
    assert confirm_form(client, url + "/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            CommitmentVersion)) == 2


def test_the_table_by_district_is_open_data_too(client, commitments):
    """What the page's table by district shows, as JSON and CSV, for a period or the months
    chosen together, with the same suppression; bad parameters are a 400 naming them."""
    commitments()
    url = "/api/v1/commitments/REPAIR-ARRIVAL/districts"
    data = client.get(url, query_string={"period": "2026-10"}).get_json()
    assert data["period"] == "2026-10" and data["k"] == 5
    rows = {row["district"]: row for row in data["rows"]}
    assert rows[None]["cases"] is not None  # every district first
    assert rows["NANLING"]["cases"] is None and rows["NANLING"]["suppressed"]
    page = client.get("/commitments/REPAIR-ARRIVAL?period=2026-10&lang=en").get_data(
        as_text=True)
    assert f"{rows['CENTRAL']['cases']:,}" in page
    assert "/api/v1/commitments/REPAIR-ARRIVAL/districts.csv?period=2026-10" in page
    text = client.get(url + ".csv", query_string={"period": "2026-10"}).get_data(
        as_text=True).lstrip("\ufeff")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [row["district"] for row in parsed][1:] == [r["district"] for r in data["rows"]][1:]
    together = client.get(url, query_string={"from": "2026-08", "to": "2026-10"}).get_json()
    assert together["period"] == "2026-08/2026-10"
    for query, parameter in (({"period": "2026-Q5"}, "period"), ({"period": "2026-Q4"}, "period"),
                             ({"district": "CENTRAL"}, "district"),
                             ({"from": "2026-13"}, "from")):
        response = client.get(url, query_string=query, headers={"Accept-Language": "en"})
        assert response.status_code == 400, query
        assert response.get_json()["error"]["parameter"] == parameter, query
