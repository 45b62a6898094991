"""After login a person lands on their account page, which leads to their work."""

from __future__ import annotations

import re

import pytest


def _work(page: str) -> list[str]:
    section = re.search(r'<section aria-labelledby="work-title">(.*?)</section>', page, re.S)
    return re.findall(r'href="([^"]+)"', section.group(1)) if section else []


@pytest.mark.parametrize(("role", "expected"), [
    ("committee", ["/staff/committee/work/", "/staff/complaints/committee/"]),
    ("staff", ["/staff/fees/", "/staff/complaints/", "/staff/commitments/"]),
])
def test_the_account_page_leads_to_the_work_of_the_role(client, make_user, auth, role,
                                                         expected):
    make_user("worker", role=role)
    auth.login("worker")
    page = client.get("/accounts/?lang=en").get_data(as_text=True)
    assert "Your work" in page
    assert sorted(_work(page)) == sorted(expected)
