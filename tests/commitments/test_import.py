"""Importing monthly figures: CSV (UTF-8 or GBK) and XLSX, all or nothing, every problem named
by its row and column, a month imported again replaced with what changed published."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from portal.commitments import importer
from portal.commitments.models import Measurement, MeasurementImport
from portal.extensions import db
from portal.transparency.models import LogEntry
from tests.commitments.conftest import (
    FIGURES,
    HEADER,
    NOW,
    TODAY,
    csv_of,
    month_rows,
)
from tests.conftest import post_form


def _counts() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) or 0,
            db.session.scalar(sa.select(sa.func.count()).select_from(MeasurementImport)) or 0)


def test_a_file_is_imported_and_its_import_published(app, commitments):
    commitments()
    with app.app_context():
        assert _counts() == (18 + 6, 1)
        entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.kind == "commitment_import"))
        content = json.loads(entry.content)
        assert content["record"]["months"] == ["2026-08", "2026-09", "2026-10"]
        assert content["record"]["rows"] == 24
        assert content["record"]["replaced"] == []


def test_a_month_imported_again_is_replaced_and_what_changed_is_published(app, commitments):
    commitments()
    with app.app_context():
        again = csv_of(*[row for row in month_rows("2026-10", remote_cases=4)
                         if "HITECH" not in row],
                       "REPAIR-ARRIVAL,2026-10,HITECH,160,120,38,66")
        record = importer.import_file(again, "october.csv", None, NOW, TODAY)
        db.session.commit()
        changes = {(c["district"]): c for c in importer.changes_of(record)}
        # the remote district's count is under k: published as "<5", before and after
        assert changes["NANLING"]["before"] == {"cases": "<5"}
        assert changes["NANLING"]["after"] == {"cases": "<5"}
        assert changes["HITECH"]["before"]["cases"] == 150
        assert changes["HITECH"]["after"] == {"cases": 160, "within_target": 120,
                                              "median": "38.00", "p90": "66.00"}
        assert set(changes) == {"NANLING", "HITECH"}  # unchanged rows are not listed
        assert _counts() == (24, 2)
        entries = db.session.scalars(sa.select(LogEntry).where(
            LogEntry.kind == "commitment_import").order_by(LogEntry.index)).all()
        assert len(entries) == 2
        assert "HITECH" in entries[1].content.decode() and "\"<5\"" in entries[1].content.decode()


def test_a_file_with_some_districts_of_a_month_leaves_the_others_as_they_were(app,
                                                                             commitments):
    commitments()
    with app.app_context():
        record = importer.import_file(csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,410,300,31,52"),
                                      "october.csv", None, NOW, TODAY)
        assert [c["district"] for c in importer.changes_of(record)] == ["CENTRAL"]
        october = dict(db.session.execute(sa.select(
            Measurement.district_code, Measurement.cases).where(
            Measurement.median.is_not(None), Measurement.month == date(2026, 10, 1))).all())
        assert october == {"CENTRAL": 410, "EAST": 300, "HITECH": 150, "WEST-SUB": 120,
                           "BEISHAN": 90, "NANLING": 3}


def test_the_template_holds_the_columns_only(app):
    """An example row kept by mistake would be imported as the company's figures."""
    assert importer.TEMPLATE.strip() == HEADER


BAD = [
    ("wrong header", b"code,month\r\nREPAIR-ARRIVAL,2026-10\r\n", "first row must name"),
    ("text in a number", csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,many,3,31,52"),
     "Row 2, column cases"),
    ("negative", csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,-4,3,31,52"), "Row 2, column cases"),
    ("unknown code", csv_of("NO-SUCH,2026-10,CENTRAL,4,3,31,52"), "Row 2, column commitment"),
    ("unknown district", csv_of("REPAIR-ARRIVAL,2026-10,MARS,4,3,31,52"),
     "Row 2, column district"),
    ("within above cases", csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,4,5,31,52"),
     "Row 2, column within_target"),
    ("p90 below median", csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,40,30,52,31"),
     "Row 2, column p90"),
    ("future month", csv_of("REPAIR-ARRIVAL,2027-01,CENTRAL,40,30,31,52"),
     "Row 2, column month"),
    ("month in course", csv_of("REPAIR-ARRIVAL,2026-11,CENTRAL,40,30,31,52"),
     "has not ended"),
    ("malformed month", csv_of("REPAIR-ARRIVAL,10/2026,CENTRAL,40,30,31,52"),
     "Row 2, column month"),
    ("median of a share", csv_of("SUPPLY-RELIABILITY,2026-10,CENTRAL,40,30,31,52"),
     "Row 2, column median"),
    ("duplicate", csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,40,30,31,52",
                         "REPAIR-ARRIVAL,2026-10,CENTRAL,41,30,31,52"),
     "The same commitment, month and district as row"),
    ("extra values", csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,40,30,31,52,9"),
     "more values than"),
    ("not a table", b"%PDF-1.7\n1 0 obj\n", "neither a CSV file nor"),
    ("binary", b"\x00\x01\x02\x03" * 50, "neither a CSV file nor"),
    ("empty", b"", "empty"),
    ("no figures", (HEADER + "\r\n").encode(), "no figures"),
    ("neither UTF-8 nor GBK", HEADER.encode() + b"\r\n\xff\xfe\xfd,2026-10\r\n",
     "neither UTF-8 nor GBK"),
    ("zip that is no workbook", b"PK\x03\x04" + b"\x00" * 100, "neither a CSV file nor"),
    ("too large", b"x" * (importer.MAX_BYTES + 1), "larger than 2 MB"),
]


@pytest.mark.parametrize(("data", "expected"), [(d, e) for _, d, e in BAD],
                         ids=[name for name, _, _ in BAD])
