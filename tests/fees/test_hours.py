"""Time-of-use hours: written one way everywhere, read however a person types a range."""

from __future__ import annotations

import pytest

from portal.fees.enums import Period
from portal.fees.structure import HourSpan, parse_span


@pytest.mark.parametrize("text", ["08:00-22:00", "08:00–22:00", "08:00 — 22:00", "08:00－22:00",
                                  "08:00~22:00", "08:00～22:00", "08:00至22:00", "08：00-22：00"])
def test_a_range_is_read_whatever_mark_joins_its_times(text):
    assert parse_span(Period.PEAK, text) == HourSpan(Period.PEAK, 480, 1320)


@pytest.mark.parametrize("text", ["08:00", "08:00-", "-22:00", "22:00-08:00", "08:00-22:00-23:00",
                                  "8 to 10"])
def test_what_is_not_a_range_is_refused(text):
    with pytest.raises(ValueError):
        parse_span(Period.PEAK, text)


@pytest.mark.usefixtures("demo_fees")
def test_every_range_on_a_tariff_page_is_written_with_the_same_dash(client):
    """The hours list and the note published with the version write 08:00–22:00 alike."""
    for lang in ("zh", "en"):
        page = client.get(f"/tariffs/RES-TOU-ZJ?lang={lang}").get_data(as_text=True)
        assert "00:00–08:00" in page and "08:00–22:00" in page and "22:00–24:00" in page
        assert not any(f"{a}-{b}" in page for a, b in (("00:00", "08:00"), ("08:00", "22:00")))
