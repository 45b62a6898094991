"""Demo fee standards: tariffs and fee items in the exchange format (portal/fees/demo.json)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from portal.fees.exchange import import_text

DATA = Path(__file__).resolve().parent / "demo.json"


def load(now: datetime) -> list[str]:
    """Import the demo fee standards, published by nobody in particular, each dated by its
    document's publication (``published_at`` in the file), not by the day of loading."""
    counts = import_text(DATA.read_text(encoding="utf-8"), DATA.name, None, now,
                         keep_dates=True)
    return [f"Demo fee standards: {counts['tariffs']} tariffs, "
            f"{counts['versions_published']} published versions, {counts['fee_items']} fee items."]
