"""The statistics' pages: the dashboard with its filters as permalinks, the districts month by
month, embeddable charts (and only they may be framed), the methodology, the data dictionary;
a small count shown as "<5" and never as itself; mistakes answered 400 with the form."""

from __future__ import annotations

import html
import json
import re

import pytest

from portal.stats import catalogue, figures, opendata, panels
from tests.stats.conftest import CJK, shared_stats_app

shared_app = pytest.fixture(scope="module", name="shared_app")(shared_stats_app)


@pytest.fixture
def app(shared_app):
    """Every test of this module reads the one database (the figures of ``CASES``)."""
    return shared_app


ROW = re.compile(r'<tr role="row"><th role="rowheader" scope="row">(.*?)</th>'
                 r'<td role="cell"[^>]*>(.*?)</td>', re.S)
TAG = re.compile(r"<[^>]+>")


def _page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _section(page, code):
    """The panel ``code`` of the dashboard (from its heading to the end of its section)."""
    start = page.index(f'id="title-{code}"')
    return page[start:page.index("</section>", start)]


def _table(section):
    """{row header: the first cell as text} of the table in a piece of page."""
    return {TAG.sub("", header).strip(): html.unescape(TAG.sub("", cell)).strip()
            for header, cell in ROW.findall(section)}


def _chart(section):
    """The chart's spec (the figures the browser draws)."""
    found = re.search(r'data-chart="([^"]+)"', section)
    assert found, "no chart"
    return json.loads(html.unescape(found.group(1)))


def _selected(page, name):
    select = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select
    return re.findall(r'<option selected value="([^"]*)"', select.group(1))


# The dashboard -------------------------------------------------------------------------------

def test_the_dashboard_shows_the_last_quarter_published(client):
    page = _page(client, "/stats/?lang=en")
    assert _selected(page, "period") == ["2026-Q2"]
    assert _table(_section(page, "categories"))["Service fees, including unauthorised charges"] \
        == "14"
    trend = page[page.index('id="trend-title"'):]
    shown = _table(trend[:trend.index("</section>")])
    # each month's total as it is, or hidden by complementary suppression (never small)
    assert {month: value in (true, "hidden") for (month, value), true
            in zip(shown.items(), ("6", "6", "8"), strict=True)} == {
        "April 2026": True, "May 2026": True, "June 2026": True}
    # every period published can be chosen, newest first; none that is not
    options = re.findall(r'<option (?:selected )?value="(20[^"]+)"', page)
    assert options == ["2026-07", "2026-06", "2026-05", "2026-04", "2026-03", "2026-02",
                       "2026-01", "2025-12", "2025-11", "2026-Q2", "2026-Q1", "2025-Q4",
                       "2025"]
    assert re.search(r"Extracted Sep 10, 2026, 10:00\s?AM\.", page)


def test_a_small_count_shows_as_below_k_and_never_as_itself(client):
    """May 2026: one case of grid construction, four of service fees, one of bills."""
    section = _section(_page(client, "/stats/?period=2026-05&lang=en"), "categories")
    rows = _table(section)
    for name in ("Grid construction", "Bills and tariffs",
                 "Service fees, including unauthorised charges"):
        assert rows[name] == "<5"
    assert '<abbr title="fewer than 5 cases">&lt;5</abbr>' in section
    chart = _chart(section)["data"][0]
    labels = chart["y"]
    grid = labels.index("Grid construction")
    assert chart["x"][grid] == 0 and chart["text"][grid] == "<5"  # no bar, its mark
    # neither the table, the chart nor the links give a count of 1, 4 or 6
    assert {value for value in chart["x"] if value} == set()
    assert not re.search(r">\s*[146]\s*<", section)


def test_filters_are_permalinks_and_show_as_chosen(client):
    page = _page(client, "/stats/?period=2026-Q2&type=complaint&district=EAST&lang=en")
    assert _selected(page, "period") == ["2026-Q2"]
    assert _selected(page, "type") == ["complaint"]
    assert _selected(page, "district") == ["EAST"]
    assert _selected(page, "category") == [""] or _selected(page, "category") == []
    # the form asks again by GET, to the same address
    assert re.search(r'<form method="get" class="filters"[^>]*action="/stats/"', page)
    # the panel by category is narrowed to the filters (its table: type x category x
    # district, published by year only), the one by district keeps every district
    assert "published only for periods of a year" in _section(page, "categories")
    districts = _section(page, "districts")
    assert "/api/v1/stats/complaints?group_by=district&amp;period=2026-Q2&amp;type=complaint" \
        in districts
    assert set(_table(districts)) == {label for _, label in _vocabulary(client, "district")}
    # each panel's embed address keeps the filters and the language; a panel that shows
    # nothing offers nothing to embed
    embed = re.search(r'&lt;iframe src="([^"]*/stats/embed/districts[^"]*)"', districts).group(1)
    assert set(embed.split("?")[1].split("&amp;")) == {"lang=en", "period=2026-Q2",
                                                       "type=complaint"}
    assert "&lt;iframe" not in _section(page, "categories")


