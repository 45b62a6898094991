"""Chinese pages use full-width punctuation: no half-width colon, comma, semicolon, question
mark or parenthesis next to a Chinese character, on any page type, public or staff."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.page_types import (
    COMMITTEE,
    PUBLIC,
    STAFF,
    address,
    demo_app,
    public_confirmations,
    staff_confirmations,
)

HAN = r"[\u3400-\u9fff]"
HALF_WIDTH = r"[:,;?()]"
FULL_WIDTH_END = r"[。，；：！？、）》]"
# Half-width punctuation touching Chinese, and a space after full-width punctuation (two
# sentences joined with " " in a template: "查询码只显示这一次。 此后").
MIXED = re.compile(rf"{HAN}[ \t]*{HALF_WIDTH}|{HALF_WIDTH}[ \t]*{HAN}|{FULL_WIDTH_END}[ \t]+{HAN}")


INLINE = {"a", "abbr", "b", "bdi", "code", "data", "em", "i", "kbd", "mark", "q", "s", "small",
          "span", "strong", "sub", "sup", "time", "u", "var", "wbr"}


CODE = {"script", "style", "code", "kbd", "samp"}  # not prose: an address, a command


class _Text(HTMLParser):
    """The text a reader sees (and hears: titles, labels, placeholders), a line per block: text
    that runs on across inline elements (``名称 <span>(CODE)</span>``) stays on one line."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in CODE:
            self._skip += 1
        if tag not in INLINE:
            self.parts.append("\n")
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(f"\n{value}\n")

    def handle_endtag(self, tag):
        if tag in CODE:
            self._skip -= 1
        if tag not in INLINE:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def half_width_next_to_chinese(page: str) -> list[str]:
    """Each place where half-width punctuation touches a Chinese character, in context."""
    parser = _Text()
    parser.feed(page)
    found = []
    for line in "".join(parser.parts).splitlines():
        line = " ".join(line.split())
        for match in MIXED.finditer(line):
            found.append(line[max(0, match.start() - 15):match.end() + 15])
    return found


shared_demo_app = pytest.fixture(scope="module", name="demo_app")(demo_app)


@pytest.fixture
def app(demo_app):
    """Every test of this module reads the one demo database (users they add stay)."""
    return demo_app


@pytest.fixture
def demo(app):
    """The demo data: every kind of tariff, fee item and case."""
    return app.config["DEMO"]


def _check(client, demo, paths):
    problems = {}
    for path in paths:
        url = address(path, demo, "zh_Hans_CN")
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        found = half_width_next_to_chinese(response.get_data(as_text=True))
        if found:
            problems[url] = found
    assert problems == {}


def test_public_pages(client, demo):
    _check(client, demo, PUBLIC)


def test_staff_pages(client, demo, make_user, auth):
    make_user("typo-admin", role="admin")
    auth.login("typo-admin")
    _check(client, demo, STAFF)


def test_confirmation_pages(app, client, make_user, auth):
    """The pages that ask before a step that cannot be undone (answers to a POST)."""
    asked = dict(public_confirmations(app, client, "zh_Hans_CN"))
    make_user("typo-confirm", role="staff")
    auth.login("typo-confirm")
    asked.update(staff_confirmations(app, client, "zh_Hans_CN"))
    problems = {}
    for label, response in asked.items():
        assert response.status_code == 200, label
        if found := half_width_next_to_chinese(response.get_data(as_text=True)):
            problems[label] = found
    assert problems == {}


def test_committee_pages(client, demo, make_user, auth):
    make_user("typo-member", role="committee")
    auth.login("typo-member")
    _check(client, demo, COMMITTEE)


def test_the_check_itself():
    assert half_width_next_to_chinese("<p>供电服务热线: 95598</p>") == ["供电服务热线: 95598"]
    assert half_width_next_to_chinese("<p>只显示这一次。 此后</p>") == ["只显示这一次。 此后"]
    assert half_width_next_to_chinese("<p>(原状态：已登记)</p>")
    assert half_width_next_to_chinese("<p>TS-2026-000190: 已登记</p>")
    assert half_width_next_to_chinese("<p>供电服务热线：95598，时间 08:30</p>") == []
    assert half_width_next_to_chinese("<script>var a = '电';</script><p>x (y)</p>") == []
    assert half_width_next_to_chinese("<p>请加上 <code>?on=2024-01-01</code>。</p>") == []
