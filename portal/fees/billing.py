"""The bill calculator.

Rules (also in the README):
- Tiers: a tier covers ``lower < kWh <= upper``; the upper limit is inclusive, so with a tier-1
  limit of 2,760 kWh the 2,760th kWh is billed in tier 1. Monthly limits are multiplied by the
  number of months billed; annual limits apply as they are to the consumption given (the
  year's, or the year's so far).
- Time of use with tiers: the total decides how many kWh fall in each tier, and each tier's kWh
  are split across the periods in proportion to each period's share of the total.
- Each line's amount is quantity x unit price, rounded half-up to 0.01 yuan; the total is the
  sum of the rounded lines. Quantities are shown to 4 decimal places.
- Two-part tariffs add a basic charge: rate x kVA (or kW) x months. Fixed monthly charges add
  amount x months.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _

from portal.core.text import bracketed, joined
from portal.fees.bounds import MAX_KWH, USAGE, parse_count
from portal.fees.enums import TIME_OF_USE_PERIODS, BasicChargeBasis, Period
from portal.fees.structure import PriceStructure
from portal.i18n import current_language

CENT = Decimal("0.01")
QUANTITY = Decimal("0.0001")
MAX_MONTHS = 24
PERIOD_PARAMETERS = {Period.PEAK: "peak_kwh", Period.FLAT: "flat_kwh", Period.VALLEY: "valley_kwh"}


class BillInputError(ValueError):
    """A calculator parameter is missing or unusable; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Usage:
    """What the customer consumed and has installed, over ``months`` months."""

    kwh: Decimal | None = None
    by_period: Mapping[Period, Decimal] = field(default_factory=dict)
    capacity_kva: Decimal | None = None
    demand_kw: Decimal | None = None
    months: int = 1


@dataclass(frozen=True)
class BillLine:
    """One line of a bill."""

    kind: str
    label: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Bill:
    """The lines and their total."""

    lines: list[BillLine]

    @property
    def total(self) -> Decimal:
        """Sum of the rounded lines."""
        return sum((line.amount for line in self.lines), Decimal("0.00")).quantize(CENT)


def parse_decimal(parameter: str, raw: str | None, *, required: bool = False) -> Decimal | None:
    """A number within ``bounds.USAGE`` (0 to 1e9, 4 decimals), or None when absent and optional."""
    if raw is None or raw.strip() == "":
        if required:
            raise BillInputError(parameter, _("This value is required."))
        return None
    try:
        value = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation:
        raise BillInputError(parameter, str(USAGE.not_a_number)) from None
    problem = USAGE.problem(value)
    if problem is not None:
        raise BillInputError(parameter, str(problem))
    return value


def parse_months(raw: str | None) -> int:
    """Months billed: a whole number from 1 to 24 (default 1)."""
    if raw is None or raw.strip() == "":
        return 1
    months = parse_count(raw, MAX_MONTHS)
    if months is None or months < 1:
        raise BillInputError("months", _("Enter a whole number of months from 1 to 24."))
    return months


def parse_usage(args: Mapping[str, str]) -> Usage:
    """Read the calculator's query parameters (``kwh``, ``peak_kwh``..., ``months``)."""
    by_period = {}
    for period, name in PERIOD_PARAMETERS.items():
        value = parse_decimal(name, args.get(name))
        if value is not None:
            by_period[period] = value
    return Usage(kwh=parse_decimal("kwh", args.get("kwh")), by_period=by_period,
                 capacity_kva=parse_decimal("capacity_kva", args.get("capacity_kva")),
                 demand_kw=parse_decimal("demand_kw", args.get("demand_kw")),
                 months=parse_months(args.get("months")))


def _energy_by_period(structure: PriceStructure, usage: Usage) -> dict[Period, Decimal]:
    if not structure.is_time_of_use:
        if usage.by_period:
            name = PERIOD_PARAMETERS[next(iter(usage.by_period))]
            raise BillInputError(name, _("This tariff has no time-of-use prices: give the "
                                         "total consumption as kwh."))
        if usage.kwh is None:
            raise BillInputError("kwh", _("This value is required."))
        return {Period.ALL: usage.kwh}
    if usage.kwh is not None:
        raise BillInputError("kwh", _("This tariff has time-of-use prices: give the consumption "
                                      "of each period instead of a total."))
    for period in usage.by_period:
        if period not in structure.periods:
            raise BillInputError(PERIOD_PARAMETERS[period],
                                 _("This tariff has no price for this period."))
    for period in structure.periods:
        if period not in usage.by_period:
            raise BillInputError(PERIOD_PARAMETERS[period], _("This value is required."))
    return {period: usage.by_period[period] for period in structure.periods}


