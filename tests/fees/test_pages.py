"""Public pages of the fee standards, in both languages, with bad input."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import csrf_token, post_form


def text(response):
    return response.get_data(as_text=True)


@pytest.mark.usefixtures("demo_fees")
class TestTariffPages:
    def test_index_groups_tariffs_by_customer_class(self, client):
        page = text(client.get("/tariffs/?lang=en"))
        for heading in ("Residential", "Agricultural", "General commercial and industrial",
                        "Large industrial"):
            assert f">{heading}</h2>" in page
        assert "Residential tiered tariff (individually metered, outside Beishan County)" in page
        assert "居民阶梯电价（一户一表，北山县以外）" in text(client.get("/tariffs/?lang=zh"))

    def test_tariff_page_shows_the_current_version_with_legal_basis_and_chart(self, client):
        page = text(client.get("/tariffs/RES-TIER-ZJ?lang=en"))
        assert "0.5380" in page and "0.5880" in page and "0.8380" in page
        assert "up to 2,760 kWh per year" in page and "above 4,800 kWh per year" in page
        assert "示范价〔2012〕15号" in page
        assert 'data-chart="' in page and "/vendor/plotly.min.js" in page

    def test_english_name_falls_back_to_chinese(self, app, client, make_tariff):
        from portal.extensions import db
        from portal.fees import services

        make_tariff("ZH-ONLY")
        with app.app_context():
            services.get_tariff("ZH-ONLY").name_en = None
            db.session.commit()
        assert "测试 ZH-ONLY" in text(client.get("/tariffs/ZH-ONLY?lang=en"))

    def test_version_as_in_force_on_a_date(self, client):
        old = text(client.get("/tariffs/RES-TIER-BJ?on=2020-05-01&lang=en"))
        assert "0.4783" in old and "2,640" in old
        new = text(client.get("/tariffs/RES-TIER-BJ?on=2024-01-01&lang=en"))
        assert "0.4883" in new and "2,880" in new

    def test_date_before_the_tariff_existed(self, client):
        response = client.get("/tariffs/RES-TIER-BJ?on=2001-01-01&lang=en")
        assert response.status_code == 404
        assert "No version of this tariff was in force on 2001-01-01." in text(response)

    @pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "2024-02-30"])
    def test_malformed_date_is_a_translated_400(self, client, value):
        response = client.get(f"/tariffs/RES-TIER-BJ?on={value}&lang=zh")
        assert response.status_code == 400
        assert "YYYY-MM-DD" in text(response)

    def test_unknown_tariff_is_404(self, client):
        assert client.get("/tariffs/NOPE").status_code == 404
        assert client.get("/tariffs/RES-TIER-BJ/versions/9").status_code == 404

    def test_history_and_comparison(self, client):
        history = text(client.get("/tariffs/RES-TIER-BJ/history?lang=en"))
        assert "Compare two versions" in history
        tariff = text(client.get("/tariffs/RES-TIER-BJ?lang=en"))
        assert 'href="/tariffs/RES-TIER-BJ/history">Compare versions</a>' in tariff
        page = text(client.get("/tariffs/RES-TIER-BJ/compare?a=1&b=2&lang=en"))
        assert "Upper limit of tier 1" in page
        # Limits with the thousands separator, prices with their unit, dates as words.
        assert "<del>2,640 kWh</del>" in page and "<ins>2,880 kWh</ins>" in page
        assert "<del>0.4783 yuan/kWh</del>" in page and "<ins>0.4883 yuan/kWh</ins>" in page
        assert not re.search(r"<(del|ins)>\d{4}-\d{2}-\d{2}<", page)
        assert "Upper limit of tier 2" not in page  # 4800 in both

    def test_comparison_with_unknown_versions_is_400(self, client):
        response = client.get("/tariffs/RES-TIER-BJ/compare?a=1&b=7&lang=en")
        assert response.status_code == 400
        assert "Choose two published versions to compare." in text(response)

    def test_calculator_page(self, client):
        page = text(client.get("/tariffs/RES-TIER-ZJ/bill?kwh=2761&previous_kwh=0&lang=en"))
        assert "Your bill: CN¥1,485.47" in page
        assert "Energy (tier 2)" in page

    def test_calculator_page_names_bad_input_in_both_languages(self, client):
        response = client.get("/tariffs/RES-TIER-ZJ/bill?kwh=-3&lang=en")
        assert response.status_code == 400
        assert "The value cannot be negative." in text(response)
        assert 'value="-3"' in text(response)  # what was typed is kept
        zh = client.get("/tariffs/RES-TIER-ZJ/bill?kwh=abc&lang=zh")
        assert zh.status_code == 400 and "请输入数字" in text(zh)

    def test_calculator_asks_for_the_right_quantities(self, client):
        tou = text(client.get("/tariffs/RES-TOU-ZJ/bill?lang=en"))
        assert 'name="peak_kwh"' in tou and 'name="valley_kwh"' in tou
        assert 'name="flat_kwh"' not in tou and 'name="kwh"' not in tou
        two_part = text(client.get("/tariffs/LI-DEM-10KV/bill?lang=en"))
        assert 'name="demand_kw"' in two_part and 'name="capacity_kva"' not in two_part

    def test_feed_is_valid_atom(self, client):
        response = client.get("/tariffs/feed.atom")
        assert response.mimetype == "application/atom+xml"
        root = ET.fromstring(response.data)
        ns = {"atom": "http://www.w3.org/2005/Atom"}
        entries = root.findall("atom:entry", ns)
        assert len(entries) >= 9
        titles = [entry.find("atom:title", ns).text for entry in entries]
        assert any(title.startswith("RES-TIER-BJ v2") for title in titles)


@pytest.mark.usefixtures("demo_fees")
class TestFeeItems:
    def test_fee_items_in_force(self, client):
        page = text(client.get("/fees/?lang=en"))
        assert "High-reliability supply fee" in page
        # The unit names the currency: not "CN¥270.00 yuan per kVA", nor "¥270.00 元/千伏安".
        assert '270.00 <span class="unit">yuan per kVA</span>' in page and "CN¥270" not in page
        zh = text(client.get("/fees/?lang=zh"))
        assert '270.00<span class="unit">元/千伏安</span>' in zh and "¥270" not in zh
        assert "Temporary connection fee" not in page

    def test_abolished_charges_with_date_and_refund_rule(self, client):
        page = text(client.get("/fees/abolished?lang=en"))
        assert "Temporary connection fee" in page
        assert "Abolished on December 1, 2017" in page
        assert "refunded in full" in page
        zh = text(client.get("/fees/abolished?lang=zh"))
        assert "临时接电费" in zh and "2017年12月1日" in zh


@pytest.mark.usefixtures("demo_fees")
class TestBillCheck:
    URL = "/fees/check?lang=en"

    def rows(self, *charges):
        data = {}
        for index, charge in enumerate(charges):
            for key, value in charge.items():
                data[f"rows-{index}-{key}"] = value
        return data

    def test_flags_abolished_unpublished_and_overcharged_items(self, client):
        data = {"bill_date": "2024-05-01", **self.rows(
            {"fee": "TEMP-CONN", "amount": "200"},
            {"name": "线路维护费", "amount": "30"},
            {"fee": "HIGH-REL", "quantity": "10", "amount": "3000"},
            {"name": "高可靠性供电费", "quantity": "10", "amount": "2700"},
        )}
        response = post_form(client, self.URL, data)
        assert response.status_code == 200
        page = text(response)
        assert "3 charges look wrong" in page
        assert "Abolished charge" in page and "Not in the published standards" in page
        assert "Above the published amount" in page
        assert "Matches the published standard" in page
        assert "BIZ-FEE" in page and "95598" in page

    def test_free_service_charged(self, client):
        data = self.rows({"fee": "REPAIR-UTILITY", "amount": "80"})
        page = text(post_form(client, self.URL, data))
        assert "This service is free" in page

    def test_charge_before_abolition_is_allowed(self, client):
        data = {"bill_date": "2017-11-30", **self.rows({"fee": "TEMP-CONN", "amount": "0"})}
        page = text(post_form(client, self.URL, data))
        assert "All charges match the published standards" in page

    @pytest.mark.parametrize(("rows", "message"), [
        ([{"fee": "TEMP-CONN"}], "This field is required."),
        ([{"amount": "20"}], "Choose the charge or type its name."),
        ([{"fee": "TEMP-CONN", "amount": "-5"}], "Enter an amount from 0 to 10,000,000."),
        ([{"fee": "TEMP-CONN", "amount": "lots"}], "Not a valid decimal value"),
        ([], "Enter at least one charge from your bill."),
    ])
    def test_bad_rows_are_explained_and_kept(self, client, rows, message):
        response = post_form(client, self.URL, self.rows(*rows))
        assert response.status_code == 400
        assert message in text(response)

    def test_row_errors_are_listed_one_per_field_with_its_label(self, client):
        response = post_form(client, "/fees/check?lang=zh", self.rows(
            {"fee": "HIGH-REL", "amount": "2700"},
            {"fee": "HIGH-REL", "quantity": "0", "amount": "lots"}))
        page = text(response)
        assert response.status_code == 400
        assert '<a href="#rows-1-quantity">收费项目 2 · 数量：请输入正数。</a>' in page
        assert '<a href="#rows-1-amount">收费项目 2 · 金额（元）：' in page
        assert "{" not in page.split('class="error-summary"')[1].split("</ul>")[0]

    def test_more_rows_without_javascript(self, client):
        page = text(post_form(client, self.URL, {"add_rows": "1", **self.rows(
            {"name": "kept", "amount": "1"})}))
        assert 'name="rows-4-amount"' in page and 'value="kept"' in page

    @pytest.mark.parametrize("key", ["rows-\u00b2-amount", "rows-" + "9" * 5000 + "-amount",
                                     "rows-\u0663-fee"])
    def test_a_forged_row_number_is_ignored_not_a_500(self, client, key):
        response = post_form(client, self.URL, {key: "1"})
        assert response.status_code == 400  # no row was given: "enter at least one charge"
        assert "Enter at least one charge from your bill." in text(response)

    def test_a_forged_charge_code_is_refused(self, client):
        response = post_form(client, self.URL, self.rows({"fee": "NOPE", "amount": "5"}))
        assert response.status_code == 400 and "Not a valid choice" in text(response)

    def test_row_messages_are_in_the_page_language(self, client):
        page = text(post_form(client, "/fees/check?lang=zh", self.rows(
            {"fee": "TEMP-CONN", "amount": "abc"}, {"name": "名" * 101, "amount": "1"})))
        assert "Not a valid decimal value" not in page and "cannot be longer" not in page
        assert "不是有效的小数" in page

    @pytest.mark.parametrize("query", ["", "&tariff=NOPE"])
    def test_a_charge_without_a_tariff_is_not_said_to_match(self, client, query):
        response = post_form(client, self.URL + query, {"energy_amount": "99999"})
        page = text(response)
        assert response.status_code == 400
        assert "All charges match" not in page and '<a href="#tariff">' in page

    def test_missing_csrf_token(self, client):
        response = client.post(self.URL, data=self.rows({"fee": "TEMP-CONN", "amount": "1"}))
        assert response.status_code == 400

    def test_page_offers_every_fee_item(self, client):
        token = csrf_token(client, self.URL)
        assert token
        page = text(client.get(self.URL))
        # Two rows to start with (four made the page long on a phone); "More rows" adds three.
        assert len(re.findall(r'<option value="TEMP-CONN"', page)) == 2


@pytest.mark.usefixtures("demo_fees")
def test_chart_pages_allow_only_plotlys_own_styles(client):
    csp = client.get("/tariffs/RES-TIER-ZJ").headers["Content-Security-Policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "'sha256-" not in client.get("/tariffs/").headers["Content-Security-Policy"]


def test_feed_stays_well_formed_with_control_characters(app, client, make_tariff):
    """Characters XML 1.0 forbids are left out of the feed, wherever they come from."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.fees.models import FeeItem, Tariff

    make_tariff("CTRL")
    with app.app_context():
        db.session.add(FeeItem(code="CTRL-FEE", name_zh="坏\x01名字", name_en="Bad\x0bname\x1f",
                               basis_number="示范\x02号", basis_title="测\x0c试"))
        db.session.execute(sa.update(Tariff).values(name_en="Tariff\x08 name"))
        db.session.commit()
    response = client.get("/tariffs/feed.atom?lang=en")
    root = ET.fromstring(response.data)  # raises on a character XML forbids
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    titles = [entry.find("atom:title", ns).text for entry in root.findall("atom:entry", ns)]
    summaries = [entry.find("atom:summary", ns).text for entry in root.findall("atom:entry", ns)]
    assert "CTRL-FEE: Badname (In force)" in titles
    assert "CTRL v1: Tariff name" in titles
    assert "测试 (示范号)" in summaries
    zh = ET.fromstring(client.get("/tariffs/feed.atom?lang=zh").data)
    assert any(entry.find("atom:title", ns).text.startswith("CTRL-FEE: 坏名字")
               for entry in zh.findall("atom:entry", ns))


