"""Text in another language than the page's is marked (WCAG 3.1.2): Chinese data on English
pages (legal-basis titles, names without a translation, complaints' words) has lang="zh-Hans"."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import pairwise

import pytest

from tests.page_types import demo_app, public_confirmations, staff_confirmations

HAN = re.compile(r"[\u3400-\u9fff]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Unmarked(HTMLParser):
    """Chinese text whose nearest ``lang`` is not Chinese."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        # People's names (the staff list of the assignment menu) are proper names, which WCAG
        # 3.1.2 leaves unmarked.
        if self._skip or not HAN.search(data) or any(tag == "option" for tag, _ in self.stack):
            return
        lang = next((value for _tag, value in reversed(self.stack) if value), "")
        if not lang.startswith("zh"):
            self.found.append(data.strip()[:40])


def unmarked_chinese(page: str) -> list[str]:
    parser = _Unmarked()
    parser.feed(page)
    return parser.found


shared_demo_app = pytest.fixture(scope="module", name="demo_app")(demo_app)


@pytest.fixture
def app(demo_app):
    """Every test of this module reads the one demo database (users they add stay)."""
    return demo_app


@pytest.fixture
def demo(app):
    """The demo data: every kind of tariff, fee item and case."""
    return app.config["DEMO"]


@pytest.mark.parametrize("path", [
    "/", "/tariffs/", "/tariffs/RES-TIER-ZJ", "/tariffs/GEN-CI-LV", "/tariffs/LI-CAP-10KV",
    "/tariffs/RES-TIER-BJ/history",
    "/tariffs/RES-TIER-BJ/compare?a=1&b=2", "/tariffs/RES-TIER-ZJ/bill?kwh=300", "/fees/",
    "/fees/abolished", "/fees/check", "/complaints/public", "/complaints/new", "/about",
    "/committee/", "/committee/seats", "/committee/members"])
def test_chinese_on_english_pages_is_marked(client, demo, path):
    page = client.get(path + ("&" if "?" in path else "?") + "lang=en").get_data(as_text=True)
    assert unmarked_chinese(page) == []


def test_staff_pages_mark_the_complainants_words(client, demo, make_user, auth):
    make_user("marker", role="staff")
    client.get("/?lang=en")  # the session's language, also for the messages of the login
    auth.login("marker")
    inbox = client.get("/staff/complaints/?lang=en").get_data(as_text=True)
    assert unmarked_chinese(inbox) == []
    number = re.search(r"TS-\d{4}-\d{6}", inbox).group(0)
    assert unmarked_chinese(client.get(f"/staff/complaints/{number}?lang=en")
                            .get_data(as_text=True)) == []


def test_confirmation_pages_mark_the_complainants_words(app, client, make_user, auth):
    """The withdrawal and status confirmations quote a reason typed in Chinese."""
    asked = dict(public_confirmations(app, client, "en"))
    make_user("marker-confirm", role="staff")
    client.get("/?lang=en")
    auth.login("marker-confirm")
    asked.update(staff_confirmations(app, client, "en"))
    problems = {}
    for label, response in asked.items():
        assert response.status_code == 200, label
        if found := unmarked_chinese(response.get_data(as_text=True)):
            problems[label] = found
    assert problems == {}


def test_an_english_page_shows_the_english_note_of_a_version(client, demo):
    page = client.get("/tariffs/RES-TIER-ZJ?lang=en").get_data(as_text=True)
    assert "Annual tiers: tier 1 up to 2,760 kWh" in page and "年度阶梯" not in page


def test_the_check_itself():
    assert unmarked_chinese('<p>Legal basis: 关于电价的通知</p>') == ["Legal basis: 关于电价的通知"]
    assert unmarked_chinese('<p>Basis: <span lang="zh-Hans">关于电价的通知</span></p>') == []


@pytest.mark.parametrize("code", ["RES-TOU-ZJ", "LI-CAP-10KV", "GEN-CI-LV"])
def test_tariff_pages_keep_their_heading_order(client, demo, code):
    """axe's heading-order: no level is skipped (the price sections were h3 under the h1)."""
    page = client.get(f"/tariffs/{code}?lang=en").get_data(as_text=True)
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", page)]
    assert all(later - earlier <= 1 for earlier, later in pairwise(levels)), levels
