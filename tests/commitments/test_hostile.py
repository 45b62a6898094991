"""What a hostile or careless import, or a later publication, must not do: give a small count
away by comparing two publications, import a file in part, or fail with an error page."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from portal.commitments import importer, performance
from portal.commitments.models import Commitment, Measurement, MeasurementImport
from portal.extensions import db
from portal.transparency.models import LogEntry
from tests.commitments.conftest import HEADER, NOW, TODAY, csv_of, month_rows
from tests.conftest import confirm_form, post_form

AREAS = ("", "CENTRAL", "EAST", "HITECH", "WEST-SUB", "BEISHAN", "NANLING")


def _published(month: str) -> dict[str, object]:
    """What the pages show of a month of repair arrivals: each area's count or its mark."""
    commitment_id = db.session.scalar(sa.select(Commitment.id).where(
        Commitment.code == "REPAIR-ARRIVAL"))
    states = performance.states(commitment_id, int(month[:4]))
    values = dict(db.session.execute(sa.select(Measurement.district_code, Measurement.cases)
                                     .where(Measurement.commitment_id == commitment_id,
                                            sa.func.strftime("%Y-%m", Measurement.month)
                                            == month)).all()) if db.session.get_bind(
    ).dialect.name == "sqlite" else {
        district: cases for district, cases, day in db.session.execute(sa.select(
            Measurement.district_code, Measurement.cases, Measurement.month).where(
            Measurement.commitment_id == commitment_id)) if f"{day:%Y-%m}" == month}
    values[""] = sum(values.values())
    return {area: (values[area] if states.get((month, area)) == "published"
                   else states.get((month, area))) for area in AREAS}


def test_later_months_never_change_what_a_month_shows(app, commitments):
    """Each month's hiding is decided when it is imported: importing the next months (which
    complete a quarter) leaves it as it was, so that no two publications can be subtracted."""
    commitments(figures=False)
    with app.app_context():
        importer.import_file(csv_of(*month_rows("2026-07", remote_cases=4)), "july.csv", None,
                             NOW, TODAY)
        july = _published("2026-07")
        assert july["NANLING"] == "small" and list(july.values()).count("hidden") >= 1
        importer.import_file(csv_of(*month_rows("2026-08", remote_cases=2),
                                    *month_rows("2026-09", remote_cases=3),
                                    *month_rows("2026-10", remote_cases=1)),
                             "later.csv", None, NOW, TODAY)
        assert _published("2026-07") == july


def test_a_correction_keeps_hidden_what_was_hidden(app, commitments):
    """A month imported again with one district corrected: what was hidden before stays
    hidden, so the old and the new totals cannot be subtracted to find the small count."""
    commitments(figures=False)
    with app.app_context():
        importer.import_file(csv_of(*month_rows("2026-07", remote_cases=4)), "july.csv", None,
                             NOW, TODAY)
        before = _published("2026-07")
        hidden = {area for area, value in before.items() if value in ("hidden", "small")}
        for district in ("CENTRAL", "EAST", "HITECH", "WEST-SUB", "BEISHAN"):
            if district in hidden:
                continue
            row = next(r for r in month_rows("2026-07") if f",{district}," in r)
            fields = row.split(",")
            fields[3] = str(int(fields[3]) + 1)
            importer.import_file(csv_of(",".join(fields)), "fix.csv", None, NOW, TODAY)
            after = _published("2026-07")
            assert hidden <= {area for area, value in after.items()
                              if value in ("hidden", "small")}, (district, before, after)
            break


def _xlsx(rows: dict[int, list[object]], declared: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for number, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if declared is None:
        return data
    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            content = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                start = text.index('<dimension ref="') + len('<dimension ref="')
                content = (text[:start] + declared + text[text.index('"', start):]).encode()
            new.writestr(item, content)
    return target.getvalue()


def _refused(data: bytes) -> str:
    with pytest.raises(importer.ImportRefused) as refused:
        importer.import_file(data, "bad", None, NOW, TODAY)
    return str(refused.value.message)


def test_a_workbook_with_rows_past_the_limit_is_refused_whole(app, commitments):
    commitments(figures=False)
    rows = {1: list(importer.COLUMNS)}
    for number, district in enumerate(("CENTRAL", "EAST", "HITECH"), start=2):
        rows[number] = ["REPAIR-ARRIVAL", "2026-06", district, 40, 30, 31, 52]
    rows[25_000] = ["REPAIR-ARRIVAL", "2026-06", "NANLING", 3, 2, 31, 52]
    with app.app_context(), app.test_request_context("/?lang=en"):
        assert "more than 20,000 rows" in _refused(_xlsx(rows))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) == 0


def test_a_workbook_declaring_huge_dimensions_costs_nothing(app, commitments):
    commitments(figures=False)
    rows = {1: list(importer.COLUMNS), 2: ["REPAIR-ARRIVAL", "2026-06", "EAST", 40, 30, 31, 52]}
    with app.app_context():
        record = importer.import_file(_xlsx(rows, declared="A1:XFD2"), "wide.xlsx", None,
                                      NOW, TODAY)
        assert record.rows == 1


@pytest.mark.parametrize("data", [
    csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL," + "9" * 5000 + ",3,31,52"),
    (HEADER + '\r\n"' + "x" * 200_000 + "\r\n").encode(),
    b"PK\x03\x04" + b"broken" * 50,
], ids=["5000 digits", "unclosed quote", "broken zip"])
def test_a_malformed_file_is_a_refusal_not_an_error(app, commitments, data):
    commitments(figures=False)
    with app.app_context(), app.test_request_context("/?lang=en"):
        _refused(data)


