"""Two complete languages, chosen by ?lang=, session, Accept-Language, then the default."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal import i18n_tools
from portal.core.formatting import money, number

TITLE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
ZH_TITLE = "收费多少、承诺什么、找谁维权，一目了然"
EN_TITLE = "Know what you may be charged, what you are promised, and where to turn"


def h1(response):
    return TITLE.search(response.get_data(as_text=True)).group(1).strip()


def test_chinese_is_the_default(client):
    response = client.get("/")
    assert h1(response) == ZH_TITLE
    assert '<html lang="zh-Hans-CN">' in response.get_data(as_text=True)


def test_lang_parameter_switches_and_is_remembered(client):
    response = client.get("/?lang=en")
    assert h1(response) == EN_TITLE
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert h1(client.get("/about")) == "About and privacy"
    assert h1(client.get("/?lang=zh_Hans_CN")) == ZH_TITLE
    assert h1(client.get("/about")) == "关于与隐私"


def test_accept_language_is_used_when_nothing_was_chosen(client):
    assert h1(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})) == EN_TITLE
    assert h1(client.get("/", headers={"Accept-Language": "fr, zh-TW;q=0.5"})) == ZH_TITLE
    assert h1(client.get("/", headers={"Accept-Language": "fr, de"})) == ZH_TITLE


def test_session_choice_beats_accept_language(client):
    client.get("/?lang=zh")
    assert h1(client.get("/", headers={"Accept-Language": "en"})) == ZH_TITLE


@pytest.mark.parametrize("value", ["xx", "", "../../etc", "<script>"])
def test_unknown_language_falls_back_quietly(client, value):
    response = client.get("/", query_string={"lang": value})
    assert response.status_code == 200
    assert h1(response) == ZH_TITLE


def test_switcher_keeps_the_page_and_its_query(client):
    page = client.get("/about?x=1&y=two").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)"', page)
    hrefs = dict((lang, href.replace("&amp;", "&")) for href, lang in links)
    assert hrefs["en"].startswith("/about?")
    assert "x=1" in hrefs["en"] and "y=two" in hrefs["en"] and "lang=en" in hrefs["en"]
    assert "lang=zh_Hans_CN" in hrefs["zh"]


def test_error_pages_are_translated(client):
    assert "页面不存在" in client.get("/missing").get_data(as_text=True)
    assert "Page not found" in client.get("/missing?lang=en").get_data(as_text=True)


def test_money_and_numbers_follow_the_locale(app):
    with app.test_request_context("/"), force_locale("en"):
        assert money(Decimal("1234.5")) == "CN¥1,234.50"
        assert number(Decimal("2760"), 0) == "2,760"
        assert number(Decimal("0.5380"), 4) == "0.5380"
    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        assert money(Decimal("1234.5")) == "¥1,234.50"


def test_catalogues_are_complete_and_current():
    assert i18n_tools.problems() == []


def test_deadlines_at_midnight_read_as_the_end_of_the_day_before(app):
    from datetime import UTC, datetime

    from portal.core.formatting import deadline_filter

    with app.test_request_context("/"), force_locale("en"):
        midnight_shanghai = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
        assert deadline_filter(midnight_shanghai) == "12/3/26, 11:59\u202fPM"
        assert deadline_filter(datetime(2026, 12, 3, 1, 30, tzinfo=UTC)) == "12/3/26, 9:30\u202fAM"


@pytest.mark.parametrize(("path", "expected"), [
    ("//evil.example/x", '/evil.example/x?lang=en"'),
    ("/\\evil.example", '/evil.example?lang=en"'),
    ("/\\/evil.example", '/evil.example?lang=en"'),
    ("/no/such/页面", '/no/such/%E9%A1%B5%E9%9D%A2?lang=en"'),
])
def test_language_links_of_a_missing_page_stay_on_this_site(client, path, expected):
    wsgi_path = path.encode().decode("latin-1")  # WSGI carries the path as latin-1 bytes
    page = client.get("/", environ_overrides={"PATH_INFO": wsgi_path})
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert f'href="{expected}' in text
    assert 'href="//' not in text and 'href="/\\' not in text


def test_chinese_pages_use_full_width_punctuation_between_label_and_value(client):
    page = client.get("/fees/?lang=zh").get_data(as_text=True)
    assert "供电服务热线：" in page and "供电服务热线:" not in page
    english = client.get("/fees/?lang=en").get_data(as_text=True)
    assert "Service hotline: " in english
    missing = client.get("/no/such/page?lang=zh").get_data(as_text=True)
    assert "（错误 404）" in missing
