"""The filing wizard has one address per step; the blank form and old pages keep working."""

from __future__ import annotations

import re

from tests.complaints.conftest import form_fields
from tests.complaints.test_filing import GOOD, count, receipt_of, start


def test_each_step_has_its_own_address(client):
    form = client.get("/complaints/new?lang=en").get_data(as_text=True)
    assert 'action="/complaints/new/check"' in form
    checked = client.post("/complaints/new/check?lang=en", data={**start(client), **GOOD})
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "Check your complaint" in page
    assert 'action="/complaints/new/send"' in page
    assert re.search(r'formaction="/complaints/new/edit"', page)
    sent = client.post("/complaints/new/send?lang=en", data=form_fields(page))
    assert sent.status_code == 201 and receipt_of(sent)[0]


def test_a_form_opened_before_the_steps_had_addresses_is_checked(app, client):
    response = client.post("/complaints/new?lang=en", data={**start(client), **GOOD,
                                                            "check": "1"})
    assert response.status_code == 200
    assert "Check your complaint" in response.get_data(as_text=True)
    assert count(app) == 0


def test_links_from_other_pages_still_fill_in_the_form(client):
    page = client.get("/complaints/new?lang=en&category=BIZ-FEE&subject=%E8%B4%B9")
    assert page.status_code == 200 and 'value="费"' in page.get_data(as_text=True)


def test_sending_an_unchecked_form_is_refused(app, client):
    response = client.post("/complaints/new/send?lang=en", data={**start(client), **GOOD})
    assert response.status_code == 400 and count(app) == 0
    assert "Check your complaint" in response.get_data(as_text=True)


def test_edit_keeps_everything_and_writes_nothing(app, client):
    checked = client.post("/complaints/new/check?lang=en", data={**start(client), **GOOD})
    page = client.post("/complaints/new/edit?lang=en",
                       data=form_fields(checked.get_data(as_text=True))).get_data(as_text=True)
    assert "File a complaint" in page and "营业厅收取临时接电费" in page
    assert count(app) == 0