def _vocabulary(client, dim):
    data = client.get("/api/v1/stats/catalogue?lang=en").get_json()
    found = next(d for d in data["dimensions"] if d["name"] == dim)
    return [(v["code"], v["name"]) for v in found["values"]]


def test_a_filtered_panel_matches_the_open_data(client):
    page = _page(client, "/stats/?period=2025&type=complaint&lang=en")
    rows = _table(_section(page, "categories"))
    data = client.get("/api/v1/stats/complaints?group_by=category&type=complaint&period=2025"
                      "&lang=en").get_json()
    for row in data["rows"]:
        shown = rows[row["category_name"]]
        if row["count"] is not None:
            assert shown == str(row["count"])
        else:
            assert shown == ("<5" if row["below_k"] else "hidden")


@pytest.mark.parametrize(("query", "field", "message"), [
    ("period=2026-13", "period", "Write the period as 2026, 2026-Q3 or 2026-07"),
    ("period=abc", "period", "Write the period as 2026, 2026-Q3 or 2026-07"),
    ("period=2026-04..2026-06", "period", "Choose one period"),
    ("period=2026-08", "period", "No figures are published for 2026-08"),
    ("period=2027", "period", "No figures are published for 2027"),
    ("type=nonsense", "type", "Unknown value “nonsense” for Type (type)"),
    ("category=NOPE", "category", "Unknown value “NOPE” for Category (category)"),
    ("district=ATLANTIS", "district", "Unknown value “ATLANTIS” for District (district)"),
])
def test_a_value_the_statistics_do_not_know_is_a_400_with_the_form(client, query, field,
                                                                    message):
    page = _page(client, f"/stats/?{query}&lang=en", 400)
    assert 'class="error-summary"' in page
    assert f'<a href="#{field}">' in page and message in page
    assert re.search(rf'<select aria-describedby="{field}-error" aria-invalid="true"', page)
    assert '<form method="get" class="filters"' in page
    assert 'id="title-categories"' not in page  # no figures for a request it cannot read


def test_a_mistake_on_the_districts_page_is_a_400_with_the_form(client):
    page = _page(client, "/stats/districts?period=2026-Q5&lang=en", 400)
    assert "Write the period as 2026, 2026-Q3 or 2026-07" in page
    assert '<form method="get" class="filters"' in page


def test_a_mistake_is_explained_in_chinese(client):
    page = _page(client, "/stats/?type=nonsense&lang=zh_Hans_CN", 400)
    message = re.search(r'<p class="error-message" id="type-error">(.*?)</p>', page).group(1)
    assert "nonsense" in message and CJK.search(message)
    assert "类型（type）" in message  # the dimension's name, not its code alone


def test_three_filters_leave_the_dashboard_up_with_a_note_on_each_panel(client):
    """Type, category and district together are crossed by year only: a quarter's panels say
    so one by one, the page itself is no error."""
    page = _page(client, "/stats/?period=2026-Q2&type=complaint&category=BIZ-FEE"
                         "&district=CENTRAL&lang=en")
    assert 'class="error-summary"' not in page
    assert page.count('class="notice-unavailable"') >= 3


def test_the_districts_page_reads_only_its_period(client):
    """It has no filters: one in its address is refused, not checked as if it applied."""
    page = _page(client, "/stats/districts?period=2026-Q2&type=nonsense&lang=en", 400)
    assert "This page cannot narrow or group the figures by Type (type)" in page


# Districts, embeds, methodology, data dictionary ---------------------------------------------

def test_the_districts_month_by_month(client):
    page = _page(client, "/stats/districts?lang=en")
    assert _selected(page, "period") == ["2026-Q2"]
    for code, name in _vocabulary(client, "district"):
        assert f'<h2 id="district-{code}">{name}</h2>' in page
    assert "412,000 customers" in page
    beishan = page[page.index('id="district-BEISHAN"'):]
    beishan = beishan[:beishan.index("</section>")]
    assert _table(beishan) == {"April 2026": "0", "May 2026": "<5", "June 2026": "0"}
    page = _page(client, "/stats/districts?period=2025&lang=en")
    east = page[page.index('id="district-EAST"'):]
    assert list(_table(east[:east.index("</section>")])) == [
        "January 2025", "February 2025", "March 2025", "April 2025", "May 2025", "June 2025",
        "July 2025", "August 2025", "September 2025", "October 2025", "November 2025",
        "December 2025"][10:]  # only the months published: from the first case on


