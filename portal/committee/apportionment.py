"""How the committee's seats are shared among the customer classes by the fees each pays.

Pure functions, no database. The method in force is the largest remainder (Hamilton) with a
guaranteed minimum per class:

1. every class first receives its minimum;
2. the seats left are shared by quota = seats left x the class's share of all fees;
3. each class receives the whole part of its quota;
4. the seats still left go to the largest remainders (quota minus its whole part); an exact tie
   of remainders goes to the class that paid more; a tie that still remains at the last seat is
   reported (``Apportionment.tied``) and its seats left undecided, never decided silently.

D'Hondt (divisors 1, 2, 3 ...: favours large classes) and Sainte-Laguë (divisors 1, 3, 5 ...:
neutral) are computed beside it from the same minimums, and Hamilton without any minimum, so
that a reader sees what the choice of method, and of the minimum, means. Shares and quotas are
exact fractions (``fractions.Fraction``), never floats: a tie is a tie, not a rounding accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError


class ApportionmentError(DomainError):
    """The seats cannot be apportioned from these figures."""

    message = _l("The seats cannot be apportioned from these figures.")


@dataclass(frozen=True)
class DivisorResult:
    """The seats a method gave each class, and the classes tied for the seats it left open."""

    totals: dict[str, int]
    tied: tuple[str, ...] = ()
    undecided: int = 0


@dataclass(frozen=True)
class ClassSeats:
    """One class's line of the calculation."""

    key: str
    fees: Decimal
    share: Fraction
    minimum: int
    quota: Fraction
    whole: int
    remainder: Fraction
    extra: bool
    tied: bool
    dhondt: int
    sainte_lague: int
    without_minimum: int

    @property
    def total(self) -> int:
        """Seats of the class: minimum + whole part of the quota + the extra seat, if any."""
        return self.minimum + self.whole + (1 if self.extra else 0)


@dataclass(frozen=True)
class Apportionment:
    """The whole calculation: the seats, the minimum per class and one line per class."""

    seats: int
    minimum: int
    rows: tuple[ClassSeats, ...]
    fee_total: Decimal
    # seats shared by quota (all seats minus the minimums)
    remaining: int
    # seats given to the largest remainders
    by_remainder: int
    # classes whose remainder and fees are exactly equal at the last seat(s), and how many
    # seats that tie leaves undecided (0 when the result is complete)
    tied: tuple[str, ...] = ()
    undecided: int = 0
    dhondt_tied: tuple[str, ...] = ()
    sainte_lague_tied: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every seat went to a class (no unresolved tie)."""
        return self.undecided == 0

    def totals(self) -> dict[str, int]:
        """Seats per class by the method in force."""
        return {row.key: row.total for row in self.rows}

    def row(self, key: str) -> ClassSeats:
        """The line of one class."""
        return next(row for row in self.rows if row.key == key)


def _check(fees: Mapping[str, Decimal], seats: int, minimum: int,
           known: Iterable[str] | None) -> None:
    if known is not None:
        allowed = set(known)
        unknown = sorted(key for key in fees if key not in allowed)
        if unknown:
            raise ApportionmentError(
                _l("Unknown customer class: %(name)s.", name=", ".join(unknown)),
                field="customer_class")
    if not fees:
        raise ApportionmentError(_l("Enter the fees of at least one customer class."),
                                 field="fees")
    for value in fees.values():
        if not Decimal(value).is_finite() or Decimal(value) <= 0:
            raise ApportionmentError(
                _l("Each class's fee total must be greater than zero."), field="fees")
    if minimum < 0:
        raise ApportionmentError(_l("The minimum of seats per class cannot be negative."),
                                 field="minimum_seats")
    if seats < 1:
        raise ApportionmentError(_l("The committee needs at least one seat."),
                                 field="total_seats")
    if seats < minimum * len(fees):
        raise ApportionmentError(
            _l("%(seats)s seats are fewer than the %(needed)s that the minimum of "
               "%(minimum)s per class needs for %(classes)s classes.",
               seats=seats, needed=minimum * len(fees), minimum=minimum, classes=len(fees)),
            field="total_seats")


def _hamilton(fees: Mapping[str, Fraction], seats: int
              ) -> tuple[dict[str, Fraction], dict[str, int], set[str], tuple[str, ...], int]:
    """Quotas, whole parts, who gets an extra seat, the tied classes and the undecided seats."""
    total = sum(fees.values(), Fraction(0))
    quotas = {key: seats * value / total for key, value in fees.items()}
    whole = {key: quota.numerator // quota.denominator for key, quota in quotas.items()}
    left = seats - sum(whole.values())
    # Largest remainder first; an equal remainder goes to the larger fee total.
    ranked = sorted(fees, key=lambda key: (quotas[key] - whole[key], fees[key]), reverse=True)
    extra = set(ranked[:left])
    tied: tuple[str, ...] = ()
    undecided = 0
    if 0 < left < len(ranked):
        rank = _rank_key(quotas, whole, fees)
        boundary = rank(ranked[left - 1])
        if rank(ranked[left]) == boundary:
            group = [key for key in ranked if rank(key) == boundary]
            tied = tuple(group)
            extra -= set(group)
            undecided = left - len(extra)
    return quotas, whole, extra, tied, undecided


def _rank_key(quotas: Mapping[str, Fraction], whole: Mapping[str, int],
              fees: Mapping[str, Fraction]) -> Callable[[str], tuple[Fraction, Fraction]]:
    return lambda key: (quotas[key] - whole[key], fees[key])


def divisor_method(fees: Mapping[str, Fraction], seats: int, minimum: int,
                   divisor: Callable[[int], int]) -> DivisorResult:
    """Seats by highest averages: each class starts with ``minimum`` seats; each further seat
    goes to the highest fees / divisor(seats already held); an equal quotient goes to the
    larger fee total, and an exact tie left at the last seat is reported, not decided."""
    totals = dict.fromkeys(fees, minimum)
    left = seats - minimum * len(fees)
    while left > 0:
        def rank(key: str) -> tuple[Fraction, Fraction]:
            return (fees[key] / divisor(totals[key]), fees[key])

        best = max(rank(key) for key in fees)
        winners = [key for key in fees if rank(key) == best]
        if len(winners) > left:
            return DivisorResult(totals, tuple(winners), left)
        for key in winners:
            totals[key] += 1
        left -= len(winners)
    return DivisorResult(totals)


def dhondt(fees: Mapping[str, Fraction], seats: int, minimum: int = 0) -> DivisorResult:
    """D'Hondt: divisors 1, 2, 3 ..."""
    return divisor_method(fees, seats, minimum, lambda held: held + 1)


