"""Fictitious demo data of the committee (placeholder, filled below)."""

from __future__ import annotations

from datetime import datetime


def load(now: datetime) -> list[str]:
    """Nothing yet."""
    return []