@pytest.mark.parametrize("code", [*panels.KINDS, "trend"])
def test_every_chart_can_be_embedded_by_other_sites(client, code):
    client.get(f"/stats/embed/{code}?period=2025&lang=en")
    response = client.get(f"/stats/embed/{code}?period=2025&lang=en")  # the kept page
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "frame-ancestors 'none'" not in policy
    assert "X-Frame-Options" not in response.headers
    page = response.get_data(as_text=True)
    assert "CC BY 4.0" in page and "Extracted Sep 10, 2026" in page  # source, licence, time
    assert "<header" not in page  # the chart alone, without the portal's navigation
    assert '<base target="_top">' in page  # its links leave the frame for the reader's window


@pytest.mark.parametrize("url", ["/stats/", "/stats/districts", "/stats/methodology",
                                 "/stats/data-dictionary", "/stats/?period=nonsense"])
def test_the_other_pages_may_not_be_framed(client, url):
    response = client.get(url)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_embed_with_a_mistake_is_a_400_that_may_still_be_framed(client):
    response = client.get("/stats/embed/categories?period=2026-13&lang=en")
    assert response.status_code == 400
    assert "Write the period as" in response.get_data(as_text=True)
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("code", ["nonsense", "CATEGORIES", "categories.js", "total"])
def test_an_unknown_chart_is_a_404(client, code):
    response = client.get(f"/stats/embed/{code}")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_methodology_gives_k_and_the_time_zone(client):
    page = _page(client, "/stats/methodology?lang=en")
    assert "The smallest count published as it is, k, is 5." in page
    assert "Asia/Shanghai" in page
    # the months covered, not a count of cases that would include the month in course
    assert "cover the complaints registered from November 2025 to July 2026" in page
    assert "40" not in page and "38" not in page
    assert page.count('<tr role="row"><th role="rowheader"') == len(catalogue.TABLES)


@pytest.mark.parametrize("lang", ["en", "zh_Hans_CN"])
def test_the_data_dictionary_lists_every_column_and_code(client, lang):
    page = _page(client, f"/stats/data-dictionary?lang={lang}")
    columns = set(opendata.columns(tuple(catalogue.DIMENSIONS))) | set(opendata.TIME_COLUMNS)
    for column in columns:
        assert f'<code translate="no">{column}</code>' in page, column
    for dim in catalogue.DIMENSIONS:
        caption = page[page.index(f'<caption id="codes-{dim}">'):]
        table = caption[:caption.index("</table>")]
        codes = re.findall(r'<th role="rowheader" scope="row"><code translate="no">([^<]+)'
                           r'</code></th>', table)
        with client.application.test_request_context(f"/?lang={lang}"):
            expected = figures.vocabulary(dim)
        assert codes == [html.escape(code) for code, _ in expected], dim
        assert [html.unescape(TAG.sub("", name)) for name in re.findall(
            r'<td role="cell" data-label="[^"]*">(.*?)</td>', table)] == [
            name for _, name in expected], dim


@pytest.mark.parametrize("url", ["/stats/", "/stats/methodology", "/stats/data-dictionary",
                                 "/stats/districts", "/stats/embed/categories"])
@pytest.mark.parametrize("lang", ["en", "zh_Hans_CN"])
def test_the_sign_of_a_small_count_is_text_not_a_tag(client, url, lang):
    """"<5" and "<k" in a sentence are escaped: a raw "<k" opens a tag that swallows the rest
    of the sentence."""
    page = _page(client, f"{url}?lang={lang}")
    assert not re.search(r"<(?![a-zA-Z/!])", page.replace("<-", "")), \
        re.findall(r".{30}<(?![a-zA-Z/!]).{10}", page)
    assert not re.search(r"<k\b", page)


def test_a_period_that_holds_only_some_of_its_months_says_so(client):
    """The first case is from November 2025: the year 2025 and its last quarter are partial."""
    page = _page(client, "/stats/?lang=en")
    assert ">Year 2025 (from November 2025)</option>" in page
    assert ">Q4 2025 (from November 2025)</option>" in page
    assert ">Q2 2026</option>" in page and ">December 2025</option>" in page
    # the first month too: its first case came on the 3rd
    assert ">November 2025 (from Nov 3, 2025)</option>" in page
    assert "（2025年11月起）</option>" in _page(client, "/stats/?lang=zh_Hans_CN")


def test_the_trend_links_to_its_figures_without_an_empty_parameter(client):
    page = _page(client, "/stats/?lang=en")
    assert "group_by=&" not in page and "group_by=\"" not in page


def test_suppressed_counts_are_explained_beside_their_table(client):
    page = _page(client, "/stats/?period=2026-Q2&lang=en")
    section = _section(page, "categories")
    assert "“&lt;5”: fewer than 5 cases" in section
    assert "Why</a>" in section


