"""The bill calculator: one bill's amount, line by line.

Rules (also in the README and on the calculator page):
- Tiers: a tier covers ``lower < kWh <= upper``; the upper limit is inclusive, so with a tier-1
  limit of 2,760 kWh the 2,760th kWh is billed in tier 1. Monthly limits are multiplied by the
  number of months billed.
- Annual tiers are billed cumulatively, as suppliers do where the limits count per year (e.g.
  Zhejiang, with the tariff year's consumption printed on the bill as 年累计电量): this bill's
  kWh are the kWh from ``previous_kwh`` (what the household used earlier in the tariff year)
  to ``previous_kwh + kWh``, and each is charged at the price of the tier it falls in. A
  household that had used 2,700 kWh and uses 200 kWh now pays 60 kWh at tier 1 and 140 kWh at
  tier 2 (DOMAIN.md). ``previous_kwh`` is 0 for the first bill of a tariff year, which is also
  the whole-year calculation.
- Time of use with tiers: this bill's total decides how many kWh fall in each tier (as above),
  and each tier's kWh are split across the periods in proportion to each period's share of
  this bill's total; the last tier with kWh takes the remainder of each period, so that each
  period's quantities add up exactly to what was consumed in it. This is how Zhejiang-style
  time-of-use tiered bills are drawn up: the meter counts peak and valley kWh, not which kWh
  crossed a tier limit, so the tier split applies the bill's own peak/valley proportion.
- Each line's amount is quantity x unit price, rounded half-up to 0.01 yuan; the total is the
  sum of the rounded lines. Quantities are shown to 4 decimal places.
- Two-part tariffs add a basic charge: rate x kVA (or kW) x months. Fixed monthly charges add
  amount x months. The months billed change nothing else (annual limits stay as they are).

Reading the calculator's parameters is ``portal.fees.bill_input``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from portal.core.text import bracketed, joined
from portal.fees.enums import BasicChargeBasis, BillingBasis, Period
from portal.fees.structure import PriceStructure
from portal.i18n import current_language

CENT = Decimal("0.01")
QUANTITY = Decimal("0.0001")
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
    # Annual tiers: the tariff year's consumption before this bill, given as such or as the
    # year-to-date printed on the bill (年累计电量, which includes this bill); at most one.
    previous_kwh: Decimal | None = None
    year_to_date_kwh: Decimal | None = None


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
    # Annual tiers: the tariff year's consumption before this bill, and this bill's kWh.
    previous_kwh: Decimal | None = None
    kwh: Decimal | None = None

    @property
    def year_to_date_kwh(self) -> Decimal | None:
        """The tariff year's consumption including this bill (annual tiers only)."""
        if self.previous_kwh is None or self.kwh is None:
            return None
        return self.previous_kwh + self.kwh

    @property
    def total(self) -> Decimal:
        """Sum of the rounded lines."""
        return sum((line.amount for line in self.lines), Decimal("0.00")).quantize(CENT)


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


def has_annual_tiers(structure: PriceStructure) -> bool:
    """Tier limits that count the tariff year's consumption (billed cumulatively)."""
    return structure.is_tiered and structure.billing_basis is BillingBasis.ANNUAL


def months_matter(structure: PriceStructure) -> bool:
    """Whether the number of months billed changes the bill under ``structure``."""
    monthly_tiers = structure.is_tiered and structure.billing_basis is BillingBasis.MONTHLY
    return monthly_tiers or structure.is_two_part or bool(structure.monthly_charges)


def _previous(structure: PriceStructure, usage: Usage, total: Decimal) -> Decimal | None:
    """The tariff year's kWh before this bill (None where tiers do not count per year)."""
    given = [(name, value) for name, value in (("previous_kwh", usage.previous_kwh),
                                               ("year_to_date_kwh", usage.year_to_date_kwh))
             if value is not None]
    if not has_annual_tiers(structure):
        if given:
            raise BillInputError(given[0][0], _(
                "The tiers of this tariff do not count per year, so the consumption earlier "
                "in the year changes nothing: leave it out."))
        return None
    if len(given) > 1:
        raise BillInputError("year_to_date_kwh", _(
            "Give either the consumption before this bill or the year-to-date consumption "
            "including this bill, not both."))
    if not given:
        return Decimal(0)
    name, value = given[0]
    if name == "previous_kwh":
        return value
    if value < total:
        raise BillInputError(name, _(
            "The year-to-date consumption includes this bill, so it cannot be less than this "
            "bill's %(kwh)s kWh.", kwh=format(total, "f")))
    return value - total


def _tier_quantities(structure: PriceStructure, total: Decimal, months: int,
                     previous: Decimal | None) -> list[Decimal]:
    """This bill's kWh in each tier: the kWh from ``previous`` to ``previous + total``."""
    monthly = structure.billing_basis is BillingBasis.MONTHLY
    scale = months if monthly else 1
    start = previous or Decimal(0)
    end = start + total
    quantities = []
    for lower, upper in structure.tier_bounds():
        high = end if upper is None else min(end, upper * scale)
        quantities.append(max(Decimal(0), high - max(start, lower * scale)))
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
    previous = _previous(structure, usage, total)
    months = usage.months if months_matter(structure) else 1
    lines: list[BillLine] = []
    if total > 0:
        tier_kwh = _tier_quantities(structure, total, months, previous)
        for tier, period, kwh in _split(tier_kwh, energy, total):
            if kwh == 0:
                continue
            price = structure.price(tier, period)
            lines.append(BillLine("energy", _energy_label(structure, tier, period), kwh, "kWh",
                                  price, (kwh * price).quantize(CENT, ROUND_HALF_UP)))
    if structure.is_two_part:
        assert structure.basic_charge_rate is not None
        capacity = structure.basic_charge_basis is BasicChargeBasis.CAPACITY
        quantity = basic * months
        lines.append(BillLine(
            "basic", _("Basic charge on capacity") if capacity else _("Basic charge on demand"),
            quantity, _("kVA·month") if capacity else _("kW·month"), structure.basic_charge_rate,
            (quantity * structure.basic_charge_rate).quantize(CENT, ROUND_HALF_UP)))
    for charge in structure.monthly_charges:
        label = charge.label_en if current_language() == "en" and charge.label_en \
            else charge.label_zh
        lines.append(BillLine("monthly", label, Decimal(months), _("month"), charge.amount,
                              (months * charge.amount).quantize(CENT, ROUND_HALF_UP)))
    return Bill(lines, previous, total if previous is not None else None)


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