def test_xml_safe_keeps_every_character_xml_allows():
    from portal.fees.feed import xml_safe

    allowed = "tab\t line\n return\r 中文 \ud7ff \ue000 \ufffd \U0001f600 \x7f"
    assert xml_safe(allowed) == allowed
    assert xml_safe("a\x00b\x01c\x08d\x0be\x0cf\x1fg\ud800h\ufffei\uffffj") == "abcdefghij"


def test_a_tariff_with_one_version_says_there_is_nothing_to_compare(client, make_tariff):
    make_tariff("ONE")
    response = client.get("/tariffs/ONE/compare?lang=en")
    assert response.status_code == 200
    assert "nothing to compare yet" in response.get_data(as_text=True)
    # Its page does not offer a comparison either, only the history.
    page = client.get("/tariffs/ONE?lang=en").get_data(as_text=True)
    assert "Compare versions" not in page and 'href="/tariffs/ONE/history">History</a>' in page


def test_abolished_charges_lead_to_the_bill_check_and_a_complaint(client):
    page = client.get("/fees/abolished?lang=en").get_data(as_text=True)
    assert 'href="/fees/check"' in page
    assert 'href="/complaints/new?category=BIZ-FEE"' in page


@pytest.mark.usefixtures("demo_fees")
def test_a_name_as_printed_that_matches_no_item_offers_the_close_ones(client):
    """A bill prints 表计校验费; the published (abolished) item is 电能表校验费."""
    data = {"bill_date": "2024-05-01", "rows-0-name": "表计校验费", "rows-0-amount": "50"}
    page = text(post_form(client, "/fees/check?lang=zh", data))
    assert "不在已发布的收费标准内" in page
    similar = page.split('<ul class="similar">')[1].split("</ul>")[0]
    assert "电能表校验费" in similar and "取消" in similar
    page = text(post_form(client, "/fees/check?lang=zh", {
        "bill_date": "2024-05-01", "rows-0-name": "线路维护费", "rows-0-amount": "30"}))
    assert '<ul class="similar">' not in page  # nothing close: nothing offered


@pytest.mark.usefixtures("demo_fees")
def test_the_charges_that_look_wrong_come_first_and_the_heading_counts_them(client):
    """An electricity charge below the tariff is no reason to complain, but is not 'all
    match' either; a charge that looks wrong is shown before it."""
    energy = {"bill_date": "2025-06-01", "peak_kwh": "120", "valley_kwh": "80",
              "year_to_date_kwh": "2900", "energy_amount": "50"}
    url = "/fees/check?tariff=RES-TOU-ZJ&lang=en"
    page = text(post_form(client, url, energy))
    assert "The electricity charge differs from the published tariff" in page
    assert "All charges match" not in page
    page = text(post_form(client, url, {**energy, "rows-0-fee": "TEMP-CONN",
                                        "rows-0-amount": "200"}))
    assert "1 charge looks wrong" in page and "is also less than the published tariff" in page
    assert page.index("Abolished charge") < page.index("Less than the published tariff gives")