def test_a_share_says_out_of_how_many_cases():
    from portal.stats.figures import Figure

    def figure(value, count):
        return Figure("2026-Q2", {"deadline": value}, {"deadline": value}, count, "published")

    found = [figure("met", 30), figure("late", 8), figure("overdue", 2), figure("none", 5)]
    assert panels.share(found, "deadline", ("met",), ("met", "late", "overdue"), 5) == (
        0.75, 40)
    found[1] = figure("late", None)
    assert panels.share(found, "deadline", ("met",), ("met", "late", "overdue"), 5) is None


def test_the_dashboard_says_when_its_figures_were_extracted_and_in_which_time_zone(client):
    page = _page(client, "/stats/?lang=en")
    assert re.search(r"Figures extracted Sep 10, 2026, 10:00\W+AM \(China Time\)", page)
    assert "数据提取于2026年9月10日 10:00（中国时间）" in _page(client, "/stats/?lang=zh_Hans_CN")


def test_captions_and_embeds_name_the_filters(client):
    page = _page(client, "/stats/?period=2026-Q2&district=EAST&lang=en")
    assert "Cases by category (Q2 2026 · East District)</caption>" in page
    assert "Cases by month (East District)</caption>" in page
    embed = _page(client, "/stats/embed/categories?period=2026-Q2&district=EAST&lang=en")
    assert "<h1>Cases by category (Q2 2026 · East District)</h1>" in embed
    assert '<details class="figures-table">' in embed  # folded: the chart and its source fit
    page = _page(client, "/stats/?period=2026-Q2&district=EAST&lang=zh_Hans_CN")
    assert "（2026年第2季度 · 东城区）</caption>" in page


def test_the_times_say_when_they_are_not_narrowed_by_the_filters(client):
    assert "whatever the filters above" not in _page(client, "/stats/?period=2026-Q2&lang=en")
    page = _page(client, "/stats/?period=2026-Q2&district=EAST&lang=en")
    assert "These times cover every case of the period, whatever the filters above" in page


def test_a_download_is_named_for_its_filters(client):
    response = client.get("/api/v1/stats/complaints.csv?group_by=category&period=2025"
                          "&district=EAST&type=complaint")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=complaints_type-category-district_2025_type-complaint"
        "_district-EAST_extracted-20260910T0200Z.csv")


def test_a_view_can_be_cited_with_its_permanent_address(client):
    page = _page(client, "/stats/?period=2026-Q2&district=EAST&_external=1&lang=en")
    citation = re.search(r'<p class="small citation">(.*?)</p>', page).group(1)
    assert "http://localhost/stats/?period=2026-Q2&amp;district=EAST" in citation
    assert "(China Time)" in citation and "CC BY 4.0" in citation
    assert 'href="/stats/data-dictionary#snapshots"' in citation


def test_the_data_dictionary_lists_the_snapshots(client):
    page = _page(client, "/stats/data-dictionary?lang=en")
    assert 'id="snapshots"' in page
    assert 'href="/api/v1/stats/snapshots/2026-07.zip" download>July 2026</a>' in page


def test_the_districts_share_one_scale(client):
    from portal.stats.figures import Figure

    def trend(*counts):
        found = [Figure(f"2026-0{n}", {}, {}, c, "published" if c else "hidden")
                 for n, c in enumerate(counts, 1)]
        return panels.Trend([], found, {"layout": {"yaxis": {}}}, None, {})

    trends = [trend(120, 80), trend(7, None), trend(None, None)]
    panels.same_scale(trends)
    assert {str(t.chart["layout"]["yaxis"]["range"]) for t in trends} == {"[0, 132.0]"}
    assert "Every chart has the same scale" in _page(client, "/stats/districts?lang=en")


@pytest.mark.parametrize(("url", "message"), [
    ("/stats/?status=closed", "This page cannot narrow or group the figures by Status (status)"),
    ("/stats/?group_by=type", "This page cannot narrow or group the figures by group_by"),
    ("/stats/?period=2026-Q2&period=2026-Q1", "Choose one value for period."),
    ("/stats/?district=EAST&district=CENTRAL", "Choose one value for District (district)."),
    ("/stats/districts?category=BIZ-FEE", "cannot narrow or group the figures by Category"),
    ("/stats/embed/categories?period=2026-Q2&period=2026-Q1", "Choose one value for period."),
])
def test_a_filter_the_page_cannot_apply_is_refused_not_ignored(client, url, message):
    page = _page(client, f"{url}&lang=en", 400)
    assert message in page


def test_other_parameters_of_a_shared_link_are_left_alone(client):
    _page(client, "/stats/?period=2026-Q2&utm_source=newsletter&lang=en")
