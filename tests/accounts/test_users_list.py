"""The administrators' account list is paginated and costs the same queries at any length."""

from __future__ import annotations

import re

import pytest

from portal.accounts import services
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.extensions import db
from tests.conftest import count_statements

URL = "/staff/accounts/users?lang=en"


def _add_accounts(app, count):
    """``count`` committee accounts named user-000, user-001, ... (one hash: argon2 is slow)."""
    password_hash = services.hash_password("a long enough password")
    with app.app_context():
        db.session.add_all(User(username=f"user-{index:03d}", display_name=f"User {index}",
                                role=Role.COMMITTEE, password_hash=password_hash,
                                session_token=f"{index:032d}", failed_logins=0)
                           for index in range(count))
        db.session.commit()


def _usernames(page):
    return re.findall(r'<td [^>]*translate="no"[^>]*>([^<]+)</td>', page)


@pytest.fixture
def admin(make_user, auth):
    make_user("admin", role="admin")
    auth.login("admin")


@pytest.mark.parametrize("rows", [10, 500])
def test_the_list_costs_the_same_queries_at_any_length(app, client, admin, rows):
    _add_accounts(app, rows)
    queries, page = count_statements(app, client, URL)
    assert queries <= 4, queries
    assert f"{rows + 1} accounts" in page
    assert len(_usernames(page)) == min(rows + 1, 50)


def test_every_account_can_be_reached_page_by_page(app, client, admin):
    _add_accounts(app, 120)
    first = client.get(URL).get_data(as_text=True)
    assert "Page 1 of 3" in first and 'rel="prev"' not in first
    assert _usernames(first)[:2] == ["admin", "user-000"]
    assert _usernames(first)[-1] == "user-048"
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "page=2" in next_link and "lang=en" in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert _usernames(second) == [f"user-{index:03d}" for index in range(49, 99)]
    last = client.get(URL + "&page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last and 'rel="next"' not in last and 'rel="prev"' in last
    assert _usernames(last) == [f"user-{index:03d}" for index in range(99, 120)]


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999999999999999999", "4"])
def test_odd_page_numbers_show_a_page_not_an_error(app, client, admin, page):
    _add_accounts(app, 3)
    response = client.get(f"{URL}&page={page}")
    assert response.status_code == 200
    assert "4 accounts" in response.get_data(as_text=True)
