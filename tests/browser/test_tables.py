"""Tables that read on a 360 px phone, in both languages: every page type with a table (public,
staff and committee), the bill check and the complaint's check step. A page fails when one of its
table cells is narrower than three characters or when the page scrolls sideways.

Three characters are measured as three times the width of "中" in the page's font: a Chinese
character is a full-width square, so this is the narrowest column that holds a three-character
Chinese word (管理员, 已登记), and it holds four or five Latin letters on English pages; "M" is
narrower than most fonts' Chinese and would let English columns shrink below a short word.
A cell's width is its content box (the padding is not room for text); on a phone, where a row is
stacked, that is the value's column beside the column name. Cells the page hides on purpose
(the column headers of a stacked table, kept for screen readers) are left out.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.complaints.enums import ComplaintStatus
from portal.complaints.models import Complaint
from portal.demo.loader import load_demo_data
from portal.extensions import db
from tests.browser.conftest import PHONE, click_through, log_in, screenshot
from tests.browser.test_pages import serious_violations

LANGUAGES = ["zh", "en"]

MEASURE = """() => {
  const probe = document.createElement("span");
  probe.textContent = "中";
  probe.style.position = "absolute";
  document.querySelector("main").appendChild(probe);
  const char = probe.getBoundingClientRect().width;
  probe.remove();
  const hidden = (cell) => {
    for (let e = cell; e && e.tagName !== "BODY"; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === "none" || style.visibility === "hidden") return true;
      if (style.clipPath.startsWith("inset(50%")) return true;  // visually hidden
    }
    return false;
  };
  const cells = [...document.querySelectorAll("main th, main td")].filter(c => !hidden(c));
  const narrow = [];
  for (const cell of cells) {
    const style = getComputedStyle(cell);
    const width = cell.getBoundingClientRect().width - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    if (width < 3 * char) {
      const text = cell.textContent.trim().slice(0, 30);
      narrow.push(`${cell.tagName} ${Math.round(width)}px: ${text}`);
    }
  }
  const root = document.documentElement;
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, cells: cells.length,
          narrow: narrow, char: char};
}"""

# Public pages: (path, whether it shows a table).
PUBLIC = [
    ("/tariffs/", False),
    ("/tariffs/RES-TIER-ZJ", True),
    ("/tariffs/RES-TOU-ZJ", True),  # time of use
    ("/tariffs/LI-CAP-10KV", True),  # two-part
    ("/tariffs/RES-TIER-BJ/history", True),
    ("/tariffs/RES-TIER-BJ/compare?a=1&b=2", True),
    ("/fees/", False),
    ("/fees/abolished", False),
    ("/tariffs/RES-TIER-ZJ/bill?kwh=3000&previous_kwh=2000", True),
    ("/tariffs/RES-TOU-ZJ/bill?peak_kwh=2000&valley_kwh=1500&previous_kwh=0", True),
    ("/tariffs/LI-CAP-10KV/bill?peak_kwh=1&flat_kwh=2&valley_kwh=3&capacity_kva=400", True),
    ("/complaints/public", False),
]
# Staff and committee pages, {case} and {escalated} filled in from the demo data.
STAFF = [
    ("/staff/complaints/", True),
    ("/staff/complaints/{case}", False),
    ("/staff/complaints/committee/", False),
    ("/staff/complaints/committee/{escalated}", False),
    ("/staff/accounts/users", True),
    ("/staff/fees/", True),
    ("/staff/fees/items/", False),
    ("/staff/fees/tariffs/RES-TOU-ZJ/versions/new", True),
    ("/staff/fees/tariffs/RES-TIER-ZJ/versions/1", True),
]


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def problems(page: Any, expect_table: bool = False) -> list[str]:
    """What is wrong with the page shown: narrow cells, sideways scrolling, no table.

    Measured once the page has loaded with its stylesheet: right after a click that navigates,
    an unstyled page measured wide (2319 px for long unbroken words, seen once in CI-like runs)."""
    page.wait_for_load_state("load")
    found = page.evaluate(MEASURE)
    where = page.url.split("//", 1)[-1].split("/", 1)[-1]
    wrong = [f"/{where}: {cell}" for cell in found["narrow"]]
    if found["scrollWidth"] > found["clientWidth"]:
        wrong.append(f"/{where}: {found['scrollWidth']} px wide on a "
                     f"{found['clientWidth']} px screen")
    if expect_table and not found["cells"]:
        wrong.append(f"/{where}: no table")
    return wrong


@pytest.fixture
def demo(live_server):
    """The demo data and an administrator (who may open every staff and committee page)."""
    with live_server.app.app_context():
        load_demo_data()
        case = db.session.scalars(sa.select(Complaint.tracking_number).order_by(
            Complaint.id).limit(1)).one()
        escalated = db.session.scalars(sa.select(Complaint.tracking_number).where(
            Complaint.status == ComplaintStatus.ESCALATED).limit(1)).one()
    password, secret = live_server.create_user("root", "admin")
    return {"case": case, "escalated": escalated, "password": password, "secret": secret}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_table_reads_on_a_phone(chromium, live_server, demo, lang):
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    wrong: list[str] = []
    for path, has_table in PUBLIC:
        page.goto(with_lang(path, lang))
        wrong += problems(page, has_table)
    # The bill check's result.
    page.goto(with_lang("/fees/check", lang))
    page.locator("#rows-0-fee").select_option("TEMP-CONN")
    page.locator("#rows-0-amount").fill("200")
    click_through(page, page.locator("form.bill-check #submit"))
    page.locator("#findings-title").wait_for()
    wrong += problems(page)

    log_in(page, "root", demo["password"], demo["secret"])
    for path, has_table in STAFF:
        page.goto(with_lang(path.format(**demo), lang))
        assert page.locator("h1").count() == 1, path
        wrong += problems(page, has_table)
    assert wrong == []

    # How the tables look, and axe on them.
    for path in ("/staff/complaints/", "/tariffs/RES-TOU-ZJ",
                 "/tariffs/RES-TIER-BJ/compare?a=1&b=2"):
        page.goto(with_lang(path, lang))
        assert serious_violations(page) == [], path
    screenshot(page, f"compare-{lang}-360")
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_complaint_check_step_fits_a_phone_with_long_unbroken_words(page, lang):
    """The check step shows what was typed: 200 letters without a space, a long email address
    and a long place name wrap inside the screen; so do the receipt and the case page."""
    page.goto(f"/complaints/new?lang={lang}")
    page.locator("#category").select_option("OUT-REPAIR")
    page.locator("#district").select_option("BEISHAN")
    page.locator("#subject").fill("S" * 200)
    page.locator("#description").fill("D" * 200 + "\n" + "说明" * 100)
    page.locator("#location").fill("L" * 200)
    page.locator("#contact_name").fill("N" * 100)
    page.locator("#contact_email").fill("e" * 64 + "@" + "d" * 60 + ".example.com")
    page.locator("#consent_contact").check()
    click_through(page, page.locator("#check"))
    page.locator("#confirm").wait_for()
    assert "S" * 200 in page.locator("main").inner_text()
    screenshot(page, f"complaint-check-long-{lang}-360")
    assert problems(page) == []
    assert serious_violations(page) == []

    click_through(page, page.locator("#confirm"))
    code = page.locator(".code-display").inner_text()
    assert problems(page) == []
    page.locator("#code").fill(code)
    click_through(page, page.locator("main form [type=submit]").last)
    page.locator(".timeline").wait_for()
    assert problems(page) == []
