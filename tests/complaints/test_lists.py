"""The staff inbox and the committee's queue: a page at a time, filters kept from page to page,
and the same number of queries at any length."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.complaints import queries, services
from portal.complaints.enums import ComplaintStatus
from portal.complaints.models import Complaint
from portal.core import paging
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import FILING
from tests.conftest import count_statements

NUMBER = re.compile(r'translate="no">(TS-\d{4}-\d{6})<')


def _file(app, count, start=0, **changes):
    """File ``count`` cases, a day apart (so that their deadlines differ), then change them."""
    with app.app_context():
        for index in range(start, start + count):
            filing = services.Filing(**{**FILING, "category_code": ("BIZ-FEE", "QUAL")[index % 2]})
            services.submit_complaint(filing, f"list-{index}",
                                      utcnow() - timedelta(days=index % 30, minutes=index))
        if changes:
            db.session.execute(sa.update(Complaint).values(**changes))
        db.session.commit()


def _numbers(page):
    return NUMBER.findall(page)


@pytest.fixture
def staff(make_user, auth):
    user, _password = make_user("handler", role="staff")
    auth.login("handler")
    return user


def _assign_all(app, user_id):
    with app.app_context():
        db.session.execute(sa.update(Complaint).values(assigned_to_id=user_id))
        db.session.commit()


def test_the_inbox_costs_the_same_queries_at_10_and_500_cases(app, client, staff):
    _file(app, 10)
    _assign_all(app, staff.id)
    client.get("/staff/complaints/")  # categories and districts are read once per process
    few, page = count_statements(app, client, "/staff/complaints/?lang=en")
    assert "10 cases" in page and len(_numbers(page)) == 10
    _file(app, 490, start=10)
    _assign_all(app, staff.id)
    many, page = count_statements(app, client, "/staff/complaints/?lang=en")
    assert "500 cases" in page and len(_numbers(page)) == 20
    assert many == few, (few, many)
    assert few <= 8, few


def _expected_order(app, **where):
    with app.app_context():
        query = sa.select(Complaint.tracking_number).filter_by(**where).order_by(
            Complaint.reply_due_at, Complaint.id)
        return list(db.session.scalars(query))


def test_the_inbox_goes_page_by_page_soonest_deadline_first_keeping_its_filters(
        app, client, staff):
    _file(app, 90)
    expected = _expected_order(app, category_code="BIZ-FEE")
    assert len(expected) == 45
    first = client.get("/staff/complaints/?lang=en&category=BIZ-FEE&overdue=1&status=all")
    first = first.get_data(as_text=True)
    overdue = _numbers(first)
    second_url = re.search(r'rel="next" href="([^"]+)"', first)
    assert 'rel="prev"' not in first
    seen = list(overdue)
    while second_url:
        url = second_url.group(1).replace("&amp;", "&")
        assert "category=BIZ-FEE" in url and "overdue=1" in url and "status=all" in url
        page = client.get(url).get_data(as_text=True)
        seen += _numbers(page)
        second_url = re.search(r'rel="next" href="([^"]+)"', page)
    assert seen == [number for number in expected if number in seen]  # the right order
    everything = client.get("/staff/complaints/?lang=en&category=BIZ-FEE&page=3")
    page = everything.get_data(as_text=True)
    assert "Page 3 of 3" in page and _numbers(page) == expected[40:]
    assert 'selected value="BIZ-FEE"' in page or 'value="BIZ-FEE" selected' in page


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=x", "page=99999999999",
                                   "page=9", "status=nonsense", "type=x", "category=NOPE"])
def test_odd_inbox_addresses_show_a_page_not_an_error(app, client, staff, query):
    _file(app, 3)
    assert client.get(f"/staff/complaints/?{query}").status_code == 200


def _member(make_user, auth):
    make_user("member", role="committee")
    auth.login("member")


def test_the_committee_queue_costs_the_same_queries_at_10_and_500_cases(
        app, client, make_user, auth):
    _member(make_user, auth)
    _file(app, 10, status=ComplaintStatus.ESCALATED)
    client.get("/staff/complaints/committee/")
    few, page = count_statements(app, client, "/staff/complaints/committee/?lang=en")
    assert len(_numbers(page)) == 10
    _file(app, 490, start=10, status=ComplaintStatus.ESCALATED)
    many, page = count_statements(app, client, "/staff/complaints/committee/?lang=en")
    assert len(_numbers(page)) == 20 and "Page 1 of 25" in page
    assert many == few, (few, many)
    # The member; the first escalation (for the months offered); the page, its length and
    # its categories, districts and decisions; the counts of pending, overdue and decided.
    assert few <= 8, few


def test_the_committee_queue_goes_page_by_page(app, client, make_user, auth):
    _member(make_user, auth)
    _file(app, 25, status=ComplaintStatus.ESCALATED)
    with app.app_context():
        expected = list(db.session.scalars(sa.select(Complaint.tracking_number).order_by(
            Complaint.registered_at, Complaint.id)))
    first = client.get("/staff/complaints/committee/?lang=en").get_data(as_text=True)
    second = client.get("/staff/complaints/committee/?lang=en&page=2").get_data(as_text=True)
    assert _numbers(first) == expected[:20] and _numbers(second) == expected[20:]
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_the_committee_sees_cases_awaiting_its_decision_first(app, client, make_user, auth):
    _member(make_user, auth)
    _file(app, 3, status=ComplaintStatus.DECIDED)  # filed earlier than the next ones
    _file(app, 2, start=3)
    with app.app_context():
        waiting = list(db.session.scalars(sa.select(Complaint.tracking_number).where(
            Complaint.status != ComplaintStatus.DECIDED).order_by(Complaint.registered_at)))
        db.session.execute(sa.update(Complaint).where(Complaint.tracking_number.in_(waiting))
                           .values(status=ComplaintStatus.ESCALATED))
        db.session.commit()
    page = client.get("/staff/complaints/committee/?lang=en").get_data(as_text=True)
    assert _numbers(page)[:2] == waiting


def test_a_page_past_the_end_shows_the_last_page(app, client, staff):
    _file(app, 25)
    page = client.get("/staff/complaints/?page=9&lang=en").get_data(as_text=True)
    assert "Page 2 of 2" in page and len(_numbers(page)) == 5
    assert 'rel="next"' not in page


def test_the_committee_reads_subjects_redacted(app, client, make_user, auth):
    _member(make_user, auth)
    with app.app_context():
        services.submit_complaint(services.Filing(**{**FILING, "subject": "请拨打 13812345678"}),
                                  "redacted", utcnow())
        db.session.execute(sa.update(Complaint).values(status=ComplaintStatus.ESCALATED))
        db.session.commit()
    page = client.get("/staff/complaints/committee/").get_data(as_text=True)
    assert "13812345678" not in page and "请拨打" in page


def test_assigned_to_me(app, client, staff, make_user):
    _file(app, 4)
    other, _password = make_user("other", role="staff")
    with app.app_context():
        first, second = db.session.scalars(sa.select(Complaint).order_by(Complaint.id)).all()[:2]
        first.assigned_to_id = staff.id
        second.assigned_to_id = other.id
        mine, theirs = first.tracking_number, second.tracking_number
        db.session.commit()
    page = client.get("/staff/complaints/?mine=1").get_data(as_text=True)
    assert _numbers(page) == [mine] and theirs not in page


def test_deep_pages_find_their_rows_by_key_first_and_show_the_same_cases(
        app, client, staff, monkeypatch):
    _file(app, 45)
    expected = _expected_order(app)
    shallow = [_numbers(client.get(f"/staff/complaints/?lang=en&page={n}").get_data(
        as_text=True)) for n in (1, 2, 3)]
    monkeypatch.setattr(paging, "DEEP_OFFSET", 1)  # every page past the first is "deep"
    deep, statements = [], []
    for n in (1, 2, 3):
        page, said = _statements(app, client, f"/staff/complaints/?lang=en&page={n}")
        deep.append(_numbers(page))
        statements += said
    assert deep == shallow and [n for page in deep for n in page] == expected
    assert any("IN (SELECT complaints.id" in s for s in statements)


def test_a_long_inbox_counts_only_so_far_and_says_so(app, client, staff, monkeypatch):
    _file(app, 12)
    monkeypatch.setattr(queries, "INBOX_COUNTED", 6)
    monkeypatch.setattr(queries, "INBOX_PAGE_SIZE", 2)
    page = client.get("/staff/complaints/?lang=en").get_data(as_text=True)
    assert "More than 6 cases, soonest answer deadline first" in page
    assert "Page 1 of the 3 shown" in page
    assert "only the first 6 can be paged through" in page
    last = client.get("/staff/complaints/?lang=en&page=9").get_data(as_text=True)
    assert "Page 3 of the 3 shown" in last and len(_numbers(last)) == 2
    assert 'rel="next"' not in last
    chinese = client.get("/staff/complaints/?lang=zh_Hans_CN").get_data(as_text=True)
    assert "超过 6 件，答复时限最近的在前" in chinese and "只能翻阅前 6 条" in chinese
    narrowed = client.get("/staff/complaints/?lang=en&category=QUAL").get_data(as_text=True)
    assert "More than" not in narrowed and "6 cases" in narrowed


def _link(page, rel):
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def _statements(app, client, url):
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            page = client.get(url).get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
    return page, statements


def _by_key(statements, sign):
    """The page was found from a row's place (a comparison of rows), not by counting rows
    (a deep page by number reads its keys first: ``IN (SELECT complaints.id``)."""
    return (any(f"complaints.id) {sign} (" in s for s in statements)
            and not any("IN (SELECT complaints.id" in s for s in statements))


def test_the_inbox_links_its_pages_by_the_row_they_follow(app, client, staff, monkeypatch):
    """Next and previous links name the case they follow or precede: such a page is found
    in the index without counting the rows before it, forwards and back."""
    _file(app, 45)
    expected = _expected_order(app)
    monkeypatch.setattr(paging, "DEEP_OFFSET", 1)  # a page by number reads its keys first
    url, pages = "/staff/complaints/?lang=en", []
    while url:
        page, statements = _statements(app, client, url)
        if pages:
            assert "after=" in url and _by_key(statements, ">"), statements
        pages.append(_numbers(page))
        assert f"Page {len(pages)} of 3" in page
        url = _link(page, "next")
    assert [n for numbers in pages for n in numbers] == expected
    back = []
    url = _link(client.get(_link(client.get(
        "/staff/complaints/?lang=en&page=2").get_data(as_text=True), "next")).get_data(
        as_text=True), "prev")
    while url:
        assert "before=" in url
        page, statements = _statements(app, client, url)
        assert _by_key(statements, "<"), statements
        back.insert(0, _numbers(page))
        url = _link(page, "prev")
    assert back == pages[:2]


def test_a_page_after_a_case_that_moved_still_follows_it(app, client, staff):
    """The list changed between two pages: the next page starts after the case's place now;
    a case gone from the list, or an unknown one, falls back to the page's number."""
    _file(app, 45)
    expected = _expected_order(app)
    first = client.get("/staff/complaints/?lang=en").get_data(as_text=True)
    following = _link(first, "next")
    with app.app_context():
        db.session.execute(sa.update(Complaint).where(
            Complaint.tracking_number == expected[19]).values(status=ComplaintStatus.CLOSED))
        db.session.commit()
    second = client.get(following).get_data(as_text=True)
    assert _numbers(second) == expected[20:40] and "Page 2 of 3" in second
    # A place that is not one: the page by its number (the case closed has left its place).
    odd = re.sub(r"after=[^&]+", "after=nowhere", following)
    assert _numbers(client.get(odd).get_data(as_text=True)) == expected[21:41]
    # Before the first cases left: the first page, whole.
    page = client.get(_link(second, "prev")).get_data(as_text=True)
    assert _numbers(page) == [n for n in expected if n != expected[19]][:20]
    assert "Page 1 of 3" in page and 'rel="prev"' not in page


def _place(*values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("query", [
    "after=x", "after=0", "after=-3", "after=１２", "after=" + "9" * 30, "before=" + "A" * 1001,
    "after=&before=", "after=1&before=2", "page=x&after=1", "before=1&page=3",
    "after=" + _place(1), "after=" + _place("a", "b", "c"), "after=" + _place(True, "x", 1),
    "after=" + _place(0, "2026-01-01T00:00:00", 1),  # a moment without its offset
    "after=" + _place(0, "2026-01-01T00:00:00+00:00", 10**30),
    "before=" + _place(0, "2026-13-01T00:00:00+00:00", 1), "after=" + _place(0, 5, 1),
    "after=" + _place(0, "2026-01-01T00:00:00+00:00", 1, 2), "after=" + _place({}, [], None),
    "after=" + _place("\x00", "\ud800", 1),
    "after=" + base64.urlsafe_b64encode(b"\xff\xfe[").decode(), "after=====",
    # Found by the fault review: an id past PostgreSQL's INTEGER, moments at the calendar's
    # edges (500s before).
    "after=" + _place(0, "2026-11-30T00:00:00+00:00", 2**31),
    "after=" + _place(0, "0001-01-01T00:00:00+14:00", 1),
    "before=" + _place(0, "9999-12-31T23:59:59-14:00", 1),
])
def test_odd_places_in_an_inbox_address_show_a_page_not_an_error(app, client, staff, query):
    _file(app, 25)
    response = client.get(f"/staff/complaints/?lang=en&{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and len(_numbers(page)) in (5, 20), query


def test_lists_in_mixed_orders_are_paged_by_number(app):
    """Only an order in one direction, of columns never empty, ending with the key can be
    paged by key: the committee's queue and the jobs list keep their page numbers."""
    with app.app_context():
        assert paging.key_order(queries.inbox(queries.CaseFilters(), utcnow())) is not None
        assert paging.key_order(queries.committee_queue(queries.CommitteeFilters(),
                                                        utcnow())) is None
        assert paging.key_order(sa.select(Complaint).order_by(Complaint.replied_at,
                                                              Complaint.id)) is None
        assert paging.key_order(sa.select(Complaint).order_by(Complaint.registered_at)) is None
