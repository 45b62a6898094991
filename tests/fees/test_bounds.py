"""Every number is bounded by one rule, wherever it comes from, so no page fails on one later.

Staff forms, the JSON import, publishing, "check my bill", the calculator and its API; and the
largest numbers the bounds accept work on every page that shows them.
"""

from __future__ import annotations

import copy
import decimal
import json
import logging
import time
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import services
from portal.fees.bounds import (
    CLAIMED_AMOUNT,
    CLAIMED_QUANTITY,
    FEE_AMOUNT,
    PRICE,
    TIER_LIMIT,
    USAGE,
    decimal_places,
    parse_count,
)
from portal.fees.demo import DATA
from portal.fees.enums import BasicChargeBasis, BillingBasis, Period, PublicationStatus
from portal.fees.models import (
    FeeItem,
    Tariff,
    TariffMonthlyCharge,
    TariffPrice,
    TariffTier,
    TariffVersion,
)
from portal.fees.structure import (
    MAX_TIER_COUNT,
    HourSpan,
    MonthlyCharge,
    PriceStructure,
    check_structure,
)
from tests.conftest import csrf_token, post_form
from tests.fees.test_staff import VERSION

D = Decimal
HUGE = ["1" + "0" * 25, "1e26", "1E+999999999", "9" * 400]
UNUSABLE = ["Infinity", "-Infinity", "NaN", "sNaN", "-0", "-1"]
BOUNDS = [PRICE, FEE_AMOUNT, TIER_LIMIT, USAGE, CLAIMED_QUANTITY, CLAIMED_AMOUNT]
DEMO = json.loads(DATA.read_text(encoding="utf-8"))


# The rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bound", BOUNDS)
@pytest.mark.parametrize("value", HUGE + UNUSABLE)
def test_every_bound_refuses_unusable_and_huge_numbers(bound, value):
    assert bound.problem(D(value)) is not None


@pytest.mark.parametrize(("bound", "fits", "refused"), [
    (PRICE, ["0.0001", "1000000", "999999.9999", "1E+3"], ["0", "1000000.0001", "0.00001"]),
    (FEE_AMOUNT, ["0", "0.00", "1000000.00", "12.50"], ["1000000.01", "1.234"]),
    (TIER_LIMIT, ["0.0001", "1000000000", "2760"], ["0", "1000000000.0001", "1.00001"]),
    (USAGE, ["0", "1000000000", "250.5"], ["1000000000.0001", "0.00001"]),
    (CLAIMED_QUANTITY, ["1", "1000000000"], ["0", "1000000001"]),
    (CLAIMED_AMOUNT, ["0", "10000000", "12.5"], ["10000000.01", "1.234"]),
])
def test_bounds_at_their_edges(bound, fits, refused):
    assert [value for value in fits if bound.problem(D(value)) is not None] == []
    assert [value for value in refused if bound.problem(D(value)) is None] == []


@pytest.mark.parametrize(("value", "places"), [
    ("1.10", 1), ("1E+30", 0), ("0E-10", 0), ("1E-999999999", 999999999), ("120", 0),
    ("0.0001", 4), ("-2.50", 1)])
def test_decimal_places_never_needs_the_decimal_context(value, places):
    assert decimal_places(D(value)) == places


@pytest.mark.parametrize(("column", "bound"), [
    (TariffPrice.price, PRICE), (TariffVersion.basic_charge_rate, PRICE),
    (TariffMonthlyCharge.amount, PRICE), (FeeItem.amount, FEE_AMOUNT),
    (TariffTier.upper_kwh, TIER_LIMIT)])
def test_each_bound_fits_its_column_and_sqlites_floats(column, bound):
    numeric = column.type
    assert bound.maximum < 10 ** (numeric.precision - numeric.scale)
    assert bound.places <= numeric.scale
    # SQLite keeps NUMERIC as a double: exact up to 15 significant digits.
    assert len(str(int(bound.maximum))) + bound.places <= 15


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", 1), (" 24 ", 24), ("0", 0), ("25", None), ("²", None), ("٣", None), ("+1", None),
    ("1_0", None), ("1.0", None), ("-1", None), ("9" * 5000, None), ("", None), (None, None)])
