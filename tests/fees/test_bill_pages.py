"""A resident's bill: which tariff is mine, work out a bill, check the bill received, and the
API's parameters for annual tiers."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import post_form

pytestmark = pytest.mark.usefixtures("demo_fees")


def text(response):
    return response.get_data(as_text=True)


def tariff_codes(page):
    """The tariffs the finder offers, by the calculator links of its result."""
    return sorted(set(re.findall(r'href="/tariffs/([A-Z0-9-]+)/bill\?', page)))


# Which tariff is mine? ------------------------------------------------------------------------

RESIDENTIAL = "/fees/bill?customer_class=residential&step=details"


@pytest.mark.parametrize(("query", "codes"), [
    (f"{RESIDENTIAL}&meter=single&time_of_use=no&district=BEISHAN", ["RES-TIER-BJ"]),
    (f"{RESIDENTIAL}&meter=single&time_of_use=no&district=CENTRAL", ["RES-TIER-ZJ"]),
    (f"{RESIDENTIAL}&meter=single&time_of_use=no&district=NANLING", ["RES-TIER-ZJ"]),
    (f"{RESIDENTIAL}&meter=single&time_of_use=yes&district=BEISHAN", ["RES-TOU-ZJ"]),
    (f"{RESIDENTIAL}&meter=single&time_of_use=yes&district=CENTRAL", ["RES-TOU-ZJ"]),
    (f"{RESIDENTIAL}&meter=shared&time_of_use=no&district=BEISHAN", ["RES-SHARED-ZJ"]),
    ("/fees/bill?customer_class=agricultural", ["AGR-LV"]),
    ("/fees/bill?customer_class=general", ["GEN-CI-LV"]),
    ("/fees/bill?customer_class=large_industrial", ["LI-CAP-10KV", "LI-DEM-10KV"]),
])
def test_each_answer_leads_to_its_tariffs(client, query, codes):
    response = client.get(query + "&lang=en")
    assert response.status_code == 200
    assert tariff_codes(text(response)) == codes


def test_the_district_tells_apart_the_tariffs_that_fit_the_other_answers(client):
    """Two residential tariffs fit "own meter, one price": the district decides, and the one
    shown still names where it applies, as the bill prints it."""
    single = f"{RESIDENTIAL}&meter=single&time_of_use=no"
    for lang, district, name in (("zh", "BEISHAN", "居民阶梯电价（一户一表，北山县）"),
                                 ("zh", "EAST", "居民阶梯电价（一户一表，北山县以外）"),
                                 ("en", "BEISHAN", "(individually metered, Beishan County)")):
        page = text(client.get(f"{single}&district={district}&lang={lang}"))
        names = re.findall(r'<h3>([^<]+) <span class="code"', page)
        assert len(names) == 1 and name in names[0]
    unanswered = client.get(f"{single}&lang=en")  # sent without the district
    assert unanswered.status_code == 400 and tariff_codes(text(unanswered)) == []


def test_no_published_tariff_is_said_plainly(client):
    response = client.get(f"{RESIDENTIAL}&meter=shared&time_of_use=yes&district=EAST&lang=en")
    assert response.status_code == 200
    page = text(response)
    assert "No published tariff fits these answers" in page and tariff_codes(page) == []
    assert 'href="tel:95598"' in page


def test_questions_are_asked_only_where_they_change_something(client):
    first = text(client.get("/fees/bill?lang=en"))
    assert 'name="customer_class"' in first and 'name="meter"' not in first
    assert 'name="district"' not in first and "its name says where it applies" not in first
    residential = text(client.get("/fees/bill?customer_class=residential&lang=en"))
    assert 'name="meter"' in residential and 'name="time_of_use"' in residential
    assert "Where is your home?" in residential
    assert re.findall(r'name="district" value="([A-Z-]+)"', residential) == [
        "CENTRAL", "EAST", "HITECH", "WEST-SUB", "BEISHAN", "NANLING"]
    assert '<label for="district-BEISHAN">Beishan County</label>' in residential
    assert tariff_codes(residential) == []  # nothing shown before the questions are answered
    for other in ("large_industrial", "general", "agricultural"):  # the same everywhere
        page = text(client.get(f"/fees/bill?customer_class={other}&lang=en"))
        assert 'name="meter"' not in page and 'name="time_of_use"' not in page
        assert 'name="district"' not in page and "Where is your home?" not in page
        assert tariff_codes(page)  # answered at once


def test_answers_are_carried_into_the_calculator_and_back(client):
    page = text(client.get(f"{RESIDENTIAL}&meter=single&time_of_use=no&district=BEISHAN"
                           "&lang=en"))
    link = html.unescape(re.search(r'href="(/tariffs/RES-TIER-BJ/bill\?[^"]+)"', page).group(1))
    assert parse_qs(urlsplit(link).query) == {
        "customer_class": ["residential"], "meter": ["single"], "time_of_use": ["no"],
        "district": ["BEISHAN"]}
    calculator = text(client.get(link + "&lang=en"))
    assert "Residential, own meter, one price for all hours, Beishan County" in calculator
    assert '<input type="hidden" name="meter" value="single">' in calculator
    assert '<input type="hidden" name="district" value="BEISHAN">' in calculator
    assert ("/fees/bill?customer_class=residential&amp;meter=single&amp;time_of_use=no"
            "&amp;district=BEISHAN") in calculator
    back = text(client.get("/fees/bill?customer_class=residential&meter=single&time_of_use=no"
                           "&district=BEISHAN&lang=en"))
    assert 'id="district-BEISHAN" name="district" value="BEISHAN" checked' in back
    zh = text(client.get(link + "&lang=zh"))
    assert "一户一表，不分时段，北山县" in zh


@pytest.mark.parametrize(("query", "field"), [
    ("/fees/bill?customer_class=nobody", "customer_class"),
    (f"{RESIDENTIAL}&meter=maybe&time_of_use=no", "meter"),
    (f"{RESIDENTIAL}&time_of_use=no&district=EAST", "meter"),  # sent without an answer
    (f"{RESIDENTIAL}&meter=single&time_of_use=no&district=ATLANTIS", "district"),
    (f"{RESIDENTIAL}&meter=single&time_of_use=no&district=beishan", "district"),
    (f"{RESIDENTIAL}&meter=single&time_of_use=no", "district"),  # sent without an answer
])
def test_bad_answers_are_a_400_with_a_translated_message(client, query, field):
    en = client.get(query + "&lang=en")
    assert en.status_code == 400
    assert "Choose one of the answers." in text(en)
    assert f'<a href="#{field}-' in text(en)  # the summary links to the question
    zh = client.get(query + "&lang=zh")
    assert zh.status_code == 400 and "请选择一项。" in text(zh)
    assert tariff_codes(text(en)) == []


def test_home_page_and_navigation_lead_to_the_bill_page(client):
    page = text(client.get("/?lang=en"))
    assert re.search(r'<a class="action-button" href="/fees/bill">Work out or check my bill</a>',
                     page)
    assert re.search(r'<a href="/fees/bill"[^>]*>My bill</a>',
                     page.split("</header>")[0])


# The calculator ----------------------------------------------------------------------------

def test_calculator_bills_this_bill_cumulatively(client):
    response = client.get("/tariffs/RES-TIER-ZJ/bill?kwh=200&previous_kwh=2700&lang=en")
    assert response.status_code == 200
    page = text(response)
    assert "Your bill: CN¥114.60" in page
    assert "counted on from the 2,700 kWh used earlier in the tariff year, up to 2,900" \
        in page
    assert "Energy (tier 1)" in page and "Energy (tier 2)" in page


def test_calculator_asks_for_the_consumption_earlier_in_the_year(client):
    page = text(client.get("/tariffs/RES-TIER-ZJ/bill?lang=en"))
    assert 'name="previous_kwh"' in page and 'name="months"' not in page
    assert "year-to-date consumption" in page  # the hint says where to find it on a bill
    response = client.get("/tariffs/RES-TIER-ZJ/bill?kwh=200&lang=en")
    assert response.status_code == 400
    assert "Enter the consumption earlier in the tariff year" in text(response)
    assert '<a href="#previous_kwh">' in text(response)


def test_calculator_of_other_tariffs(client):
    monthly = text(client.get("/tariffs/GEN-CI-LV/bill?kwh=100&months=2&lang=en"))
    assert 'name="months"' in monthly and 'name="previous_kwh"' not in monthly
    assert "CN¥81.20" in monthly  # 100 x 0.712 + 2 x 5
    shared = client.get("/tariffs/RES-SHARED-ZJ/bill?kwh=100&previous_kwh=5&lang=en")
    assert shared.status_code == 400 and "do not count per year" in text(shared)
    two_part = text(client.get("/tariffs/LI-DEM-10KV/bill?lang=en"))
    assert 'name="demand_kw"' in two_part and 'name="months"' in two_part


# The API ------------------------------------------------------------------------------------

def test_api_bill_with_consumption_earlier_in_the_year(client):
    bill = client.get("/api/v1/tariffs/RES-TIER-ZJ/bill?kwh=200&previous_kwh=2700").json
    assert bill["total"] == "114.60"
    assert [(line["quantity"], line["amount"]) for line in bill["lines"]] == [
        ("60.0000", "32.28"), ("140.0000", "82.32")]
    assert (bill["previous_kwh"], bill["year_to_date_kwh"]) == ("2700.0000", "2900.0000")
    printed = client.get("/api/v1/tariffs/RES-TIER-ZJ/bill?kwh=200&year_to_date_kwh=2900").json
    assert printed["lines"] == bill["lines"]
    tou = client.get("/api/v1/tariffs/RES-TOU-ZJ/bill?peak_kwh=120&valley_kwh=80"
                     "&previous_kwh=2700").json
    assert tou["total"] == "98.20"
    flat = client.get("/api/v1/tariffs/RES-SHARED-ZJ/bill?kwh=100").json
    assert flat["previous_kwh"] is None and flat["total"] == "55.80"


@pytest.mark.parametrize(("query", "parameter"), [
    ("kwh=200&previous_kwh=-1", "previous_kwh"),
    ("kwh=200&previous_kwh=lots", "previous_kwh"),
    ("kwh=200&previous_kwh=1e30", "previous_kwh"),
    ("kwh=200&year_to_date_kwh=199", "year_to_date_kwh"),
    ("kwh=200&previous_kwh=2700&year_to_date_kwh=2900", "year_to_date_kwh"),
])
def test_api_refuses_unusable_consumption_earlier_in_the_year(client, query, parameter):
    response = client.get(f"/api/v1/tariffs/RES-TIER-ZJ/bill?{query}&lang=en")
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == parameter
    assert response.json["error"]["message"]


@pytest.mark.parametrize("code", ["RES-SHARED-ZJ", "GEN-CI-LV"])
def test_api_refuses_previous_consumption_where_tiers_do_not_count_per_year(client, code):
    response = client.get(f"/api/v1/tariffs/{code}/bill?kwh=10&previous_kwh=100&lang=en")
    assert response.status_code == 400 and response.json["error"]["parameter"] == "previous_kwh"
    assert "do not count per year" in response.json["error"]["message"]


# Check my bill ------------------------------------------------------------------------------

CHECK = "/fees/check?tariff=RES-TIER-ZJ&lang=en"
BILL = {"bill_date": "2025-06-01", "kwh": "200", "year_to_date_kwh": "2900"}


def test_check_asks_what_the_bill_says_for_the_tariff(client):
    page = text(client.get(CHECK))
    for name in ("kwh", "year_to_date_kwh", "energy_amount"):
        assert f'name="{name}"' in page
    assert 'name="previous_kwh"' not in page and 'name="months"' not in page
    chooser = text(client.get("/fees/check?lang=en"))
    assert 'name="energy_amount"' not in chooser and '<select id="tariff" name="tariff">' in chooser


def test_matching_electricity_charge(client):
    response = post_form(client, CHECK, {**BILL, "energy_amount": "114.60"})
    assert response.status_code == 200
    page = text(response)
    assert "All charges match the published standards" in page
    assert "Matches the published standard" in page
    assert "Energy (tier 1)" in page and "60.00" in page and "140.00" in page
    assert "complaints/new" not in page


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity", "1.234"])
def test_a_printed_charge_that_is_no_amount_is_explained(client, amount):
    """The refused amount was still compared with the bill (NaN: a server error)."""
    response = post_form(client, CHECK, {**BILL, "energy_amount": amount})
    assert response.status_code == 400
    assert "Please correct the following:" in text(response)


def test_overcharged_electricity_leads_to_a_prefilled_complaint(client):
    response = post_form(client, CHECK, {**BILL, "energy_amount": "130.00"})
    assert response.status_code == 200
    page = text(response)
    assert "1 charge looks wrong" in page and "More than the published tariff gives" in page
    assert "the bill asks CN¥15.40 more" in page
    link = html.unescape(re.search(r'href="(/complaints/new\?[^"]+)"', page).group(1))
    query = parse_qs(urlsplit(link).query)
    assert query["category"] == ["BIZ-BILL"]
    assert query["subject"] == ["My electricity bill does not match the published tariff"]
    description = query["description"][0]
    # The tariff by its name, the overcharge in words, whole kWh without decimals.
    assert "CN¥130.00" in description and "RES-TIER-ZJ" not in description
    assert "Residential" in description and "the bill asks CN¥15.40 more" in description
    assert "200 kWh" in description and "year-to-date 2,900 kWh" in description
    assert query["occurred_on"] == ["2025-06-01"]  # the bill's date
    form = text(client.get(link))
    assert 'value="2025-06-01"' in form
    assert '<option selected value="BIZ-BILL">' in form or 'value="BIZ-BILL" selected' in form
    assert "My electricity bill does not match the published tariff" in form


def test_undercharged_electricity_is_shown_but_not_flagged(client):
    page = text(post_form(client, CHECK, {**BILL, "energy_amount": "100.00"}))
    assert "Less than the published tariff gives" in page
    assert "The electricity charge differs from the published tariff" in page  # not "all match"
    assert "complaints/new" not in page


def test_electricity_and_service_charges_together(client):
    page = text(post_form(client, CHECK, {**BILL, "energy_amount": "130.00",
                                          "rows-0-fee": "TEMP-CONN", "rows-0-amount": "200"}))
    assert "2 charges look wrong" in page
    assert "category=BIZ-BILL" in page  # the electricity charge decides the category


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"energy_amount": "114.60", "year_to_date_kwh": "2900"}, "kwh", "This value is required."),
    ({"kwh": "200", "year_to_date_kwh": "2900"}, "energy_amount", "This field is required."),
    ({"kwh": "200", "energy_amount": "114.60"}, "year_to_date_kwh",
     "Enter the consumption earlier in the tariff year"),
    ({"kwh": "200", "year_to_date_kwh": "150", "energy_amount": "1"}, "year_to_date_kwh",
     "cannot be less than this bill"),
    ({"kwh": "-2", "year_to_date_kwh": "150", "energy_amount": "1"}, "kwh",
     "The value cannot be negative."),
])
def test_bad_electricity_input_is_a_400_on_its_field(client, data, field, message):
    response = post_form(client, CHECK, {"bill_date": "2025-06-01", **data})
    assert response.status_code == 400
    page = text(response)
    assert message in page and f'<a href="#{field}">' in page
    assert 'id="findings-title"' not in page


def test_unknown_tariff_is_refused(client):
    response = client.get("/fees/check?tariff=NOPE&lang=en")
    assert response.status_code == 400 and "There is no tariff with this code." in text(response)


def test_tariff_not_in_force_on_the_bill_date(client):
    response = post_form(client, CHECK, {**BILL, "bill_date": "2001-01-01",
                                         "energy_amount": "1"})
    assert response.status_code == 400
    assert "No version of this tariff was in force on 2001-01-01." in text(response)


def test_the_empty_form_error_belongs_to_the_charge_rows(client):
    response = post_form(client, "/fees/check?lang=en", {"bill_date": "2025-06-01"})
    assert response.status_code == 400
    page = text(response)
    summary = page.split('class="error-summary"')[1].split("</ul>")[0]
    assert '<a href="#rows">Charge: Enter at least one charge from your bill.</a>' in summary
    assert 'id="bill_date-error"' not in page
    rows = re.search(r'<fieldset class="charge-rows field-error" id="rows"[^>]*>', page).group(0)
    assert 'aria-describedby="rows-error"' in rows
    assert '<p class="error-message" id="rows-error">Enter at least one charge' in page


def test_check_a_two_part_bill(client):
    url = "/fees/check?tariff=LI-CAP-10KV&lang=en"
    page = text(client.get(url))
    for name in ("peak_kwh", "flat_kwh", "valley_kwh", "capacity_kva", "months"):
        assert f'name="{name}"' in page
    assert 'name="year_to_date_kwh"' not in page
    response = post_form(client, url, {
        "bill_date": "2025-06-01", "peak_kwh": "1000", "flat_kwh": "2000", "valley_kwh": "3000",
        "capacity_kva": "400", "months": "2", "energy_amount": "22322.60"})
    assert response.status_code == 200
    assert "Matches the published standard" in text(response)
    assert "Basic charge on capacity" in text(response)


def test_each_tariffs_buttons_are_named_after_it(client):
    """Two cards both offered "Work out my bill": read out as a list of links, the same name
    twice. Each button also names its tariff (for screen readers)."""
    page = text(client.get("/fees/bill?customer_class=large_industrial&lang=en"))
    names = [re.sub(r"<[^>]+>", "", label) for label in re.findall(
        r'<a class="button[^"]*" href="/(?:tariffs|fees)/[^"]*">(.*?)</a>', page)]
    assert len(names) == 4 and len(set(names)) == 4, names
    assert all("Large industrial" in name for name in names)


def test_the_calculator_passes_what_was_typed_on_to_check_my_bill(client):
    """The link to "check my bill" dropped the kWh, and the two pages ask for the year's
    consumption differently (before this bill / with it): the check gets the year-to-date."""
    page = text(client.get("/tariffs/RES-TIER-ZJ/bill?kwh=200&previous_kwh=2700"
                           "&on=2025-06-01&lang=en"))
    link = html.unescape(re.search(r'href="(/fees/check\?[^"]+)"', page).group(1))
    query = parse_qs(urlsplit(link).query)
    assert query["kwh"] == ["200"] and query["year_to_date_kwh"] == ["2900"]
    assert query["bill_date"] == ["2025-06-01"] and query["tariff"] == ["RES-TIER-ZJ"]
    check = text(client.get(link))
    assert re.search(r'name="kwh"[^>]*value="200"', check)
    assert re.search(r'name="year_to_date_kwh"[^>]*value="2900"', check)
    assert re.search(r'name="bill_date"[^>]*value="2025-06-01"', check)


def test_check_my_bill_starts_on_today_without_a_date_given(client):
    page = text(client.get("/fees/check?lang=en&bill_date=not-a-date"))
    assert re.search(r'name="bill_date"[^>]*value="\d{4}-\d{2}-\d{2}"', page)
