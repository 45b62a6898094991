"""The largest numbers the fee standards accept, and the one rule that checks every number.

Staff forms, the JSON import, publishing, "check my bill" and the calculator all judge a number
with ``Bound.problem``, so a number is accepted or refused the same way wherever it comes from.

The bounds sit well inside the columns (``PRICE`` is ``Numeric(12, 4)``: below 10^8 yuan;
``KWH`` is ``Numeric(14, 4)``: below 10^10 kWh; fee item amounts are ``Numeric(12, 2)``), keep
at most 15 significant digits so that SQLite's floating-point storage gives back the exact value,
and keep every bill (1e9 kWh or kVA x 1,000,000 yuan x 24 months) far inside Python's 28-digit
decimal context, so that no accepted number can make a page or the calculator fail later.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

MAX_YUAN = Decimal("1000000")
MAX_KWH = Decimal("1000000000")
MAX_BILL_AMOUNT = Decimal("10000000")
NOT_A_NUMBER = _l("Enter a number, such as 12.50.")
TOO_LARGE = _l("The value is too large.")
FOUR_PLACES = _l("Use at most 4 decimal places.")
MONEY_TOO_LARGE = _l("Prices and amounts are at most %(max)s yuan.", max=format(MAX_YUAN, ","))


def decimal_places(value: Decimal) -> int:
    """How many digits a finite decimal has after the point, trailing zeros not counted.

    Read from the digits, never through ``normalize()`` or ``quantize()``, which raise for
    numbers the decimal context cannot hold (``1E+999999999``).
    """
    if not value.is_finite() or value.is_zero():
        return 0
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    return max(0, -(exponent + len(text) - len(text.rstrip("0"))))


@dataclass(frozen=True)
class Bound:
    """What a number may be (finite, not negative, up to ``maximum`` with ``places`` decimals)."""

    maximum: Decimal
    places: int
    zero_allowed: bool
    too_small: LazyString
    too_large: LazyString
    too_precise: LazyString
    not_a_number: LazyString = NOT_A_NUMBER

    def problem(self, value: Decimal) -> LazyString | None:
        """Why ``value`` is refused (a lazily translated message), or None when it fits."""
        if not value.is_finite():  # NaN, sNaN and Infinity: no comparison is safe on them
            return self.not_a_number
        if value.is_signed() or (value.is_zero() and not self.zero_allowed):  # -0 is refused
            return self.too_small
        if value > self.maximum:
            return self.too_large
        if decimal_places(value) > self.places:
            return self.too_precise
        return None


# Energy prices (yuan per kWh), basic-charge rates and fixed monthly charges of a version.
PRICE = Bound(MAX_YUAN, 4, False, _l("Prices and amounts must be greater than zero."),
              MONEY_TOO_LARGE, _l("Prices have at most 4 decimal places."))
# A service charge (fee item); 0.00 is allowed, as the column's check allows it.
FEE_AMOUNT = Bound(MAX_YUAN, 2, True,
                   _l("An amount is zero or more, in yuan with at most 2 decimal places."),
                   MONEY_TOO_LARGE,
                   _l("An amount is zero or more, in yuan with at most 2 decimal places."))
# The upper limit of a consumption tier.
TIER_LIMIT = Bound(MAX_KWH, 4, False,
                   _l("Tier limits must be greater than zero and strictly ascending."),
                   _l("Tier limits are at most %(max)s kWh.", max=format(MAX_KWH, ",")),
                   FOUR_PLACES)
# What a customer consumed or has installed (the calculator and its API).
USAGE = Bound(MAX_KWH, 4, True, _l("The value cannot be negative."), TOO_LARGE, FOUR_PLACES,
              _l("Enter a number, such as 250 or 250.5."))
# "Check my bill": the quantity of a charge, and the amount printed on the bill.
CLAIMED_QUANTITY = Bound(MAX_KWH, 4, False, _l("Enter a positive number."), TOO_LARGE,
                         FOUR_PLACES, _l("Enter a number, such as 250 or 250.5."))
CLAIMED_AMOUNT = Bound(MAX_BILL_AMOUNT, 2, True, _l("Enter an amount from 0 to 10,000,000."),
                       _l("Enter an amount from 0 to 10,000,000."),
                       _l("Use at most 2 decimal places."),
                       _l("Enter an amount from 0 to 10,000,000."))


def parse_count(raw: str | None, maximum: int) -> int | None:
    """A whole number from 0 to ``maximum`` in ASCII digits; None if absent or anything else.

    ``str.isdigit()`` accepts "²", which ``int()`` then refuses; ``int()`` accepts " +1_0" and
    raises on digit strings over 4,300 long. This reads only what a person or a link writes.
    """
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None