def test_parse_count_reads_only_plain_digits(raw, expected):
    assert parse_count(raw, 24) == expected


# Staff forms -----------------------------------------------------------------------------------


@pytest.fixture
def staff(make_user, auth):
    make_user("staffer", role="staff")
    auth.login("staffer")


def _new_tariff(client):
    post_form(client, "/staff/fees/tariffs/new", {
        "code": "res-new", "name_zh": "新居民电价", "customer_class": "residential",
        "voltage_level": "lv"})


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


FIELDS = {  # the field, and what else the draft needs for that field to be used
    "price_2_all": {},
    "basic_charge_rate": {"basic_charge_basis": "capacity"},
    "monthly_charges-0-amount": {"monthly_charges-0-label_zh": "表计费"},
}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", [*HUGE, *UNUSABLE, "1000000.0001", "0.00001"])
def test_version_form_refuses_numbers_out_of_bounds(app, client, staff, field, value):
    _new_tariff(client)
    response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new?lang=en",
                         {**VERSION, **FIELDS[field], field: value})
    assert response.status_code == 400
    assert f'<a href="#{field}">' in response.get_data(as_text=True)  # in the error summary
    assert _count(app, TariffVersion) == 0


@pytest.mark.parametrize("value", ["1e26", "9" * 400, "1000000000.0001", "1.00001", "-0"])
def test_version_form_refuses_tier_limits_out_of_bounds(app, client, staff, value):
    _new_tariff(client)
    response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new?lang=en",
                         {**VERSION, "tier_limits": value, "price_3_all": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and '<a href="#tier_limits">' in page
    assert _count(app, TariffVersion) == 0


def test_version_form_says_what_the_bounds_are(client, staff):
    _new_tariff(client)
    url = "/staff/fees/tariffs/RES-NEW/versions/new?lang=en"
    price = post_form(client, url, {**VERSION, "price_1_all": "1e26"}).get_data(as_text=True)
    assert "Prices and amounts are at most 1,000,000 yuan." in price
    tier = post_form(client, url, {**VERSION, "tier_limits": "2760, 1e26"}).get_data(as_text=True)
    assert "Tier limits are at most 1,000,000,000 kWh." in tier
    zh = post_form(client, url.replace("=en", "=zh"), {**VERSION, "price_1_all": "sNaN"})
    assert zh.status_code == 400 and "请输入数字" in zh.get_data(as_text=True)


def test_version_form_accepts_the_largest_numbers(app, client, staff):
    _new_tariff(client)
    response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new", {
        **VERSION, "tier_limits": "999999999.9999, 1000000000", "price_1_all": "1000000",
        "price_2_all": "999999.9999", "price_3_all": "0.0001", "basic_charge_basis": "demand",
        "basic_charge_rate": "1000000", "monthly_charges-0-label_zh": "表计费",
        "monthly_charges-0-amount": "1000000"})
    assert response.status_code == 302
    with app.app_context():
        version = db.session.scalar(sa.select(TariffVersion))
        assert [tier.upper_kwh for tier in version.tiers] == [
            D("999999999.9999"), D("1000000000"), None]
        assert [price.price for price in version.prices] == [
            D("1000000"), D("999999.9999"), D("0.0001")]


def test_monthly_charge_errors_of_the_rules_sit_beside_their_field(client, staff):
    _new_tariff(client)
    response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new?lang=en",
                         {**VERSION, "monthly_charges-0-amount": "5"})  # no label
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ('<a href="#monthly_charges-0-label_zh">Monthly charge 1 · Label in Chinese: '
            'A monthly charge needs a Chinese label.</a>') in page


@pytest.mark.parametrize("value", [*HUGE, "Infinity", "NaN", "sNaN", "-0", "1000000.01"])
def test_fee_item_form_refuses_amounts_out_of_bounds(app, client, staff, value):
    response = post_form(client, "/staff/fees/items/new?lang=en", {
        "code": "big-fee", "name_zh": "测试费", "amount": value, "basis_number": "n",
        "basis_title": "t"})
    assert response.status_code == 400
    assert '<a href="#amount">' in response.get_data(as_text=True)
    assert _count(app, FeeItem) == 0