def sainte_lague(fees: Mapping[str, Fraction], seats: int, minimum: int = 0) -> DivisorResult:
    """Sainte-Laguë: divisors 1, 3, 5 ..."""
    return divisor_method(fees, seats, minimum, lambda held: 2 * held + 1)


def apportion(fees: Mapping[str, Decimal], seats: int, minimum: int = 1,
              known: Iterable[str] | None = None) -> Apportionment:
    """Share ``seats`` among the classes of ``fees`` (class -> fees paid) by the largest
    remainder with ``minimum`` seats per class; ``known`` lists the classes allowed (None:
    any). Raises ``ApportionmentError`` for figures that cannot be apportioned."""
    _check(fees, seats, minimum, known)
    order = list(fees) if known is None else [key for key in known if key in fees]
    exact = {key: Fraction(Decimal(fees[key])) for key in order}
    fee_total = sum(exact.values(), Fraction(0))
    remaining = seats - minimum * len(order)
    quotas, whole, extra, tied, undecided = _hamilton(exact, remaining)
    plain = _hamilton(exact, seats)
    plain_totals = {key: plain[1][key] + (1 if key in plain[2] else 0) for key in order}
    by_dhondt = dhondt(exact, seats, minimum)
    by_sainte_lague = sainte_lague(exact, seats, minimum)
    rows = tuple(
        ClassSeats(key=key, fees=Decimal(fees[key]), share=exact[key] / fee_total,
                   minimum=minimum, quota=quotas[key], whole=whole[key],
                   remainder=quotas[key] - whole[key], extra=key in extra, tied=key in tied,
                   dhondt=by_dhondt.totals[key], sainte_lague=by_sainte_lague.totals[key],
                   without_minimum=plain_totals[key])
        for key in order)
    return Apportionment(
        seats=seats, minimum=minimum, rows=rows,
        fee_total=sum((Decimal(fees[key]) for key in order), Decimal(0)),
        remaining=remaining, by_remainder=remaining - sum(whole.values()), tied=tied,
        undecided=undecided, dhondt_tied=by_dhondt.tied,
        sainte_lague_tied=by_sainte_lague.tied)
