"""How many entries the fee standards' lists show on a page."""

from __future__ import annotations

PAGE_SIZE = 50