def test_fee_item_form_accepts_the_largest_amount(client, staff):
    response = post_form(client, "/staff/fees/items/new?lang=en", {
        "code": "big-fee", "name_zh": "测试费", "amount": "1000000", "basis_number": "n",
        "basis_title": "t"})
    assert response.status_code == 302
    assert "CN¥1,000,000.00" in client.get("/fees/?lang=en").get_data(as_text=True)


def test_version_form_refuses_thousands_of_tier_limits_quickly_and_quietly(app, client, staff,
                                                                           caplog):
    _new_tariff(client)
    limits = ", ".join(str(limit) for limit in range(1, 200_001))
    caplog.set_level(logging.DEBUG)
    started = time.process_time()
    response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new?lang=en",
                         {**VERSION, "tier_limits": limits})
    assert time.process_time() - started < 3  # 11.6 s before the cap
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and '<a href="#tier_limits">' in page
    assert "At most 4 tiers, that is 3 tier limits." in page
    assert "199999" not in caplog.text and len(caplog.text) < 10_000
    assert _count(app, TariffVersion) == 0


def test_the_shared_rule_caps_the_number_of_tiers(app):
    tiers = (*(D(limit) for limit in range(1, MAX_TIER_COUNT + 1)), None)
    structure = PriceStructure(tiers=tiers, billing_basis=BillingBasis.MONTHLY,
                               prices={(tier, Period.ALL): D(1) for tier in range(1, 12)})
    with app.test_request_context("/?lang=en"):
        errors = check_structure(structure)
        assert [(error.field, str(error.message)) for error in errors] == [
            ("tiers", f"At most {MAX_TIER_COUNT} tiers, that is {MAX_TIER_COUNT - 1} tier "
                      "limits.")]
        fits = PriceStructure(tiers=tiers[1:], billing_basis=BillingBasis.MONTHLY,
                              prices={(tier, Period.ALL): D(1) for tier in range(1, 11)})
        assert check_structure(fits) == []


def test_monthly_charge_without_amount_is_an_error_of_the_rule(app):
    structure = PriceStructure(prices={(1, Period.ALL): D(1)},
                               monthly_charges=(MonthlyCharge("表计费", None, None),))  # type: ignore[arg-type]
    with app.test_request_context("/?lang=en"):
        assert [(e.field, str(e.message)) for e in check_structure(structure)] == [
            ("monthly_charges[0].amount", "This field is required.")]


# JSON import ---------------------------------------------------------------------------------


def _first_version(data):
    return data["tariffs"][0]["versions"][0]


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda d: _first_version(d)["prices"][0].update(price="1e26"),
     "tariffs[0] (RES-TIER-ZJ).versions[0].prices[1][all]"),
    (lambda d: _first_version(d)["prices"][0].update(price=D("1000000.0001")),
     "tariffs[0] (RES-TIER-ZJ).versions[0].prices[1][all]"),
    (lambda d: _first_version(d).update(tiers=["2760", "1" + "0" * 26, None]),
     "tariffs[0] (RES-TIER-ZJ).versions[0].tiers[1]"),
    (lambda d: d["tariffs"][6]["versions"][0]["basic_charge"].update(rate="1E+999999999"),
     "tariffs[6] (LI-CAP-10KV).versions[0].basic_charge.rate"),
    (lambda d: d["tariffs"][5]["versions"][0]["monthly_charges"][0].update(amount="9" * 400),
     "tariffs[5] (GEN-CI-LV).versions[0].monthly_charges[0].amount"),
    (lambda d: d["fee_items"][2].update(amount="1e26"), "fee_items[2] (HIGH-REL).amount"),
    (lambda d: d["fee_items"][2].update(amount="-0"), "fee_items[2] (HIGH-REL).amount"),
    (lambda d: _first_version(d).update(tiers=[*range(1, 200_001), None]),
     "tariffs[0] (RES-TIER-ZJ).versions[0].tiers"),
])
def test_import_refuses_numbers_out_of_bounds(app, runner, tmp_path, mutate, where):
    data = copy.deepcopy(DEMO)
    mutate(data)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    result = runner.invoke(args=["fees", "import", str(path)])
    assert result.exit_code != 0
    assert f"big.json: $.{where}: " in result.output
    assert "Nothing was imported." in result.output
    assert (_count(app, Tariff), _count(app, FeeItem)) == (0, 0)


