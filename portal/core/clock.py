"""Today's date where the portal's customers live (``PORTAL_TIMEZONE``)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_today() -> date:
    """The date now in the portal's time zone."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def parse_day(raw: str | None) -> date | None:
    """``YYYY-MM-DD`` -> date; None if absent. Raises ValueError when malformed."""
    if raw is None or not raw.strip():
        return None
    return date.fromisoformat(raw.strip())
