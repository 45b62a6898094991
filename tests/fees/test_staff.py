"""Staff draft, preview and publish versions; permissions; export."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.fees import services
from portal.fees.models import Tariff, TariffVersion
from tests.conftest import csrf_token, post_form

VERSION = {
    "effective_from": "2025-01-01", "basis_number": "示范价〔2024〕9号", "basis_title": "测试通知",
    "tier_limits": "2760, 4800", "billing_basis": "annual",
    "price_1_all": "0.54", "price_2_all": "0.59", "price_3_all": "0.84",
}


@pytest.fixture
def staff(make_user, auth):
    make_user("staffer", role="staff")
    auth.login("staffer")


def _create_tariff(client):
    return post_form(client, "/staff/fees/tariffs/new?lang=en", {
        "code": "res-new", "name_zh": "新居民电价", "name_en": "", "customer_class": "residential",
        "voltage_level": "lv"})


def test_staff_drafts_previews_and_publishes(app, client, staff):
    response = _create_tariff(client)
    assert response.headers["Location"] == "/staff/fees/tariffs/RES-NEW/versions/new"
    response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new?lang=en", VERSION)
    assert response.status_code == 302
    preview = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Preview for staff." in preview and "0.5400" in preview
    assert client.get("/tariffs/RES-NEW").status_code == 404  # nothing public yet
    token = csrf_token(client, "/staff/fees/tariffs/RES-NEW/versions/1")
    response = client.post("/staff/fees/tariffs/RES-NEW/versions/1/publish",
                           data={"csrf_token": token})
    assert response.headers["Location"] == "/tariffs/RES-NEW/versions/1"
    assert "0.5400" in client.get("/tariffs/RES-NEW?on=2025-02-01").get_data(as_text=True)
    with app.app_context():
        version = db.session.scalar(sa.select(TariffVersion))
        assert db.session.get(User, version.published_by_id).username == "staffer"


def test_a_new_version_starts_from_the_latest(client, staff):
    _create_tariff(client)
    post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new", VERSION)
    form = client.get("/staff/fees/tariffs/RES-NEW/versions/new").get_data(as_text=True)
    assert 'value="2760, 4800"' in form and 'value="0.5400"' in form


@pytest.mark.parametrize(("changes", "message"), [
    ({"tier_limits": "4800, 2760"}, "Tier limits must be greater than zero and strictly"),
    ({"tier_limits": "lots"}, "Write the upper limits separated by commas"),
    ({"price_2_all": "-0.1"}, "Prices and amounts must be greater than zero."),
    ({"price_3_all": ""}, "Every tier needs a price for every period."),
    ({"effective_to": "2024-01-01"}, "The end date cannot be before the start date."),
    ({"effective_from": ""}, "This field is required."),
    ({"basis_url": "not a link"}, "Enter a full link starting with https://."),
    ({"billing_basis": ""}, "must say whether its limits count kWh per month or per year"),
    ({"tier_limits": "", "price_1_all": "", "price_2_all": "", "price_3_all": "",
      "price_1_peak": "1", "price_1_valley": "0.5", "peak_hours": "08:00-22:00",
      "valley_hours": "22:00-24:00"}, "must cover all 24 hours"),
    ({"tier_limits": "", "price_1_all": "", "price_2_all": "", "price_3_all": "",
      "price_1_peak": "1", "price_1_valley": "0.5", "peak_hours": "08:00-23:00",
      "valley_hours": "22:00-24:00, 00:00-08:00"}, "overlap at 22:00"),
    ({"peak_hours": "8 to 10"}, "Write hours as HH:MM-HH:MM"),
])
def test_bad_drafts_are_explained_and_nothing_is_written(app, client, staff, changes, message):
    _create_tariff(client)
    response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new?lang=en",
                         {**VERSION, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TariffVersion)) == 0


def test_tariff_form_refuses_bad_and_duplicate_codes(app, client, staff):
    bad = post_form(client, "/staff/fees/tariffs/new?lang=en", {
        "code": "bad code!", "name_zh": "x", "customer_class": "residential",
        "voltage_level": "lv"})
    assert bad.status_code == 400 and "A code has 2 to 40 capital letters" in bad.get_data(
        as_text=True)
    _create_tariff(client)
    again = _create_tariff(client)
    assert again.status_code == 400
    assert "A tariff with this code already exists." in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Tariff)) == 1


def test_published_versions_cannot_be_edited_through_the_form(client, staff, demo_fees):
    token = csrf_token(client, "/staff/fees/")
    response = client.post("/staff/fees/tariffs/RES-TIER-ZJ/versions/1/edit?lang=en",
                           data={"csrf_token": token, **VERSION})
    assert response.status_code == 302
    follow = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "A published version cannot be changed" in follow
    assert "0.5380" in follow


def test_overlapping_publication_is_refused_with_a_message(client, staff, demo_fees):
    post_form(client, "/staff/fees/tariffs/RES-TIER-BJ/versions/new",
              {**VERSION, "effective_from": "2023-06-01", "effective_to": "2024-06-30"})
    token = csrf_token(client, "/staff/fees/tariffs/RES-TIER-BJ/versions/3")
    response = client.post("/staff/fees/tariffs/RES-TIER-BJ/versions/3/publish?lang=en",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "These dates overlap version 1" in response.get_data(as_text=True)


def test_export_downloads_the_import_format(client, staff, demo_fees):
    response = client.get("/staff/fees/export.json")
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["format"] == "open-power-service/fee-standards"
    assert {t["code"] for t in data["tariffs"]} >= {"RES-TIER-ZJ", "LI-CAP-10KV"}


@pytest.mark.parametrize("url", ["/staff/fees/", "/staff/fees/tariffs/new",
                                 "/staff/fees/export.json"])
def test_only_staff_and_admins_manage_fees(client, make_user, auth, url):
    assert client.get(url).status_code == 302
    make_user("member", role="committee")
    auth.login("member")
    assert client.get(url).status_code == 403


def test_staff_create_change_and_abolish_a_fee_item(app, client, staff):
    item = {"code": "new-fee", "name_zh": "测试费", "amount": "12.50", "unit_zh": "元/次",
            "basis_number": "示范价〔2024〕1号", "basis_title": "测试"}
    response = post_form(client, "/staff/fees/items/new?lang=en", item)
    assert response.status_code == 302
    page = client.get("/fees/?lang=en").get_data(as_text=True)
    assert "12.50" in page and "元/次" in page  # the unit names the currency: no "CN¥" too
    duplicate = post_form(client, "/staff/fees/items/new?lang=en", item)
    assert duplicate.status_code == 400
    assert "A charge with this code already exists." in duplicate.get_data(as_text=True)
    response = post_form(client, "/staff/fees/items/NEW-FEE?lang=en",
                         {**item, "code": "HIJACK", "abolished_on": "2025-01-01",
                          "refund_rule_zh": "全额退还"})
    assert response.status_code == 302
    page = client.get("/fees/abolished?lang=zh").get_data(as_text=True)
    assert "测试费" in page and "全额退还" in page
    with app.app_context():
        from portal.fees.models import FeeItem

        assert db.session.scalars(sa.select(FeeItem.code)).all() == ["NEW-FEE"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"amount": "-1"}, "An amount is zero or more, in yuan"),
    ({"amount": "1.234"}, "at most 2 decimal places"),
    ({"basis_title": ""}, "This field is required."),
    ({"code": "x"}, "A code has 2 to 40 capital letters"),
])
def test_bad_fee_items_are_explained(app, client, staff, changes, message):
    item = {"code": "new-fee", "name_zh": "测试费", "amount": "12.50",
            "basis_number": "n", "basis_title": "t", **changes}
    response = post_form(client, "/staff/fees/items/new?lang=en", item)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"price_1_all": "", "price_2_all": "", "price_3_all": ""},
     "At least one energy price is needed."),
    ({"price_1_peak": "1"}, "Use either one all-day price or time-of-use prices, not both."),
])
def test_rules_of_the_whole_draft_are_listed_above_the_form(app, client, staff, changes,
                                                            message):
    """Errors that concern no single field (form.errors[None]) used to break the page."""
    _create_tariff(client)
    response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new?lang=en",
                         {**VERSION, **changes})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"<li>{message}</li>" in page
    assert page.count(message) == 1


@pytest.mark.parametrize("url", ["/staff/fees/items/new?lang=en",
                                 "/staff/fees/tariffs/new?lang=en"])
def test_staff_forms_refuse_control_characters(app, client, staff, url):
    response = post_form(client, url, {
        "code": "ctrl-fee", "name_zh": "坏\x01名字", "amount": "1", "basis_number": "n",
        "basis_title": "t", "customer_class": "residential", "voltage_level": "lv"})
    assert response.status_code == 400
    assert "invisible control characters" in response.get_data(as_text=True)
    with app.app_context():
        from portal.fees.models import FeeItem

        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeeItem)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Tariff)) == 0


def test_more_tiers_than_the_form_has_prices_for_is_a_form_error(app, client, staff):
    _create_tariff(client)
    response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new?lang=en", {
        **VERSION, "tier_limits": "100, 200, 300, 400", "price_4_all": "0.9"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and '<a href="#tier_limits">' in page
    assert "At most 4 tiers, that is 3 tier limits." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TariffVersion)) == 0


def test_a_monthly_charge_with_a_label_needs_its_amount(app, client, staff):
    _create_tariff(client)
    for label in ("monthly_charges-0-label_zh", "monthly_charges-0-label_en"):
        response = post_form(client, "/staff/fees/tariffs/RES-NEW/versions/new?lang=en", {
            **VERSION, label: "表计费", "monthly_charges-0-amount": ""})
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert ('<a href="#monthly_charges-0-amount">Monthly charge 1 · Yuan per month: '
                'This field is required.</a>') in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TariffVersion)) == 0


# The districts a tariff applies in ------------------------------------------------------------

def _districts_of(app, code):
    with app.app_context():
        tariff = db.session.scalar(sa.select(Tariff).where(Tariff.code == code))
        return [district.code for district in tariff.districts]


def test_a_new_tariff_may_be_limited_to_districts(app, client, staff):
    form = client.get("/staff/fees/tariffs/new?lang=en").get_data(as_text=True)
    assert "<legend>Applies in</legend>" in form
    assert 'type="checkbox" id="districts-BEISHAN" name="districts" value="BEISHAN"' in form
    response = post_form(client, "/staff/fees/tariffs/new?lang=en", {
        "code": "res-hill", "name_zh": "山区居民电价", "customer_class": "residential",
        "voltage_level": "lv", "districts": ["NANLING", "BEISHAN"]})
    assert response.status_code == 302
    assert _districts_of(app, "RES-HILL") == ["BEISHAN", "NANLING"]  # in the usual order
    _create_tariff(client)
    assert _districts_of(app, "RES-NEW") == []  # none ticked: every district


def test_staff_change_a_tariffs_districts(app, client, staff, demo_fees):
    index = client.get("/staff/fees/?lang=en").get_data(as_text=True)
    assert 'href="/staff/fees/tariffs/RES-TIER-BJ/edit"' in index
    assert "Applies in: Beishan County" in index
    form = client.get("/staff/fees/tariffs/RES-TIER-BJ/edit?lang=en").get_data(as_text=True)
    assert 'id="districts-BEISHAN" name="districts" value="BEISHAN" checked' in form
    assert 'value="CENTRAL" checked' not in form and 'name="code"' not in form
    response = post_form(client, "/staff/fees/tariffs/RES-TIER-BJ/edit?lang=en", {
        "name_zh": "居民阶梯电价（一户一表，北山县）", "name_en": "Renamed",
        "districts": ["BEISHAN", "NANLING"]})
    assert response.status_code == 302
    assert _districts_of(app, "RES-TIER-BJ") == ["BEISHAN", "NANLING"]
    page = client.get("/tariffs/RES-TIER-BJ?lang=en").get_data(as_text=True)
    assert "Applies in: Beishan County, Nanling Township" in page
    assert "：北山县、南岭乡" in client.get("/tariffs/RES-TIER-BJ?lang=zh").get_data(
        as_text=True)
    assert client.get("/api/v1/tariffs/RES-TIER-BJ").json["districts"] == ["BEISHAN", "NANLING"]
    response = post_form(client, "/staff/fees/tariffs/RES-TIER-BJ/edit?lang=en", {
        "name_zh": "居民阶梯电价（一户一表，北山县）"})
    assert response.status_code == 302 and _districts_of(app, "RES-TIER-BJ") == []
    assert "Applies in" not in client.get("/tariffs/RES-TIER-BJ?lang=en").get_data(as_text=True)
    assert client.get("/api/v1/tariffs/RES-TIER-BJ").json["districts"] == []
    assert client.get("/staff/fees/tariffs/NOPE/edit").status_code == 404


@pytest.mark.parametrize("url", ["/staff/fees/tariffs/new", "/staff/fees/tariffs/RES-TIER-BJ/edit"])
def test_an_unknown_district_is_refused_and_nothing_saved(app, client, staff, demo_fees, url):
    data = {"code": "res-x", "name_zh": "改过的名字", "customer_class": "residential",
            "voltage_level": "lv", "districts": ["BEISHAN", "ATLANTIS"]}
    response = post_form(client, url + "?lang=en", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is no district with the code ATLANTIS." in page
    assert '<a href="#districts">' in page  # the error summary leads to the checkboxes
    with app.app_context():
        assert services.get_tariff("RES-X") is None
        assert services.get_tariff("RES-TIER-BJ").name_zh == "居民阶梯电价（一户一表，北山县）"
    assert _districts_of(app, "RES-TIER-BJ") == ["BEISHAN"]
    zh = post_form(client, url + "?lang=zh", data)
    assert zh.status_code == 400
