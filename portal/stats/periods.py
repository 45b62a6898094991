"""Periods of the published statistics: a year (``2026``), a quarter (``2026-Q3``) or a month
(``2026-07``), local to ``PORTAL_TIMEZONE``, and ranges of them (``2025-01..2025-12``)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_RANGE = 120  # ten years of months


class Granularity(enum.IntEnum):
    """How long a period is; a finer granularity has a larger value."""

    YEAR = 1
    QUARTER = 2
    MONTH = 3


@dataclass(frozen=True, order=True)
class Period:
    """A year, quarter or month; ``number`` is 0 for a year, 1-4 for a quarter, 1-12 for a month."""

    year: int
    granularity: Granularity
    number: int = 0

    @classmethod
    def parse(cls, text: str) -> Period | None:
        """``2026``, ``2026-Q3`` or ``2026-07`` -> Period; None for anything else."""
        text = text.strip()
        if not text.isascii():
            return None
        match = re.fullmatch(r"(\d{4})(?:-(?:[Qq]([1-4])|(\d{2})))?", text)
        if match is None:
            return None
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return None
        if match.group(2):
            return cls(year, Granularity.QUARTER, int(match.group(2)))
        if match.group(3):
            month = int(match.group(3))
            return cls(year, Granularity.MONTH, month) if 1 <= month <= 12 else None
        return cls(year, Granularity.YEAR)

    def __str__(self) -> str:
        if self.granularity is Granularity.QUARTER:
            return f"{self.year:04d}-Q{self.number}"
        if self.granularity is Granularity.MONTH:
            return f"{self.year:04d}-{self.number:02d}"
        return f"{self.year:04d}"

    @property
    def months(self) -> range:
        """The month numbers (1-12) it covers."""
        if self.granularity is Granularity.MONTH:
            return range(self.number, self.number + 1)
        if self.granularity is Granularity.QUARTER:
            return range(3 * self.number - 2, 3 * self.number + 1)
        return range(1, 13)

    @property
    def first_day(self) -> date:
        """Its first day."""
        return date(self.year, self.months.start, 1)

    @property
    def end(self) -> date:
        """The first day after it."""
        last = self.months.stop - 1
        return date(self.year + 1, 1, 1) if last == 12 else date(self.year, last + 1, 1)

    def parts(self) -> list[Period]:
        """The periods one step finer that add up to it (a year's quarters, a quarter's
        months); none for a month."""
        if self.granularity is Granularity.YEAR:
            return [Period(self.year, Granularity.QUARTER, q) for q in range(1, 5)]
        if self.granularity is Granularity.QUARTER:
            return [Period(self.year, Granularity.MONTH, m) for m in self.months]
        return []

    def previous(self) -> Period:
        """The period of the same length just before it."""
        size = {Granularity.YEAR: 1, Granularity.QUARTER: 4, Granularity.MONTH: 12}
        if self.granularity is Granularity.YEAR:
            return Period(self.year - 1, self.granularity)
        if self.number > 1:
            return Period(self.year, self.granularity, self.number - 1)
        return Period(self.year - 1, self.granularity, size[self.granularity])

    def next(self) -> Period:
        """The period of the same length just after it."""
        size = {Granularity.YEAR: 1, Granularity.QUARTER: 4, Granularity.MONTH: 12}
        if self.granularity is Granularity.YEAR:
            return Period(self.year + 1, self.granularity)
        if self.number < size[self.granularity]:
            return Period(self.year, self.granularity, self.number + 1)
        return Period(self.year + 1, self.granularity, 1)

    def complete_on(self, today: date) -> bool:
        """Whether it has ended by ``today`` (only ended periods are published)."""
        return self.end <= today


def year_periods(year: int) -> list[Period]:
    """Every period of a year: the year, its quarters and its months."""
    return [Period(year, Granularity.YEAR),
            *(Period(year, Granularity.QUARTER, q) for q in range(1, 5)),
            *(Period(year, Granularity.MONTH, m) for m in range(1, 13))]


def latest_complete(granularity: Granularity, today: date) -> Period:
    """The last period of a granularity that has ended by ``today``."""
    current = Period(today.year, granularity,
                     {Granularity.YEAR: 0, Granularity.QUARTER: (today.month + 2) // 3,
                      Granularity.MONTH: today.month}[granularity])
    return current.previous()


class RangeError(ValueError):
    """A range of periods that cannot be read; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_range(text: str) -> list[Period]:
    """``2025-01..2025-12`` -> the periods from the first to the last, both included; a single
    period -> a list of one. Raises RangeError("malformed" / "mixed" / "reversed" / "too_long")."""
    first_text, separator, last_text = text.partition("..")
    first = Period.parse(first_text)
    last = Period.parse(last_text) if separator else first
    if first is None or last is None:
        raise RangeError("malformed")
    if first.granularity is not last.granularity:
        raise RangeError("mixed")
    if last < first:
        raise RangeError("reversed")
    periods = [first]
    while periods[-1] < last:
        if len(periods) >= MAX_RANGE:
            raise RangeError("too_long")
        periods.append(periods[-1].next())
    return periods