def test_a_bad_file_is_refused_whole_naming_row_and_column(app, commitments, data, expected):
    commitments()
    with app.app_context(), app.test_request_context("/?lang=en"):
        before = _counts()
        good = month_rows("2026-07")
        payload = data if not data.startswith(HEADER.encode()) or data == csv_of() else (
            data.replace(HEADER.encode() + b"\r\n", (HEADER + "\r\n" + good[0] + "\r\n")
                         .encode(), 1))
        with pytest.raises(importer.ImportRefused) as refused:
            importer.import_file(payload, "bad.csv", None, NOW, TODAY)
        message = str(refused.value.message)
        expected_text = expected.replace("Row 2", "Row 3") if payload is not data else expected
        assert expected_text in message, message
        db.session.rollback()
        assert _counts() == before  # nothing of the good row either


def test_every_problem_is_reported_at_once(app, commitments):
    commitments()
    with app.app_context(), app.test_request_context("/?lang=en"):
        with pytest.raises(importer.ImportRefused) as refused:
            importer.import_file(csv_of("REPAIR-ARRIVAL,2026-10,MARS,x,3,31,52",
                                        "REPAIR-ARRIVAL,2026-10,CENTRAL,4,3,31,2"),
                                 "bad.csv", None, NOW, TODAY)
        found = [(p.row, p.column) for p in refused.value.problems]
        assert found == [(2, "district"), (2, "cases"), (3, "p90")]


def test_gbk_csv_from_spreadsheet_software_is_read(app, commitments):
    commitments(figures=False)
    with app.app_context():
        text = HEADER + "\r\nREPAIR-ARRIVAL,2026-10,CENTRAL,40,30,31,52\r\n"
        record = importer.import_file(text.encode("gbk") + "，".encode("gbk")[:0], "gbk.csv",
                                      None, NOW, TODAY)
        assert record.rows == 1
    with app.app_context(), app.test_request_context("/?lang=en"):
        # a Chinese value in GBK is decoded, and refused as an unknown code by name
        bad = (HEADER + "\r\n抢修,2026-10,CENTRAL,40,30,31,52\r\n").encode("gbk")
        with pytest.raises(importer.ImportRefused) as refused:
            importer.import_file(bad, "gbk.csv", None, NOW, TODAY)
        assert "Row 2, column commitment" in str(refused.value.message)


def test_utf8_with_byte_order_mark_is_read(app, commitments):
    commitments(figures=False)
    with app.app_context():
        data = "\ufeff".encode() + csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,40,30,31,52")
        assert importer.import_file(data, "bom.csv", None, NOW, TODAY).rows == 1


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_excel_workbook_is_read(app, commitments):
    commitments(figures=False)
    with app.app_context():
        data = _xlsx([list(importer.COLUMNS),
                      ["REPAIR-ARRIVAL", "2026-10", "CENTRAL", 40, 30, 31.5, 52],
                      ["REPAIR-ARRIVAL", "2026-10", "EAST", 41, 30, None, None]])
        record = importer.import_file(data, "figures.xlsx", None, NOW, TODAY)
        assert record.rows == 2
        central = db.session.scalar(sa.select(Measurement).where(
            Measurement.district_code == "CENTRAL"))
        assert (central.cases, str(central.median)) == (40, "31.50")


def test_a_formula_in_a_workbook_is_not_evaluated(app, commitments):
    commitments(figures=False)
    with app.app_context(), app.test_request_context("/?lang=en"):
        data = _xlsx([list(importer.COLUMNS),
                      ["REPAIR-ARRIVAL", "2026-10", "CENTRAL", "=10*4", 30, 31, 52]])
        with pytest.raises(importer.ImportRefused) as refused:
            importer.import_file(data, "formula.xlsx", None, NOW, TODAY)
        assert "Row 2, column cases" in str(refused.value.message)


def test_the_command_imports_or_refuses_whole(app, commitments, runner, tmp_path):
    commitments(figures=False)
    good = tmp_path / "good.csv"
    good.write_bytes(FIGURES)
    result = runner.invoke(args=["commitments", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported 24 monthly figures" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,4,5,31,52"))
    result = runner.invoke(args=["commitments", "import", str(bad)])
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output and "within_target" in result.output
    template = runner.invoke(args=["commitments", "template"])
    assert template.output.startswith(HEADER)


def test_staff_import_in_the_browser(app, client, commitments, make_user, auth):
    commitments(figures=False)
    make_user("staffer", role="staff")
    auth.login("staffer")
    page = client.get("/staff/commitments/import?lang=zh")
    assert page.status_code == 200
    bad = post_form(client, "/staff/commitments/import", {
        "file": (io.BytesIO(csv_of("REPAIR-ARRIVAL,2026-10,CENTRAL,4,5,31,52")), "bad.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "第 2 行" in text and "within_target" in text
    with app.app_context():
        assert _counts() == (0, 0)
    good = post_form(client, "/staff/commitments/import", {
        "file": (io.BytesIO(FIGURES), "figures.csv")}, content_type="multipart/form-data")
    assert good.status_code == 302
    with app.app_context():
        record = db.session.scalar(sa.select(MeasurementImport))
        assert record.imported_by_id is not None and record.rows == 24
    template = client.get("/staff/commitments/template.csv")
    assert template.data.decode("utf-8-sig").startswith(HEADER)


def test_only_staff_may_import(app, client, commitments, make_user, auth):
    commitments(figures=False)
    assert client.get("/staff/commitments/import").status_code in (302, 401)
    make_user("member", role="committee")
    auth.login("member")
    assert client.get("/staff/commitments/import").status_code == 403
    assert client.get("/staff/commitments/").status_code == 403
