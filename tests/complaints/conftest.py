"""Complaint fixtures: file through the service, track through the pages."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from portal.complaints import services
from portal.complaints.enums import ComplaintType
from portal.core.models import utcnow
from portal.extensions import db
from tests.conftest import csrf_token

FILING = dict(type=ComplaintType.COMPLAINT, category_code="BIZ-FEE", district_code="CENTRAL",
              subject="被收取临时接电费", description="营业厅收取临时接电费 200 元。")


@pytest.fixture
def file_complaint(app):
    """File a complaint directly; returns (tracking number, code)."""
    counter = iter(range(10_000))

    def factory(at: datetime | None = None, **overrides):
        with app.app_context():
            receipt = services.submit_complaint(services.Filing(**{**FILING, **overrides}),
                                                f"key-{next(counter)}", at or utcnow())
            db.session.commit()
            return receipt.complaint.tracking_number, receipt.formatted_code

    return factory


def open_case(client, number, code):
    """Open a case through the tracking form, as the complainant does."""
    token = csrf_token(client, "/complaints/track")
    return client.post("/complaints/track", data={"csrf_token": token, "number": number,
                                                  "code": code})


def form_fields(page: str) -> dict[str, str]:
    """Hidden inputs of a page (the check step carries the complaint in them)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields
