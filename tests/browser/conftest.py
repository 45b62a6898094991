"""A live portal in a thread and Debian's Chromium driven by Playwright.

Playwright cannot download its own browsers here, so it launches /usr/bin/chromium (or
PORTAL_CHROMIUM). Without that browser the tests are skipped on a laptop and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from portal.accounts import services
from portal.extensions import db
from tests.conftest import make_test_app

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium for the whole run."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    """The portal served over HTTP on a free local port."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def create_user(self, username: str, role: str, *, totp: bool = True) -> tuple[str, str]:
        """Create an account; returns its password and TOTP secret ("" until it enrols)."""
        password = "correct horse battery"
        with self.app.app_context():
            user = services.create_user(username, f"Test {role}", role, password)
            secret = services.enrol(user) if totp else ""
            db.session.commit()
        return password, secret


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A fresh portal per test, in development mode so that cookies work over http."""
    app = make_test_app(tmp_path, ENV="development")
    server = LiveServer(app)
    server.thread.start()
    yield server
    server.server.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def page(chromium: Any, live_server: LiveServer) -> Iterator[Any]:
    """A phone-sized page in a fresh browser context."""
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page: Any, username: str, password: str, secret: str) -> None:
    """Log in through the English login and one-time-code pages."""
    import pyotp

    page.goto("/accounts/login?lang=en")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    click_through(page, page.get_by_role("button", name="Continue"))
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    click_through(page, page.get_by_role("button", name="Log in"))


def click_through(page: Any, target: Any) -> None:
    """Click a link or a form's button and wait until the page it opens has loaded: a click
    does not wait for the navigation it starts, and a look at the page right after it can read
    the page before (or a page not yet parsed)."""
    with page.expect_navigation(wait_until="load"):
        target.click()


def open_menu(page: Any) -> None:
    """On a phone, open the header's menu (a <details>) if it is closed."""
    menu = page.locator("details.menu")
    if menu.is_visible() and menu.get_attribute("open") is None:
        menu.locator("summary").click()


def screenshot(page: Any, name: str) -> None:
    """Keep a full-page screenshot in test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
