"""A tariff version's price structure as plain values, and the rules it must satisfy.

The same checks serve the staff forms, the JSON import and the publishing service, so a
structure is judged the same way wherever it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.fees.bounds import PRICE, TIER_LIMIT, Bound
from portal.fees.enums import TIME_OF_USE_PERIODS, BasicChargeBasis, BillingBasis, Period

MINUTES_PER_DAY = 24 * 60
# The most tiers a version may have (wherever it comes from); the staff form has fewer fields.
MAX_TIER_COUNT = 10
REQUIRED = _l("This field is required.")
CANNOT_STORE = _l("This text contains characters that cannot be stored (invalid Unicode). "
                  "Please type it again.")


def too_many_tiers(count: int) -> LazyString:
    """The message for more than ``count`` tiers."""
    return _l("At most %(count)s tiers, that is %(limits)s tier limits.", count=count,
              limits=count - 1)


def text_problem(value: str | None, maximum: int | None = None) -> LazyString | None:
    """Why a text cannot be stored: a lone surrogate (no encoding holds it), or more than
    ``maximum`` characters once stripped; None when it fits."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return CANNOT_STORE
    if maximum is not None and len(value.strip()) > maximum:
        return _l("At most %(count)s characters.", count=maximum)
    return None


@dataclass(frozen=True)
class HourSpan:
    """Part of the day in minutes from midnight; the end is exclusive (1440 = midnight)."""

    period: Period
    start_minute: int
    end_minute: int

    @property
    def start(self) -> str:
        """``08:00``."""
        return _clock(self.start_minute)

    @property
    def end(self) -> str:
        """``22:00`` (``24:00`` for midnight at the end of the day)."""
        return _clock(self.end_minute)

    @property
    def label(self) -> str:
        """``08:00–22:00``, with the en dash of a range, as the published notes write it."""
        return f"{self.start}\u2013{self.end}"


@dataclass(frozen=True)
class MonthlyCharge:
    """A fixed charge per month."""

    label_zh: str
    label_en: str | None
    amount: Decimal


@dataclass(frozen=True)
class PriceStructure:
    """Everything that sets the price of a version."""

    tiers: tuple[Decimal | None, ...] = (None,)
    billing_basis: BillingBasis | None = None
    hours: tuple[HourSpan, ...] = ()
    prices: dict[tuple[int, Period], Decimal] = field(default_factory=dict)
    basic_charge_basis: BasicChargeBasis | None = None
    basic_charge_rate: Decimal | None = None
    monthly_charges: tuple[MonthlyCharge, ...] = ()

    @property
    def is_tiered(self) -> bool:
        """More than one consumption tier."""
        return len(self.tiers) > 1

    @property
    def periods(self) -> tuple[Period, ...]:
        """The periods that have prices, in peak, flat, valley order (or just ``ALL``)."""
        used = {period for _tier, period in self.prices}
        return tuple(p for p in (Period.ALL, *TIME_OF_USE_PERIODS) if p in used)

    @property
    def is_time_of_use(self) -> bool:
        """Prices differ by time of day."""
        return any(period is not Period.ALL for period in self.periods)

    @property
    def is_two_part(self) -> bool:
        """A basic charge on capacity or demand is levied besides energy."""
        return self.basic_charge_basis is not None

    def canonical(self) -> tuple[object, ...]:
        """A comparable form: equal for structures that price everything the same."""
        return (tuple(None if t is None else t.normalize() for t in self.tiers),
                self.billing_basis if self.is_tiered else None,
                tuple(sorted((s.start_minute, s.end_minute, s.period.value) for s in self.hours)),
                tuple(sorted((t, p.value, v.normalize()) for (t, p), v in self.prices.items())),
                self.basic_charge_basis,
                None if self.basic_charge_rate is None else self.basic_charge_rate.normalize(),
                tuple((c.label_zh, c.label_en, c.amount.normalize())
                      for c in self.monthly_charges))

    def price(self, tier: int, period: Period) -> Decimal:
        """Price of a tier and period."""
        return self.prices[(tier, period)]

    def tier_bounds(self) -> list[tuple[Decimal, Decimal | None]]:
        """(lower, upper) kWh of each tier; a tier covers lower < kWh <= upper."""
        bounds: list[tuple[Decimal, Decimal | None]] = []
        lower = Decimal(0)
        for upper in self.tiers:
            bounds.append((lower, upper))
            lower = upper if upper is not None else lower
        return bounds


@dataclass(frozen=True)
class StructureError:
    """One broken rule: the field it concerns and a translated message."""

    field: str
    message: Any

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_clock(text: str) -> int:
    """``07:30`` -> 450; ``24:00`` -> 1440. Raises ValueError on anything else."""
    hours, sep, minutes = text.strip().replace("：", ":").partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(text)
    return value


# What people type between the two times of a span: a hyphen, the en dash that the portal
# writes, a full-width hyphen, a dash, a tilde or 至 ("to").
_RANGE_MARKS = re.compile("\\s*(?:[-\u2013\u2014\uff0d~\uff5e]|\u81f3)\\s*")


