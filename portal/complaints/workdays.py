"""Working days in China: statutory holidays and the weekend days that become working days.

``chinese-calendar`` knows the official schedule of each year it ships (it is published by the
State Council each autumn). For a year it does not know yet, Monday to Friday are counted as
working days, and the package should be upgraded.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar


@lru_cache(maxsize=4096)  # chinese-calendar checks each date against every year it knows
def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (holidays off, adjusted weekends on)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself never counts)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def reply_due(registered_at: datetime, working_days: int, zone: str) -> datetime:
    """End of the ``working_days``-th working day after the day of registration, local time."""
    local = registered_at.astimezone(ZoneInfo(zone))
    last_day = add_working_days(local.date(), working_days)
    return datetime.combine(last_day + timedelta(days=1), time(0), ZoneInfo(zone))
