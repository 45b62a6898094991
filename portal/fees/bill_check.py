"""Check my bill: compare what a bill says with the published tariff and fee items.

The electricity charge is compared, to the fen, with what the bill calculator gives for the
kWh printed on the bill under the tariff in force on the bill's date; each service charge with
the published fee item it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from difflib import SequenceMatcher

from flask_babel import lazy_gettext as _l

from portal.core.enums import TitledEnum
from portal.fees.billing import Bill
from portal.fees.enums import FeeStatus
from portal.fees.models import FeeItem


class Verdict(TitledEnum):
    """What the portal concludes about one charge."""

    ALLOWED = "allowed"
    ABOLISHED = "abolished"
    NOT_PUBLISHED = "not_published"
    ABOVE_STANDARD = "above_standard"
    FREE_SERVICE = "free_service"
    ABOVE_TARIFF = "above_tariff"
    BELOW_TARIFF = "below_tariff"

    @property
    def flagged(self) -> bool:
        """Whether the charge looks wrong (more than the customer should pay)."""
        return self not in (Verdict.ALLOWED, Verdict.BELOW_TARIFF)


Verdict.TITLES = {
    "allowed": _l("Matches the published standard"),
    "abolished": _l("Abolished charge"),
    "not_published": _l("Not in the published standards"),
    "above_standard": _l("Above the published amount"),
    "free_service": _l("This service is free"),
    "above_tariff": _l("More than the published tariff gives"),
    "below_tariff": _l("Less than the published tariff gives"),
}


@dataclass(frozen=True)
class ChargeClaim:
    """One charge as printed on the bill."""

    amount: Decimal
    fee_code: str | None = None
    name: str | None = None
    quantity: Decimal = Decimal(1)


@dataclass(frozen=True)
class Finding:
    """The verdict on one charge and the item it was matched with."""

    claim: ChargeClaim
    verdict: Verdict
    item: FeeItem | None
    allowed_amount: Decimal | None = None
    # For a name matched with no item: published items whose names are close ("表计校验费" and
    # "电能表校验费"), for the page to ask "did you mean".
    similar: tuple[FeeItem, ...] = ()


def _normalise(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text).lower()


def match_item(claim: ChargeClaim, items: list[FeeItem]) -> FeeItem | None:
    """The fee item a charge refers to: by code, by exact name, or by one unique partial name."""
    if claim.fee_code:
        return next((item for item in items if item.code == claim.fee_code), None)
    wanted = _normalise(claim.name or "")
    if not wanted:
        return None
    names = [(item, {_normalise(item.name_zh), _normalise(item.name_en or "")} - {""})
             for item in items]
    exact = [item for item, keys in names if wanted in keys]
    if exact:
        return exact[0]
    partial = [item for item, keys in names
               if any(wanted in key or key in wanted for key in keys)]
    return partial[0] if len(partial) == 1 else None


def similar_items(name: str, items: list[FeeItem], most: int = 3) -> tuple[FeeItem, ...]:
    """Items whose name shares a run of three or more characters with ``name`` (a bill's
    wording is often a little different from the published name), closest first."""
    wanted = _normalise(name)
    if len(wanted) < 3:
        return ()
    scored = []
    for item in items:
        best = 0.0
        for key in {_normalise(item.name_zh), _normalise(item.name_en or "")} - {""}:
            matcher = SequenceMatcher(None, wanted, key)
            if matcher.find_longest_match(0, len(wanted), 0, len(key)).size >= 3:
                best = max(best, matcher.ratio())
        if best > 0:
            scored.append((best, item.code, item))
    return tuple(item for _score, _code, item in sorted(scored, key=lambda s: (-s[0], s[1]))[:most])


def judge(claim: ChargeClaim, item: FeeItem | None, bill_date: date) -> Finding:
    """The verdict on one charge."""
    if item is None:
        return Finding(claim, Verdict.NOT_PUBLISHED, None)
    if item.status is FeeStatus.ABOLISHED and item.abolished_on and item.abolished_on <= bill_date:
        return Finding(claim, Verdict.ABOLISHED, item, Decimal("0.00"))
    if item.is_free:
        verdict = Verdict.FREE_SERVICE if claim.amount > 0 else Verdict.ALLOWED
        return Finding(claim, verdict, item, Decimal("0.00"))
    assert item.amount is not None
    allowed = (item.amount * claim.quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)
    verdict = Verdict.ABOVE_STANDARD if claim.amount > allowed else Verdict.ALLOWED
    return Finding(claim, verdict, item, allowed)


def check_bill(claims: list[ChargeClaim], items: list[FeeItem], bill_date: date) -> list[Finding]:
    """A finding for every charge, in the order given; a name that matched no item comes with
    the items whose names are close."""
    findings = []
    for claim in claims:
        finding = judge(claim, match_item(claim, items), bill_date)
        if finding.verdict is Verdict.NOT_PUBLISHED and claim.name:
            finding = replace(finding, similar=similar_items(claim.name, items))
        findings.append(finding)
    return findings


@dataclass(frozen=True)
class EnergyFinding:
    """The electricity charge printed on a bill, and the bill the published tariff gives."""

    printed: Decimal
    bill: Bill
    verdict: Verdict

    @property
    def difference(self) -> Decimal:
        """How much more the bill asks than the tariff gives (negative: less)."""
        return self.printed - self.bill.total


def judge_energy(printed: Decimal, bill: Bill) -> EnergyFinding:
    """Compare the printed electricity charge with the computed bill, to the fen."""
    if printed > bill.total:
        return EnergyFinding(printed, bill, Verdict.ABOVE_TARIFF)
    if printed < bill.total:
        return EnergyFinding(printed, bill, Verdict.BELOW_TARIFF)
    return EnergyFinding(printed, bill, Verdict.ALLOWED)
