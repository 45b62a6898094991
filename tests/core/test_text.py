"""The one bilingual fallback: the requested language if present, else Chinese."""

from __future__ import annotations

from types import SimpleNamespace

from portal.core.text import BilingualName, localized, localized_field, unbroken


def test_english_when_asked_and_present_else_chinese():
    assert localized("电价", "Tariff", "en") == "Tariff"
    assert localized("电价", "", "en") == "电价"
    assert localized("电价", None, "en") == "电价"
    assert localized("电价", "Tariff", "zh_Hans_CN") == "电价"


def test_the_request_language_by_default(app):
    with app.test_request_context("/?lang=en"):
        assert localized("电价", "Tariff") == "Tariff"
    with app.test_request_context("/"):
        assert localized("电价", "Tariff") == "电价"


def test_fields_and_names():
    record = SimpleNamespace(unit_zh="次", unit_en="per visit")
    assert localized_field(record, "unit", "en") == "per visit"

    class Named(BilingualName):
        name_zh, name_en = "东城区", "East District"

    assert Named().name("en") == "East District" and Named().name("zh") == "东城区"


def test_unbroken_keeps_a_number_on_one_line_and_escapes_the_rest():
    title = unbroken("Withdraw <b>complaint</b> TS-2026-000123?", ["TS-2026-000123"])
    assert title == ('Withdraw &lt;b&gt;complaint&lt;/b&gt; '
                     '<span class="nowrap" translate="no">TS-2026-000123</span>?')
    assert unbroken("a & b", []) == "a &amp; b"