def _tier_quantities(structure: PriceStructure, total: Decimal, months: int) -> list[Decimal]:
    scale = months if structure.billing_basis and structure.billing_basis.value == "monthly" else 1
    quantities = []
    for lower, upper in structure.tier_bounds():
        low = lower * scale
        high = total if upper is None else min(total, upper * scale)
        quantities.append(max(Decimal(0), high - low))
    return quantities


def _split(tier_kwh: list[Decimal], energy: dict[Period, Decimal],
           total: Decimal) -> list[tuple[int, Period, Decimal]]:
    """(tier, period, kWh) cells; the last tier with kWh takes the remainder of each period."""
    used_tiers = [index for index, kwh in enumerate(tier_kwh) if kwh > 0]
    cells = []
    order = list(energy)
    for period, period_kwh in energy.items():
        assigned = Decimal(0)
        for index in used_tiers:
            if index == used_tiers[-1]:
                share = period_kwh - assigned
            else:
                share = tier_kwh[index] * period_kwh / total
                assigned += share
            cells.append((index + 1, period, share))
    return sorted(cells, key=lambda cell: (cell[0], order.index(cell[1])))


def _energy_label(structure: PriceStructure, tier: int, period: Period) -> str:
    parts = [_("Energy")]
    if structure.is_tiered:
        parts.append(_("tier %(tier)s", tier=tier))
    if period is not Period.ALL:
        parts.append(period.title)
    return parts[0] + (bracketed(joined(parts[1:])) if len(parts) > 1 else "")


def calculate(structure: PriceStructure, usage: Usage) -> Bill:
    """The bill for ``usage`` under ``structure``; raises BillInputError for unusable input."""
    energy = _energy_by_period(structure, usage)
    if structure.is_two_part:
        basic = _basic_quantity(structure, usage)
    else:
        for name in ("capacity_kva", "demand_kw"):
            if getattr(usage, name) is not None:
                raise BillInputError(name, _("This tariff has no basic charge."))
    total = sum(energy.values(), Decimal(0))
    lines: list[BillLine] = []
    if total > 0:
        tier_kwh = _tier_quantities(structure, total, usage.months)
        for tier, period, kwh in _split(tier_kwh, energy, total):
            if kwh == 0:
                continue
            price = structure.price(tier, period)
            lines.append(BillLine("energy", _energy_label(structure, tier, period), kwh, "kWh",
                                  price, (kwh * price).quantize(CENT, ROUND_HALF_UP)))
    if structure.is_two_part:
        assert structure.basic_charge_rate is not None
        capacity = structure.basic_charge_basis is BasicChargeBasis.CAPACITY
        quantity = basic * usage.months
        lines.append(BillLine(
            "basic", _("Basic charge on capacity") if capacity else _("Basic charge on demand"),
            quantity, _("kVA·month") if capacity else _("kW·month"), structure.basic_charge_rate,
            (quantity * structure.basic_charge_rate).quantize(CENT, ROUND_HALF_UP)))
    for charge in structure.monthly_charges:
        label = charge.label_en if current_language() == "en" and charge.label_en \
            else charge.label_zh
        lines.append(BillLine("monthly", label, Decimal(usage.months), _("month"), charge.amount,
                              (usage.months * charge.amount).quantize(CENT, ROUND_HALF_UP)))
    return Bill(lines)


def _basic_quantity(structure: PriceStructure, usage: Usage) -> Decimal:
    wanted, other = (("capacity_kva", "demand_kw")
                     if structure.basic_charge_basis is BasicChargeBasis.CAPACITY
                     else ("demand_kw", "capacity_kva"))
    if getattr(usage, other) is not None:
        raise BillInputError(other, _("This tariff's basic charge is not levied on this; "
                                      "give %(name)s instead.", name=wanted))
    value: Decimal | None = getattr(usage, wanted)
    if value is None:
        raise BillInputError(wanted, _("This value is required."))
    return value


def used_parameters(structure: PriceStructure) -> list[str]:
    """The query parameters this structure's calculator asks for, in form order."""
    names = ([PERIOD_PARAMETERS[p] for p in TIME_OF_USE_PERIODS if p in structure.periods]
             if structure.is_time_of_use else ["kwh"])
    if structure.basic_charge_basis is BasicChargeBasis.CAPACITY:
        names.append("capacity_kva")
    elif structure.basic_charge_basis is BasicChargeBasis.DEMAND:
        names.append("demand_kw")
    return [*names, "months"]


def largest_usage(structure: PriceStructure) -> Usage:
    """The most that a calculator request may ask for under ``structure`` (every bound at once)."""
    tou, basis = structure.is_time_of_use, structure.basic_charge_basis
    return Usage(kwh=None if tou else MAX_KWH,
                 by_period=dict.fromkeys(structure.periods, MAX_KWH) if tou else {},
                 capacity_kva=MAX_KWH if basis is BasicChargeBasis.CAPACITY else None,
                 demand_kw=MAX_KWH if basis is BasicChargeBasis.DEMAND else None,
                 months=MAX_MONTHS)
