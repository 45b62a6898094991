"""The public case list is paginated and costs the same number of queries at any length."""

from __future__ import annotations

import re

import pytest

from portal.complaints import services
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import FILING
from tests.conftest import count_statements


def _publish(app, count):
    with app.app_context():
        for index in range(count):
            receipt = services.submit_complaint(services.Filing(**FILING), f"list-{index}",
                                                utcnow())
            receipt.complaint.consent_publish = True
            services.approve_summary(receipt.complaint, None, "营业厅收取临时接电费 200 元。",
                                     utcnow())
        db.session.commit()


@pytest.mark.parametrize("rows", [10, 500])
def test_the_list_page_costs_the_same_queries_at_any_length(app, client, rows):
    _publish(app, rows)
    client.get("/complaints/public")  # categories and districts are read once per process
    queries, page = count_statements(app, client, "/complaints/public?lang=en")
    # The page and its count, the events, categories and districts of the page's cases, and
    # the counts per category, district, status and month (the months' range, then one GROUP BY),
    # and the public-changes counter that the page cache reads.
    assert queries <= 11, queries
    assert f"{rows} cases" in page
    assert page.count('class="case-card"') == min(rows, 20)


def test_every_case_can_be_reached_page_by_page(app, client):
    _publish(app, 45)
    first = client.get("/complaints/public?lang=en&category=BIZ-FEE").get_data(as_text=True)
    assert "Page 1 of 3" in first and 'rel="prev"' not in first
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "category=BIZ-FEE" in next_link and "page=2" in next_link
    last = client.get("/complaints/public?lang=en&page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last and last.count('class="case-card"') == 5
    assert 'rel="next"' not in last and 'rel="prev"' in last


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999999999", "4"])
def test_odd_page_numbers_show_a_page_not_an_error(app, client, page):
    _publish(app, 3)
    response = client.get(f"/complaints/public?lang=en&page={page}")
    assert response.status_code == 200


def test_event_times_are_valid_html_datetimes(app, client):
    _publish(app, 1)
    page = client.get("/complaints/public").get_data(as_text=True)
    stamps = re.findall(r'<time datetime="([^"]+)"', page)
    assert stamps
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stamp) for stamp in stamps)
