"""The home page leads with what residents come for; the hotlines can be dialled by a tap;
journalists find the open data; the header folds its navigation into a menu on phones."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest


class Links(HTMLParser):
    """The links of a page in document order, each with its text and whether it is in <main>,
    in the phone menu (<details>) or in the header."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, object]] = []
        self.open: list[str] = []
        self.current: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.current = {"href": dict(attrs).get("href"), "text": "",
                            "main": "main" in self.open, "menu": "details" in self.open,
                            "header": "header" in self.open}
            self.links.append(self.current)
        elif tag in ("main", "details", "header"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.current = None
        elif tag in ("main", "details", "header") and tag in self.open:
            self.open.remove(tag)

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.current["text"] = str(self.current["text"]) + data


def links(html: str) -> list[dict[str, object]]:
    parser = Links()
    parser.feed(html)
    return parser.links


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "labels"), [
    ("en", ["File a complaint", "Track my complaint", "Work out or check my bill"]),
    ("zh_Hans_CN", ["我要投诉", "查询投诉", "算电费、核账单"]),
])
def test_the_three_main_actions_come_first_on_the_home_page(client, lang, labels):
    page = text(client.get(f"/?lang={lang}"))
    in_main = [link for link in links(page) if link["main"]]
    assert [(link["href"], str(link["text"]).strip()) for link in in_main[:3]] == [
        ("/complaints/new", labels[0]), ("/complaints/track", labels[1]),
        ("/fees/bill", labels[2])]
    # The bill page works a bill out and checks one; the next link goes straight to the check.
    assert in_main[3]["href"] == "/fees/check"
    # The buttons come before the introduction and the cards.
    assert page.index('href="/complaints/new"') < page.index('class="lead"') < page.index(
        'class="cards"')
    for href in ("/complaints/new", "/complaints/track", "/fees/bill", "/fees/check"):
        assert client.get(href).status_code == 200


def test_the_journalists_card_links_to_the_open_data(client):
    page = text(client.get("/?lang=en"))
    card = page[page.index('id="journalists-title"'):]
    card = card[:card.index("</section>")]
    hrefs = {link["href"]: str(link["text"]).strip() for link in links(card)}
    assert hrefs["/api/v1/tariffs.csv"] == "Tariffs in force (CSV)"
    assert hrefs["/api/v1/tariffs"] == "Tariffs in force (JSON)"
    assert hrefs["/api/v1/fees.csv"] == "Service charges, in force and abolished (CSV)"
    assert hrefs["/api/v1/fees"] == "Service charges, in force and abolished (JSON)"
    assert "/complaints/public" in hrefs
    for href in ("/api/v1/tariffs.csv", "/api/v1/tariffs", "/api/v1/fees.csv", "/api/v1/fees",
                 "/complaints/public"):
        assert client.get(href).status_code == 200


HOTLINE_PAGES = ["/", "/about", "/complaints/", "/complaints/new", "/complaints/track",
                 "/fees/abolished", "/fees/check", "/tariffs/", "/no-such-page"]


@pytest.mark.parametrize("lang", ["en", "zh_Hans_CN"])
@pytest.mark.parametrize("path", HOTLINE_PAGES)
def test_every_hotline_number_is_a_tap_to_call_link(client, path, lang):
    response = client.get(path, query_string={"lang": lang})
    page = response.get_data(as_text=True)
    assert '<a class="tel" href="tel:95598">95598</a>' in page  # the footer, at least
    assert '<a class="tel" href="tel:12398">12398</a>' in page
    # No number is left as plain text outside its link.
    rest = re.sub(r'<a class="tel" href="tel:(\d+)">\1</a>', "", page)
    assert "95598" not in rest and "12398" not in rest


@pytest.mark.parametrize("path", ["/", "/about", "/complaints/track", "/fees/abolished"])
def test_pages_that_name_the_hotlines_in_their_text_link_them(client, path):
    page = text(client.get(path, query_string={"lang": "en"}))
    main = page[page.index("<main"):page.index("</main>")]
    assert 'href="tel:95598"' in main


def test_the_home_page_hotlines_read_naturally_in_chinese(client):
    page = text(client.get("/?lang=zh_Hans_CN"))
    assert ('请拨打供电服务热线 <a class="tel" href="tel:95598">95598</a>，'
            '或能源监管热线 <a class="tel" href="tel:12398">12398</a>。') in page


def test_the_phone_menu_holds_every_navigation_link(client):
    page = text(client.get("/?lang=en"))
    assert re.search(r'<details class="menu">\s*<summary class="menu-button">'
                     r'<span class="menu-icon" aria-hidden="true"></span>Menu</summary>', page)
    in_header = [link for link in links(page) if link["header"]]
    in_menu = [link["href"] for link in in_header if link["menu"]]
    assert in_menu == ["/", "/tariffs/", "/fees/", "/fees/bill", "/commitments/", "/complaints/",
                       "/complaints/public", "/stats/", "/committee/", "/transparency/"]
    # The same links again for wide screens, outside the menu; the brand, the language switch
    # and the staff login are outside it too.
    outside = [link["href"] for link in in_header if not link["menu"]]
    assert outside[-len(in_menu) - 1:] == [*in_menu, "/accounts/login"]
    assert page.count('aria-current="page"') == 2  # "Home", in each of the two lists


def test_staff_see_their_name_and_the_logout_button_in_the_header(client, auth, make_user):
    make_user("alice", display_name="Alice Handler")
    auth.login()
    page = text(client.get("/?lang=en"))
    header = page[page.index("<header"):page.index("</header>")]
    assert ('<a class="account-name" href="/accounts/" title="Alice Handler">Alice Handler</a>'
            in header)
    assert ">Log out</button>" in header
    inbox = [link for link in links(header) if link["href"] == "/staff/complaints/"]
    assert [link["menu"] for link in inbox] == [True, False]
    # on a desktop, the working pages have a row of their own under the public navigation
    wide = header[header.index('class="main-nav main-nav-wide"'):]
    wide = wide[:wide.index("</nav>")]
    work = header[header.index('class="wrap main-nav work-nav" aria-label="Work pages"'):]
    assert "/staff/complaints/" not in wide and "/staff/complaints/" in work


def test_no_inline_scripts_or_styles_on_the_home_page(client):
    page = text(client.get("/?lang=en"))
    assert "<script" not in page and "<style" not in page and " style=" not in page
    assert not re.search(r"<[^>]+\son[a-z]+=", page)  # no event handler attributes
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from other hosts
