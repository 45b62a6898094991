"""What the bill calculator reads: its parameters, which of them a tariff asks for, and the
largest request a published version must be able to answer.

The same parameters serve the calculator page, "check my bill" and the API
(``/api/v1/tariffs/<code>/bill``), so a number is read the same way wherever it is typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.fees.billing import (
    PERIOD_PARAMETERS,
    BillInputError,
    Usage,
    has_annual_tiers,
    months_matter,
)
from portal.fees.bounds import MAX_KWH, USAGE, parse_count
from portal.fees.enums import TIME_OF_USE_PERIODS, BasicChargeBasis
from portal.fees.structure import PriceStructure

MAX_MONTHS = 24
# How a form asks for the consumption earlier in the tariff year: the calculator asks for the
# kWh before this bill; "check my bill" for the year-to-date printed on the bill.
PREVIOUS = "previous_kwh"
YEAR_TO_DATE = "year_to_date_kwh"
# What the forms call each parameter (the hints, which quote the bill, are in fees/_bill.html).
LABELS = {
    "kwh": _l("This bill's consumption (kWh)"),
    "peak_kwh": _l("This bill's peak consumption (kWh)"),
    "flat_kwh": _l("This bill's flat consumption (kWh)"),
    "valley_kwh": _l("This bill's valley consumption (kWh)"),
    PREVIOUS: _l("Consumption earlier in this tariff year, before this bill (kWh)"),
    YEAR_TO_DATE: _l("Year-to-date consumption printed on the bill, including this bill (kWh)"),
    "capacity_kva": _l("Transformer capacity (kVA)"),
    "demand_kw": _l("Maximum demand (kW)"),
    "months": _l("Months billed"),
    "on": _l("Prices in force on"),
}
NUMBERS = ("kwh", *PERIOD_PARAMETERS.values(), PREVIOUS, YEAR_TO_DATE, "capacity_kva",
           "demand_kw")


# A number as people write it on a form: ASCII digits, commas only between groups of three
# ("12,345.6"), one optional decimal point, an optional minus (refused later as below zero).
PLAIN_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+", re.ASCII)


def parse_decimal(parameter: str, raw: str | None, *, required: bool = False) -> Decimal | None:
    """A number within ``bounds.USAGE`` (0 to 1e9, 4 decimals), or None when absent and optional."""
    if raw is None or raw.strip() == "":
        if required:
            raise BillInputError(parameter, _("This value is required."))
        return None
    text = raw.strip()
    if not PLAIN_NUMBER.fullmatch(text):  # no "1_000", "1,,0", "٣" or "1e3" (Decimal takes them)
        raise BillInputError(parameter, str(USAGE.not_a_number))
    try:
        value = Decimal(text.replace(",", ""))
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
    """Read the calculator's parameters (``kwh``, ``peak_kwh``..., ``previous_kwh``,
    ``year_to_date_kwh``, ``capacity_kva``, ``demand_kw``, ``months``)."""
    numbers = {name: parse_decimal(name, args.get(name)) for name in NUMBERS}
    by_period = {period: value for period, name in PERIOD_PARAMETERS.items()
                 if (value := numbers[name]) is not None}
    return Usage(kwh=numbers["kwh"], by_period=by_period,
                 capacity_kva=numbers["capacity_kva"], demand_kw=numbers["demand_kw"],
                 months=parse_months(args.get("months")), previous_kwh=numbers[PREVIOUS],
                 year_to_date_kwh=numbers[YEAR_TO_DATE])


def require(structure: PriceStructure, args: Mapping[str, str], cumulative: str) -> None:
    """On a person's form, the consumption earlier in the tariff year is never assumed to be
    0: a household that left it empty would be billed everything at tier-1 prices."""
    if has_annual_tiers(structure) and not (args.get(cumulative) or "").strip():
        raise BillInputError(cumulative, _("Enter the consumption earlier in the tariff year; "
                                           "0 if this is the first bill of the year."))


def used_parameters(structure: PriceStructure, cumulative: str = PREVIOUS) -> list[str]:
    """The parameters this structure's calculator asks for, in form order; ``cumulative``
    names the field for the consumption earlier in the tariff year (annual tiers only)."""
    names = ([PERIOD_PARAMETERS[p] for p in TIME_OF_USE_PERIODS if p in structure.periods]
             if structure.is_time_of_use else ["kwh"])
    if has_annual_tiers(structure):
        names.append(cumulative)
    if structure.basic_charge_basis is BasicChargeBasis.CAPACITY:
        names.append("capacity_kva")
    elif structure.basic_charge_basis is BasicChargeBasis.DEMAND:
        names.append("demand_kw")
    return [*names, "months"] if months_matter(structure) else names


def largest_usage(structure: PriceStructure) -> Usage:
    """The most that a calculator request may ask for under ``structure`` (every bound at once)."""
    tou, basis = structure.is_time_of_use, structure.basic_charge_basis
    return Usage(kwh=None if tou else MAX_KWH,
                 by_period=dict.fromkeys(structure.periods, MAX_KWH) if tou else {},
                 capacity_kva=MAX_KWH if basis is BasicChargeBasis.CAPACITY else None,
                 demand_kw=MAX_KWH if basis is BasicChargeBasis.DEMAND else None,
                 months=MAX_MONTHS,
                 previous_kwh=MAX_KWH if has_annual_tiers(structure) else None)
