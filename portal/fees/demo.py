"""Demo fee standards: tariffs and fee items in the exchange format (portal/fees/demo.json)."""

from __future__ import annotations

from pathlib import Path

from portal.core.models import utcnow
from portal.fees.exchange import import_text

DATA = Path(__file__).resolve().parent / "demo.json"


def load() -> list[str]:
    """Import the demo fee standards, published by nobody in particular."""
    counts = import_text(DATA.read_text(encoding="utf-8"), DATA.name, None, utcnow())
    return [f"Demo fee standards: {counts['tariffs']} tariffs, "
            f"{counts['versions_published']} published versions, {counts['fee_items']} fee items."]
