"""What people see: the public pages, the administrators' forms (bad input included), the API."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.committee import services
from portal.committee.models import CommitteeMember, Term, TermFee
from portal.extensions import db
from portal.fees.enums import CustomerClass
from tests.conftest import post_form

from .conftest import member_data


def _current_term(make_term) -> int:
    today = date.today()
    return make_term(starts_on=today - timedelta(days=400), ends_on=today + timedelta(days=700),
                     reference_year=today.year - 2)


def _seat_members(app, term_id: int) -> None:
    with app.app_context():
        term = db.session.get(Term, term_id)
        assert term is not None
        services.elect_member(term, member_data(name="演示委员甲", starts_on=term.starts_on,
                                                biography="退休教师"))
        db.session.commit()


@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
def test_the_seats_page_shows_the_calculation(app, client, make_term, lang) -> None:
    _current_term(make_term)
    page = client.get(f"/committee/seats?lang={lang}").get_data(as_text=True)
    if lang == "en":
        assert "Sainte-Laguë" in page and "D&#39;Hondt" in page
        assert "What the choice of method means" in page
        assert "Agricultural: 1 with the minimum, 0 without it." in page
    # agriculture: share 1.50 %, quota 0.1050, no whole seat, 1 seat through the minimum
    assert "1.50%" in page and "0.1050" in page and "0.6550" in page


def test_the_landing_page_and_roster(app, client, make_term) -> None:
    term_id = _current_term(make_term)
    _seat_members(app, term_id)
    page = client.get("/committee/?lang=en").get_data(as_text=True)
    assert "Current members" in page and "演示委员甲" in page
    assert 'lang="zh-Hans"' in page  # a Chinese name on an English page is marked
    roster = client.get("/committee/members?lang=en").get_data(as_text=True)
    assert "演示委员甲" in roster and "退休教师" in roster


def test_nothing_published_yet(client, make_term) -> None:
    make_term(publish=False)
    for url in ("/committee/?lang=en", "/committee/seats?lang=en", "/committee/members"):
        response = client.get(url)
        assert response.status_code == 200
    assert "No term of the committee has been published yet." in client.get(
        "/committee/seats?lang=en").get_data(as_text=True)


def test_a_draft_term_is_not_public(client, make_term) -> None:
    term_id = make_term(publish=False)
    assert client.get(f"/committee/terms/{term_id}/seats").status_code == 404
    assert client.get("/api/v1/committee").get_json()["term"] is None


def test_the_api(app, client, make_term) -> None:
    term_id = _current_term(make_term)
    _seat_members(app, term_id)
    body = client.get("/api/v1/committee").get_json()
    assert body["term"]["id"] == term_id
    rows = {row["customer_class"]: row for row in body["seats"]["classes"]}
    assert rows["agricultural"]["seats"] == 1 and rows["agricultural"]["whole"] == 0
    assert rows["agricultural"]["quota"] == "0.105000"
    assert rows["large_industrial"]["extra_seat"] is True
    assert rows["agricultural"]["compare"]["largest_remainder_without_minimum"] == 0
    assert body["members"][0]["name"] == "演示委员甲"
    assert "user_id" not in body["members"][0] and "user" not in str(body["members"][0])
    bad = client.get("/api/v1/committee?on=2024-13-01")
    assert bad.status_code == 400 and bad.get_json()["error"]["parameter"] == "on"


@pytest.fixture
def admin(make_user, auth):
    make_user("root", role="admin")
    auth.login("root")


def _term_form(**overrides: str) -> dict[str, str]:
    data = {"starts_on": "2024-01-01", "ends_on": "2026-12-31", "total_seats": "11",
            "minimum_seats": "1", "reference_year": "2023"}
    for index, (key, amount) in enumerate((("residential", "1500000"),
                                           ("agricultural", "150000"),
                                           ("general", "1700000"),
                                           ("large_industrial", "6650000"))):
        data[f"classes-{index}-customer_class"] = key
        data[f"classes-{index}-fees"] = amount
        data[f"classes-{index}-source"] = "演示统计表（虚构）"
    data.update(overrides)
    return data


def test_only_administrators_manage_terms(client, make_user, auth) -> None:
    make_user("member1", role="committee")
    auth.login("member1")
    assert client.get("/staff/committee/").status_code == 403
    assert client.get("/staff/committee/terms/new").status_code == 403


def test_an_administrator_drafts_and_publishes_a_term(app, client, admin) -> None:
    response = post_form(client, "/staff/committee/terms/new?lang=en", _term_form())
    assert response.status_code == 302
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Publish the term" in page and "0.1050" in page
    with app.app_context():
        term_id = db.session.scalar(sa.select(Term.id))
    publish = f"/staff/committee/terms/{term_id}/publish"
    asked = client.post(publish, data={"csrf_token": _token(client, url)})
    assert asked.status_code == 200 and "Yes, publish the term" in asked.get_data(as_text=True)
    forged = client.post(publish, data={"csrf_token": _token(client, url), "confirm": "no"})
    assert forged.status_code == 400
    seen = re.search(r'name="seen" value="([^"]*)"', asked.get_data(as_text=True)).group(1)
    stale = client.post(publish, data={"csrf_token": _token(client, url), "confirm": "yes",
                                       "seen": seen.replace("|11|", "|9|")})
    assert stale.status_code == 409  # confirmed for other figures: asked again
    done = client.post(publish, data={"csrf_token": _token(client, url), "confirm": "yes",
                                      "seen": html.unescape(seen)})
    assert done.status_code == 302
    with app.app_context():
        term = db.session.get(Term, term_id)
        assert term is not None and term.is_published
    edit = client.get(f"/staff/committee/terms/{term_id}/edit")
    assert edit.status_code == 302  # a published term cannot be changed


def _token(client, url: str) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, url)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"total_seats": "3"}, "3 seats are fewer than the 4"),
    ({"classes-1-fees": "0"}, "greater than zero"),
    ({"classes-1-fees": "-5"}, "greater than zero"),
    ({"classes-1-customer_class": "students"}, "Unknown customer class: students."),
    ({"ends_on": "2023-01-01"}, "The term must end after it starts."),
    ({"classes-2-source": ""}, "This field is required."),
    ({"total_seats": "eleven"}, ""),
])
def test_bad_terms_are_refused_with_a_message(app, client, admin, overrides, message) -> None:
    response = post_form(client, "/staff/committee/terms/new?lang=en", _term_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "Please correct the following" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Term)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TermFee)) == 0


def test_member_forms(app, client, admin, make_term, make_user) -> None:
    term_id = make_term()
    staff, _ = make_user("clerk", role="staff")
    url = f"/staff/committee/terms/{term_id}/members/new?lang=en"
    outside = post_form(client, url, {"name": "演示委员乙", "customer_class": "residential",
                                      "role": "member", "starts_on": "2023-06-01"})
    assert outside.status_code == 400
    assert "The dates must fall within the term" in outside.get_data(as_text=True)
    done = post_form(client, url, {"name": "演示委员乙", "customer_class": "residential",
                                   "role": "member", "starts_on": "2024-01-01"})
    assert done.status_code == 302
    with app.app_context():
        member_id = db.session.scalar(sa.select(CommitteeMember.id))
    account = f"/staff/committee/members/{member_id}/account?lang=en"
    refused = post_form(client, account, {"user_id": str(staff.id)})
    assert refused.status_code == 400
    assert "Only an active committee account" in refused.get_data(as_text=True)
    resign = f"/staff/committee/members/{member_id}/resign?lang=en"
    late = post_form(client, resign, {"left_on": "2030-01-01"})
    assert late.status_code == 400
    assert post_form(client, resign, {"left_on": "2025-02-28"}).status_code == 302
    replace = f"/staff/committee/members/{member_id}/replace?lang=en"
    early = post_form(client, replace, {"name": "演示委员丙", "customer_class": "residential",
                                        "role": "member", "starts_on": "2025-02-01"})
    assert early.status_code == 400
    ok = post_form(client, replace, {"name": "演示委员丙", "customer_class": "residential",
                                     "role": "member", "starts_on": "2025-03-01"})
    assert ok.status_code == 302
    candidate = f"/staff/committee/terms/{term_id}/candidates/new?lang=en"
    assert post_form(client, candidate, {"customer_class": "general", "name": "演示候选人",
                                         "votes": "-1"}).status_code == 400
    assert post_form(client, candidate, {"customer_class": "general", "name": "演示候选人",
                                         "votes": "1200"}).status_code == 302
    with app.app_context():
        members = db.session.scalars(sa.select(CommitteeMember)
                                     .order_by(CommitteeMember.id)).all()
        assert [(m.name, m.left_on) for m in members] == [
            ("演示委员乙", date(2025, 2, 28)), ("演示委员丙", None)]
        assert members[1].customer_class is CustomerClass.RESIDENTIAL
