"""Complaint fixtures: file through the service, track through the pages."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.complaints import services
from portal.complaints.enums import ActorKind, ComplaintStatus, ComplaintType
from portal.complaints.models import Complaint
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


def publish_case(at: datetime, key: str, status=None, summary="营业厅收取临时接电费 200 元。",
                 **filing):
    """File a case at ``at`` (with consent), bring it to ``status`` and approve its summary two
    hours later; returns its tracking number and public identifier. In an app context."""
    receipt = services.submit_complaint(
        services.Filing(**{**FILING, "consent_publish": True, **filing}), key, at)
    complaint = receipt.complaint
    if status is ComplaintStatus.WITHDRAWN:
        services.change_status(complaint, status, ActorKind.COMPLAINANT, at + timedelta(hours=1))
    elif status is not None:
        services.change_status(complaint, status, ActorKind.STAFF, at, reason="理由")
    services.approve_summary(complaint, None, summary, at + timedelta(hours=2))
    db.session.commit()
    return complaint.tracking_number, complaint.public_id


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


S = ComplaintStatus
EVERY_STEP = {
    "accepted": [S.ACCEPTED], "in_progress": [S.ACCEPTED, S.IN_PROGRESS],
    "replied": [S.ACCEPTED, S.IN_PROGRESS, S.REPLIED],
    "withdrawn": [S.WITHDRAWN], "rejected": [S.REJECTED],
    "escalated": [S.ACCEPTED, S.IN_PROGRESS, S.REPLIED, S.ESCALATED],
    "decided": [S.ACCEPTED, S.IN_PROGRESS, S.REPLIED, S.ESCALATED, S.DECIDED],
}
WHO = {S.WITHDRAWN: ActorKind.COMPLAINANT, S.ESCALATED: ActorKind.COMPLAINANT,
       S.DECIDED: ActorKind.COMMITTEE}


def _bring(complaint, state, now):
    for target in EVERY_STEP.get(state, []):
        if target is S.REPLIED:
            services.reply(complaint, None, "答复", now)
        else:
            services.change_status(complaint, target, WHO.get(target, ActorKind.STAFF), now,
                                   reason="原因")


@pytest.fixture
def case_in(app, file_complaint):
    """A case brought to a state; returns its tracking number and code."""

    def factory(state, at=None, rated=None, **filing):
        number, code = file_complaint(at=at, **filing)
        with app.app_context():
            complaint = db.session.scalar(sa.select(Complaint).where(
                Complaint.tracking_number == number))
            _bring(complaint, state, at or utcnow())
            if rated is not None:
                services.rate(complaint, 2 if not rated else 5, rated, at or utcnow())
            db.session.commit()
        return number, code

    return factory