def test_import_refuses_integers_python_will_not_read(app, runner, tmp_path):
    path = tmp_path / "long.json"
    text = json.dumps(DEMO).replace('"amount": "270.00"', '"amount": ' + "9" * 5000)
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["fees", "import", str(path)])
    assert result.exit_code != 0 and "long.json: not usable JSON" in result.output
    assert _count(app, FeeItem) == 0


# Publishing ----------------------------------------------------------------------------------


def _draft_with_price(app, make_tariff, price):
    """A draft whose price was changed behind the services' back (an old row, a manual fix)."""
    make_tariff(publish=False)
    with app.app_context():
        db.session.execute(sa.update(TariffPrice).where(TariffPrice.tier == 2).values(price=price))
        db.session.commit()


def _publish(client, number=1):
    token = csrf_token(client, "/staff/fees/")
    return client.post(f"/staff/fees/tariffs/T-1/versions/{number}/publish?lang=en",
                       data={"csrf_token": token})


def test_publishing_refuses_a_draft_out_of_bounds(app, client, staff, make_tariff):
    _draft_with_price(app, make_tariff, D("2000000"))  # fits the column, not the bound
    response = _publish(client)
    assert response.headers["Location"] == "/staff/fees/tariffs/T-1/versions/1"
    flashed = client.get("/staff/fees/?lang=en").get_data(as_text=True)
    assert "Prices and amounts are at most 1,000,000 yuan." in flashed
    with app.app_context():
        assert db.session.scalar(sa.select(TariffVersion.status)) is PublicationStatus.DRAFT
    assert client.get("/tariffs/T-1").status_code == 404


def test_publishing_refuses_a_draft_whose_preview_fails(app, client, staff, make_tariff,
                                                        monkeypatch):
    make_tariff(publish=False)

    def broken_chart(structure):
        raise decimal.InvalidOperation

    monkeypatch.setattr("portal.fees.staff_views.price_chart", broken_chart)
    response = _publish(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/fees/tariffs/T-1/versions/1/edit"
    page = client.get("/staff/fees/?lang=zh").get_data(as_text=True)
    assert "此版本无法发布" in page or "This version cannot be published" in page
    with app.app_context():
        assert db.session.scalar(sa.select(TariffVersion.status)) is PublicationStatus.DRAFT


def test_the_publishing_service_computes_the_public_pages(app, make_tariff, monkeypatch):
    """The import publishes without a preview: the service computes the chart and a bill."""
    make_tariff(publish=False)

    def overflow(structure, usage):
        raise decimal.Overflow

    monkeypatch.setattr("portal.fees.services.calculate", overflow)
    with app.app_context(), pytest.raises(services.FeeError) as raised:
        services.publish_version(services.get_tariff("T-1").versions[0], None, utcnow())
    assert str(raised.value.errors[0].message) == str(services.UNPRESENTABLE)


# The largest numbers on every page ----------------------------------------------------------

LARGEST = PriceStructure(
    tiers=(D("999999999.9999"), D("1000000000"), None), billing_basis=BillingBasis.MONTHLY,
    hours=(HourSpan(Period.PEAK, 0, 720), HourSpan(Period.VALLEY, 720, 1440)),
    prices={(tier, period): D("999999.9999") for tier in (1, 2, 3)
            for period in (Period.PEAK, Period.VALLEY)},
    basic_charge_basis=BasicChargeBasis.CAPACITY, basic_charge_rate=D("1000000"),
    monthly_charges=(MonthlyCharge("表计费", "Meter charge", D("1000000")),))
MOST = "peak_kwh=1000000000&valley_kwh=1000000000&capacity_kva=1000000000&months=24"


def test_the_largest_numbers_work_on_every_page(app, client, make_tariff):
    make_tariff("MAX", start=date(2020, 1, 1))
    make_tariff("MAX", structure=LARGEST, start=date(2024, 1, 1))
    with app.app_context():
        services.save_fee_item(services.FeeItemData(
            "BIG-FEE", "最大收费", "Largest fee", D("1000000"), "元/千伏安", None, None, None,
            services.LegalBasis("n", "t")), utcnow())
        db.session.commit()
    for url in ["/tariffs/", "/tariffs/MAX", "/tariffs/MAX/versions/2", "/tariffs/MAX/history",
                "/tariffs/MAX/compare?a=1&b=2", f"/tariffs/MAX/bill?{MOST}",
                "/tariffs/feed.atom", "/fees/", "/api/v1/tariffs", "/api/v1/tariffs/MAX",
                "/api/v1/tariffs.csv", "/api/v1/tariffs/MAX.csv",
                f"/api/v1/tariffs/MAX/bill?{MOST}", "/api/v1/fees", "/api/v1/fees.csv"]:
        assert client.get(url).status_code == 200, url
    prices = client.get("/api/v1/tariffs/MAX").json["versions"][1]["prices"]
    assert {price["price"] for price in prices} == {"999999.9999"}  # exact, on SQLite too
    bill = client.get(f"/api/v1/tariffs/MAX/bill?{MOST}").json
    assert bill["total"] == "26000000023800000.00"
    check = post_form(client, "/fees/check?lang=en", {
        "rows-0-fee": "BIG-FEE", "rows-0-quantity": "1000000000", "rows-0-amount": "10000000"})
    assert check.status_code == 200 and "Matches the published standard" in check.get_data(
        as_text=True)


# Public input: check my bill, the calculator, comparison, dates -----------------------------


@pytest.mark.usefixtures("demo_fees")
@pytest.mark.parametrize("field", ["quantity", "amount"])
@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "1e30", "sNaN", "NaN", "-0",
                                   "9" * 400, "1E+999999999", "0.000000001"])
def test_bill_check_refuses_unusable_numbers(client, field, value):
    row = {"rows-0-fee": "HIGH-REL", "rows-0-quantity": "10", "rows-0-amount": "2700",
           f"rows-0-{field}": value}
    response = post_form(client, "/fees/check?lang=en", row)
    assert response.status_code == 400
    assert f'<a href="#rows-0-{field}">Charge 1 · ' in response.get_data(as_text=True)


@pytest.mark.usefixtures("demo_fees")
@pytest.mark.parametrize("query", [
    "kwh=Infinity", "kwh=NaN", "kwh=sNaN", "kwh=-0", "kwh=1e30", "kwh=" + "9" * 400,
    "kwh=1E%2B999999999", "kwh=1&months=²", "kwh=1&months=٣", "kwh=1&months=" + "9" * 5000,
    "kwh=1&months=%2B1", "kwh=1&on=2024-13-01", "kwh=1&on=%EF%BC%92024-01-01",
    "kwh=1&on=" + "9" * 5000])
def test_calculator_page_and_api_refuse_unusable_input(client, query):
    assert client.get(f"/tariffs/RES-TIER-ZJ/bill?{query}").status_code == 400
    response = client.get(f"/api/v1/tariffs/RES-TIER-ZJ/bill?{query}")
    assert response.status_code == 400 and response.json["error"]["parameter"] in {
        "kwh", "months", "on"}


@pytest.mark.usefixtures("demo_fees")
@pytest.mark.parametrize(("url", "status"), [
    ("/tariffs/RES-TIER-BJ/compare?a=1&b=" + "9" * 5000, 400),
    ("/tariffs/RES-TIER-BJ/compare?a=1&b=" + "9" * 30, 400),
    ("/tariffs/RES-TIER-BJ/compare?a=1&b=²", 400),
    ("/tariffs/RES-TIER-BJ/compare?a=1&b=-2", 400),
    ("/tariffs/RES-TIER-BJ/compare?a=1&b=2", 200),
    ("/tariffs/RES-TIER-BJ/versions/" + "9" * 5000, 404),
    ("/tariffs/RES-TIER-BJ/versions/" + "9" * 30, 404),
    ("/tariffs/?on=" + "9" * 5000, 400),
    ("/api/v1/tariffs?on=9999-99-99", 400),
])
def test_numbers_in_addresses_never_fail(client, url, status):
    assert client.get(url).status_code == status


def test_staff_addresses_with_huge_version_numbers(client, staff, make_tariff):
    make_tariff(publish=False)
    for url in ("/staff/fees/tariffs/T-1/versions/" + "9" * 5000,
                "/staff/fees/tariffs/T-1/versions/" + "9" * 30 + "/edit"):
        assert client.get(url).status_code == 404
