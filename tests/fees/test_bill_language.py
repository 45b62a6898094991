"""The bill pages in Chinese use full-width punctuation, and on English pages the Chinese
terms they quote from a bill (本期电量, 年累计电量) are marked lang="zh-Hans" (WCAG 3.1.2)."""

from __future__ import annotations

import pytest

from tests.conftest import post_form
from tests.core.test_chinese_typography import half_width_next_to_chinese
from tests.core.test_language_marks import unmarked_chinese

pytestmark = pytest.mark.usefixtures("demo_fees")

PAGES = [
    "/fees/bill", "/fees/bill?customer_class=residential",
    "/fees/bill?customer_class=residential&step=details&meter=single&time_of_use=yes"
    "&district=BEISHAN",
    "/fees/bill?customer_class=residential&step=details&meter=shared&time_of_use=yes"
    "&district=CENTRAL",
    "/fees/bill?customer_class=residential&step=details",
    "/fees/bill?customer_class=large_industrial",
    "/tariffs/RES-TIER-ZJ/bill?kwh=200&previous_kwh=2700&customer_class=residential"
    "&meter=single&time_of_use=no&district=CENTRAL",
    "/tariffs/RES-TOU-ZJ/bill?peak_kwh=120&valley_kwh=80&previous_kwh=2700",
    "/tariffs/RES-TOU-ZJ/bill?peak_kwh=120&valley_kwh=80",
    "/tariffs/GEN-CI-LV/bill?kwh=100&months=2",
    "/fees/check?tariff=RES-TOU-ZJ", "/fees/check?tariff=LI-CAP-10KV", "/fees/check",
]
# An overcharged electricity charge and a charge abolished in 2017, whose findings quote a
# document number (示范价〔2017〕88号) and a name typed in Chinese.
CHECK = {"bill_date": "2025-06-01", "peak_kwh": "120", "valley_kwh": "80",
         "year_to_date_kwh": "2900", "energy_amount": "110",
         "rows-0-fee": "TEMP-CONN", "rows-0-amount": "200",
         "rows-1-name": "线路维护费", "rows-1-amount": "30"}


def pages(client, lang):
    for path in PAGES:
        yield path, client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
    url = f"/fees/check?tariff=RES-TOU-ZJ&lang={lang}"
    yield "check", post_form(client, url, CHECK)
    yield "check-bad", post_form(client, url, {**CHECK, "year_to_date_kwh": "1"})
    yield "check-empty", post_form(client, f"/fees/check?lang={lang}", {})


def test_chinese_pages_use_full_width_punctuation(client):
    problems = {path: found for path, response in pages(client, "zh_Hans_CN")
                if (found := half_width_next_to_chinese(response.get_data(as_text=True)))}
    assert problems == {}


def test_chinese_on_english_pages_is_marked(client):
    problems = {path: found for path, response in pages(client, "en")
                if (found := unmarked_chinese(response.get_data(as_text=True)))}
    assert problems == {}
