"""Fictitious demo partners (演示数据，虚构): a city hotline's key that has filed some of the demo
complaints, and a civic app's key, revoked. The live key is printed once, for trying Open311."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.open311 import keys
from portal.open311.models import ApiKey

# One demo complaint in SHARE, registered after the hotline's key was made, came through it.
SHARE = 7


def load(now: datetime) -> list[str]:
    """Add the demo partners' keys and mark the hotline's complaints."""
    made = now - timedelta(days=400)
    hotline, key = keys.create("demo-12345", "示例市 12345 政务服务便民热线（演示，虚构）",
                               "12345 市民热线", made)
    app_key, _unused = keys.create("demo-civic-app", "示例市民 App（演示，虚构）", "市民 App",
                                   made + timedelta(days=30), "30 per minute")
    keys.revoke(app_key, now - timedelta(days=60))
    result = db.session.execute(sa.update(Complaint).where(
        Complaint.registered_at >= made, Complaint.id % SHARE == 0).values(
        api_key_id=hotline.id))
    filed = int(getattr(result, "rowcount", 0) or 0)
    db.session.execute(sa.update(ApiKey).where(ApiKey.id == hotline.id).values(
        requests=filed + 3, last_used_at=now - timedelta(hours=5)))
    return [f"Demo Open311 partners: 2 keys (1 revoked); {filed} complaints came through "
            f"the 12345 hotline. Its key, to try POST /open311/v2/requests.json: {key}"]
