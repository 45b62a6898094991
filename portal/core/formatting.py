"""Template filters that format numbers, money and dates for the current locale through Babel."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import (
    format_skeleton,
    get_date_format,
    get_datetime_format,
    get_time_format,
    get_timezone_name,
)
from flask import Flask, current_app
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    to_user_timezone,
)


def money(value: Decimal | int | str | None, currency: str = "CNY") -> str:
    """Format an amount of money, e.g. ``¥1,234.50`` or ``US$…`` style per locale."""
    if value is None:
        return ""
    return str(format_currency(Decimal(str(value)), currency))


def number(value: Decimal | float | int | None, digits: int | None = None) -> str:
    """Format a number with the locale's grouping and, if given, a fixed number of decimals."""
    if value is None:
        return ""
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return str(format_decimal(value, format=pattern))


def date_filter(value: date | datetime | None, style: str = "medium") -> str:
    """Format a date for the locale."""
    if value is None:
        return ""
    return str(format_date(value, style))


def datetime_filter(value: datetime | None, style: str = "medium") -> str:
    """Format a timezone-aware datetime in the portal's time zone; ``medium`` is the medium
    date with the short time (``2026年11月25日 14:30``, ``Nov 25, 2026, 2:30 PM``): nobody
    reads the seconds of a meeting or a reply."""
    if value is None:
        return ""
    if style == "medium":
        locale = get_locale()
        pattern = str(get_datetime_format("medium", locale)).replace(
            "{1}", get_date_format("medium", locale).pattern).replace(
            "{0}", get_time_format("short", locale).pattern)
        return str(format_datetime(value, pattern))
    return str(format_datetime(value, style))


def deadline_end(value: datetime) -> datetime:
    """A deadline that falls at midnight where the portal is, as the last minute of the day
    before ("by the end of"); any other as it is."""
    local = to_user_timezone(value)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return value - timedelta(minutes=1)
    return value


def deadline_filter(value: datetime | None) -> str:
    """A deadline that falls at midnight is shown as 23:59 of the day before ("by the end of")."""
    if value is None:
        return ""
    return datetime_filter(deadline_end(value), "short")


def deadline_date_filter(value: datetime | None) -> str:
    """The day a deadline ends on (a deadline at midnight ends the day before), for lists."""
    if value is None:
        return ""
    return str(format_date(to_user_timezone(deadline_end(value)).date(), "medium"))


def month_filter(value: date | datetime | None) -> str:
    """The month, as a reader writes it: ``2026年10月`` / ``October 2026`` (a datetime in the
    portal's time zone); the same words as the month filters of the lists."""
    if value is None:
        return ""
    day = to_user_timezone(value).date() if isinstance(value, datetime) else value
    return str(format_skeleton("yMMMM", day, locale=get_locale() or "zh_Hans_CN"))


def zone_name() -> str:
    """The portal's time zone as readers call it ("China Time", "中国时间")."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return str(get_timezone_name(zone, locale=str(get_locale() or "zh_Hans_CN")))


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.jinja_env.globals["zone_name"] = zone_name
    app.add_template_filter(money, "money")
    app.add_template_filter(number, "number")
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(month_filter, "month")
    app.add_template_filter(datetime_filter, "datetime")
    app.add_template_filter(deadline_filter, "deadline")
    app.add_template_filter(deadline_date_filter, "deadline_date")
