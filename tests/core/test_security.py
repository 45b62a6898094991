"""Security headers, cookie policy, and no asset from another host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGES = ["/", "/about", "/accounts/login", "/missing"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_sends_the_security_headers(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", PAGES)
def test_no_inline_script_or_style_and_no_foreign_assets(client, url):
    page = client.get(url).get_data(as_text=True)
    assert "<script>" not in page and " style=" not in page and "<style" not in page
    for attr in re.findall(r'(?:src|href)="([^"]+)"', page):
        if attr.startswith(("http://", "https://", "//")):
            pytest.fail(f"{url} loads {attr} from another host")


def test_no_template_or_stylesheet_refers_to_another_host():
    """Every asset is served by the portal. The one kind of address elsewhere a page may give
    is a link to read, not to load: the licence of the open data (``rel="license"``)."""
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/**/*.css")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"src=\"(https?:)?//", text), path
        for match in re.finditer(r"href=\"(https?:)?//", text):
            tag = text[text.rindex("<", 0, match.start()):text.index(">", match.start()) + 1]
            assert tag.startswith("<a ") and 'rel="license"' in tag, (path, tag)
        assert "@import" not in text and "url(http" not in text, path


def _session_cookie(response):
    cookies = [value for value in response.headers.getlist("Set-Cookie")
               if value.startswith("session=")]
    assert cookies
    return cookies[0]


def test_session_cookie_is_httponly_lax_and_secure_in_production(make_app):
    app = make_app(ENV="production")
    cookie = _session_cookie(app.test_client().get("/?lang=en", base_url="https://localhost"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_session_cookie_is_not_secure_in_development(make_app):
    app = make_app(ENV="development")
    cookie = _session_cookie(app.test_client().get("/?lang=en"))
    assert "HttpOnly" in cookie and "Secure" not in cookie


def test_login_form_carries_a_csrf_token_and_autocomplete_hints(client):
    page = client.get("/accounts/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert 'autocomplete="current-password"' in page