def test_a_damaged_workbook_sheet_is_a_refusal(app, commitments):
    commitments(figures=False)
    good = _xlsx({1: list(importer.COLUMNS)})
    source, target = io.BytesIO(good), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            content = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[:len(content) // 2]
            new.writestr(item, content)
    with app.app_context(), app.test_request_context("/?lang=en"):
        assert "neither a CSV file nor" in _refused(target.getvalue())


@pytest.mark.parametrize("month", ["２０２６-１０", "2026-+1", "2_026-1", "2026- 1", "2026-1"])
def test_a_month_in_any_other_form_is_refused(app, commitments, month):
    commitments(figures=False)
    with app.app_context(), app.test_request_context("/?lang=en"):
        message = _refused(csv_of(f"REPAIR-ARRIVAL,{month},CENTRAL,412,398,31,52"))
        assert "Row 2, column month" in message


@pytest.mark.parametrize(("row", "column"), [
    ("SUPPLY-RELIABILITY,2026-10,CENTRAL,86000,85990,0,", "median"),
    ("REPAIR-ARRIVAL,2026-10,CENTRAL,40,30,31,", "p90"),
    ("REPAIR-ARRIVAL,2026-10,CENTRAL,40,30,,52", "median"),
    ("REPAIR-ARRIVAL,2026-10,CENTRAL,40,30,0.005,0.004", "median"),
    ("REPAIR-ARRIVAL,2026-10,CENTRAL,40,30,-0,5", "median"),
])
def test_medians_that_make_no_sense_are_refused(app, commitments, row, column):
    commitments(figures=False)
    with app.app_context(), app.test_request_context("/?lang=en"):
        assert f"Row 2, column {column}" in _refused(csv_of(row))


def test_a_formula_with_a_saved_value_is_not_taken_for_a_number(app, commitments):
    commitments(figures=False)
    data = _xlsx({1: list(importer.COLUMNS),
                  2: ["REPAIR-ARRIVAL", "2026-10", "CENTRAL", "=400+12", 30, 31, 52]})
    with app.app_context(), app.test_request_context("/?lang=en"):
        assert "Row 2, column cases" in _refused(data)


def test_every_month_of_a_long_import_is_in_the_public_record(app, commitments):
    commitments(figures=False)
    rows = [f"REPAIR-ARRIVAL,{year}-{month:02d},CENTRAL,40,30,31,52"
            for year in range(2020, 2027) for month in range(1, 13)
            if (year, month) < (2026, 11)]
    with app.app_context():
        record = importer.import_file(csv_of(*rows), "history.csv", None, NOW, TODAY)
        entry = db.session.scalar(sa.select(LogEntry).where(
            LogEntry.key == f"commitment-import:{record.id}"))
        months = json.loads(entry.content)["record"]["months"]
        assert len(months) == len(rows) == 82 and months[-1] == "2026-10"
        assert db.session.get(MeasurementImport, record.id).rows == 82


def test_the_command_refuses_a_malformed_file_without_a_traceback(app, commitments, runner,
                                                                  tmp_path):
    commitments(figures=False)
    bad = tmp_path / "huge.csv"
    bad.write_bytes(csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL," + "9" * 5000 + ",3,31,52"))
    result = runner.invoke(args=["commitments", "import", str(bad)])
    assert result.exit_code == 1 and "Nothing was imported" in result.output
    assert "Traceback" not in result.output


def test_a_new_version_keeps_the_unit_and_does_not_start_in_the_past(app, client,
                                                                     commitments, make_user,
                                                                     auth):
    commitments(figures=False)
    make_user("staffer", role="staff")
    auth.login("staffer")
    client.get("/?lang=en")
    common = {"title_zh": "故障抢修", "title_en": "Repair", "explanation_zh": "说明。",
              "explanation_en": "Text.", "measure": "max_duration", "compliance": "50",
              "target_all": "1", "basis_number": "n", "basis_title": "t"}
    for number, changes in enumerate(({"unit": "hours", "effective_from": "2026-12-01"},
                                      {"unit": "minutes", "effective_from": "2025-01-01"}),
                                     start=2):
        response = post_form(client, "/staff/commitments/REPAIR-ARRIVAL/versions/new",
                             {**common, **changes})
        assert response.status_code == 302
        response = confirm_form(client, f"/staff/commitments/REPAIR-ARRIVAL/versions/{number}"
                                "/publish", follow_redirects=True)
        text = response.get_data(as_text=True)
        assert ("keeps the measure and the unit" in text
                or "cannot start before the day it is published" in text), changes
    data = client.get("/api/v1/commitments/REPAIR-ARRIVAL").get_json()
    assert [v["version"] for v in data["versions"]] == [1]


def test_a_compliance_that_is_not_a_number_is_a_form_error(client, commitments, make_user,
                                                          auth):
    commitments(figures=False)
    make_user("staffer", role="staff")
    auth.login("staffer")
    client.get("/?lang=en")
    response = post_form(client, "/staff/commitments/REPAIR-ARRIVAL/versions/new", {
        "title_zh": "故障抢修", "title_en": "Repair", "explanation_zh": "说明。",
        "explanation_en": "Text.", "measure": "max_duration", "unit": "minutes",
        "compliance": "NaN", "target_all": "45", "effective_from": "2026-12-01",
        "basis_number": "n", "basis_title": "t"})
    assert response.status_code == 400
    assert "above 0 and at most 100 percent" in response.get_data(as_text=True)