def parse_span(period: Period, text: str) -> HourSpan:
    """``08:00-22:00`` (or ``08:00–22:00``, ``08:00至22:00``) for a period. Raises ValueError if
    malformed or empty."""
    parts = _RANGE_MARKS.split(text.strip(), maxsplit=1)
    if len(parts) != 2:
        raise ValueError(text)
    start, end = parts
    span = HourSpan(period, parse_clock(start), parse_clock(end))
    if span.end_minute <= span.start_minute:
        raise ValueError(text)
    return span


def check_structure(structure: PriceStructure) -> list[StructureError]:
    """Every rule the structure breaks (an empty list when it is sound)."""
    errors: list[StructureError] = []
    errors += _check_tiers(structure)
    errors += _check_prices(structure)
    errors += _check_hours(structure)
    if (structure.basic_charge_basis is None) != (structure.basic_charge_rate is None):
        errors.append(StructureError("basic_charge", _l(
            "A basic charge needs both what it is levied on and a rate.")))
    elif structure.basic_charge_rate is not None:
        errors += _check_number("basic_charge.rate", structure.basic_charge_rate)
    for index, charge in enumerate(structure.monthly_charges):
        if not charge.label_zh.strip():
            errors.append(StructureError(f"monthly_charges[{index}].label_zh",
                                         _l("A monthly charge needs a Chinese label.")))
        if charge.amount is None:  # a form row with a label but no amount
            errors.append(StructureError(f"monthly_charges[{index}].amount", REQUIRED))
        else:
            errors += _check_number(f"monthly_charges[{index}].amount", charge.amount)
    return errors


def _check_number(name: str, value: Decimal, bound: Bound = PRICE) -> list[StructureError]:
    problem = bound.problem(value)
    return [] if problem is None else [StructureError(name, problem)]


def _check_tiers(structure: PriceStructure) -> list[StructureError]:
    errors: list[StructureError] = []
    tiers = structure.tiers
    if len(tiers) > MAX_TIER_COUNT:
        return [StructureError("tiers", too_many_tiers(MAX_TIER_COUNT))]
    if not tiers or tiers[-1] is not None:
        errors.append(StructureError("tiers", _l("The last tier must have no upper limit.")))
    limits = [limit for limit in tiers[:-1]]
    if any(limit is None for limit in limits):
        errors.append(StructureError("tiers", _l("Only the last tier may have no upper limit.")))
        return errors
    previous = Decimal(0)
    for index, limit in enumerate(limits):
        assert limit is not None
        problem = _check_number(f"tiers[{index}]", limit, TIER_LIMIT)
        if not problem and limit <= previous:
            problem = [StructureError(f"tiers[{index}]", _l(
                "Tier limits must be greater than zero and strictly ascending."))]
        if problem:
            errors += problem
            break
        previous = limit
    if len(tiers) > 1 and structure.billing_basis is None:
        errors.append(StructureError("billing_basis", _l(
            "A tiered tariff must say whether its limits count kWh per month or per year.")))
    return errors


def _check_prices(structure: PriceStructure) -> list[StructureError]:
    errors: list[StructureError] = []
    if not structure.prices:
        return [StructureError("prices", _l("At least one energy price is needed."))]
    periods = structure.periods
    if Period.ALL in periods and len(periods) > 1:
        errors.append(StructureError("prices", _l(
            "Use either one all-day price or time-of-use prices, not both.")))
    for tier in range(1, min(len(structure.tiers), MAX_TIER_COUNT) + 1):
        for period in periods:
            if (tier, period) not in structure.prices:
                errors.append(StructureError(f"prices[{tier}][{period.value}]", _l(
                    "Every tier needs a price for every period.")))
    for (tier, period), price in structure.prices.items():
        if tier > len(structure.tiers):
            errors.append(StructureError(f"prices[{tier}][{period.value}]",
                                         _l("This tier does not exist.")))
        errors += _check_number(f"prices[{tier}][{period.value}]", price)
    return errors


def _check_hours(structure: PriceStructure) -> list[StructureError]:
    if not structure.is_time_of_use:
        if structure.hours:
            return [StructureError("hours", _l("Hours are only given for time-of-use prices."))]
        return []
    spans = sorted(structure.hours, key=lambda span: span.start_minute)
    covered = 0
    for span in spans:
        if span.start_minute < covered:
            return [StructureError("hours", _l(
                "Time-of-use periods overlap at %(time)s.", time=_clock(span.start_minute)))]
        if span.start_minute > covered:
            break
        covered = span.end_minute
    if covered != MINUTES_PER_DAY:
        return [StructureError("hours", _l(
            "Time-of-use periods must cover all 24 hours; %(time)s is not covered.",
            time=_clock(covered)))]
    missing = [p for p in structure.periods if p not in {span.period for span in spans}]
    extra = [s.period for s in spans if s.period not in structure.periods]
    if missing or extra:
        return [StructureError("hours", _l(
            "Each priced period needs hours, and each period with hours needs a price."))]
    return []
