"""The committee attacked by a hostile user and used by a careless member: input that must be
refused with a message (never a 500), races between two tabs or two members, and drafts that
another member publishes while they are being changed. Each test runs on SQLite and, given
PORTAL_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.committee.models import Decision, Meeting, Term
from portal.extensions import db
from tests.conftest import post_form

from .test_decisions import _form
from .test_pages import _term_form

TOO_LARGE = "99999999999"  # beyond PostgreSQL's integer: must not reach the database


@pytest.fixture
def admin(make_user, auth):
    make_user("root", role="admin")
    auth.login("root")


@pytest.mark.parametrize(("day", "time"), [("0001-01-01", "00:30"), ("9999-12-31", "23:30")])
def test_a_meeting_date_out_of_range_is_refused(app, client, auth, committee, day,
                                                time) -> None:
    auth.login("ann")
    response = post_form(client, "/staff/committee/work/meetings/new?lang=en",
                         {"day": day, "time": time, "place": "会议室", "agenda": "议程"})
    assert response.status_code == 400
    assert "Enter a date between" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1


def test_a_term_date_out_of_range_is_refused(app, client, admin) -> None:
    # a term to 9999 would be published for good and overlap every term to come
    response = post_form(client, "/staff/committee/terms/new?lang=en",
                         _term_form(ends_on="9999-12-31"))
    assert response.status_code == 400
    assert "Enter a date between" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Term)) == 0


@pytest.mark.parametrize("url", [
    f"/committee/terms/{TOO_LARGE}/seats",
    f"/staff/committee/terms/{TOO_LARGE}",
    f"/staff/committee/terms/{TOO_LARGE}/edit",
    f"/staff/committee/terms/{TOO_LARGE}/candidates/new",
    f"/staff/committee/terms/{TOO_LARGE}/members/new",
    f"/staff/committee/members/{TOO_LARGE}/resign",
    f"/staff/committee/members/{TOO_LARGE}/replace",
    f"/staff/committee/members/{TOO_LARGE}/account",
])
def test_an_id_beyond_the_databases_integers_is_not_found(client, admin, url) -> None:
    assert client.get(url).status_code == 404


def test_a_meeting_id_beyond_the_databases_integers_is_refused(app, client, auth,
                                                               committee) -> None:
    auth.login("ann")
    response = post_form(client, "/staff/committee/work/decisions/new?lang=en",
                         _form(TOO_LARGE))
    assert response.status_code == 400
    assert "Choose a meeting of the committee." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


def test_an_account_id_beyond_the_databases_integers_is_refused(client, admin,
                                                                 committee) -> None:
    response = post_form(client, f"/staff/committee/members/{committee['members'][2]}/account"
                         "?lang=en", {"user_id": TOO_LARGE})
    assert response.status_code == 400
    assert "There is no such account." in response.get_data(as_text=True)


@pytest.mark.parametrize("candidate", ["abc", "1.5", TOO_LARGE])
def test_a_bad_candidate_id_is_refused(app, client, admin, make_term, candidate) -> None:
    term_id = make_term()
    response = post_form(client, f"/staff/committee/terms/{term_id}/members/new?lang=en", {
        "name": "演示委员", "customer_class": "residential", "role": "member",
        "starts_on": "2024-01-01", "candidate_id": candidate})
    assert response.status_code == 400
    assert "Choose a candidate of this class in this term." in response.get_data(as_text=True)
