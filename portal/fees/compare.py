"""A readable comparison of two tariff versions: what changed, from what, to what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from portal.core.text import bracketed, citation, joined
from portal.fees.enums import Period
from portal.fees.models import TariffVersion
from portal.fees.services import structure_of
from portal.fees.structure import HourSpan


@dataclass(frozen=True)
class Change:
    """One difference: what it concerns, the old value and the new one (text, or None)."""

    subject: str
    before: str | None
    after: str | None


def _price(value: Decimal | None) -> str | None:
    """A price as the tariff page writes it: 4 decimals and its unit."""
    if value is None:
        return None
    return f"{format_decimal(value, format='#,##0.0000')} {_('yuan/kWh')}"


def _limit(value: Decimal | None) -> str:
    if value is None:
        return _("no upper limit")
    return _("%(kwh)s kWh", kwh=format_decimal(value.normalize()))


def _day(value: date | None) -> str:
    return _("open") if value is None else str(format_date(value, "long"))


def _cell_subject(tier: int, period: Period, tiered: bool) -> str:
    parts = []
    if tiered:
        parts.append(_("tier %(tier)s", tier=tier))
    if period is not Period.ALL:
        parts.append(period.title)
    return _("Energy price") + (bracketed(joined(parts)) if parts else "")


def compare_versions(old: TariffVersion, new: TariffVersion) -> list[Change]:
    """Every difference between two versions, dates and legal basis first, then prices."""
    changes: list[Change] = []

    def note(subject: str, before: object, after: object) -> None:
        if before != after:
            changes.append(Change(subject, None if before is None else str(before),
                                  None if after is None else str(after)))

    note(_("In force from"), _day(old.effective_from), _day(new.effective_from))
    note(_("In force until"), _day(old.effective_to), _day(new.effective_to))
    note(_("Legal basis"), citation(old.basis_number, old.basis_title),
         citation(new.basis_number, new.basis_title))
    a, b = structure_of(old), structure_of(new)
    note(_("Tier limits count"), a.billing_basis.title if a.billing_basis else None,
         b.billing_basis.title if b.billing_basis else None)
    for index in range(max(len(a.tiers), len(b.tiers))):
        before = _limit(a.tiers[index]) if index < len(a.tiers) else None
        after = _limit(b.tiers[index]) if index < len(b.tiers) else None
        note(_("Upper limit of tier %(tier)s", tier=index + 1), before, after)
    tiered = a.is_tiered or b.is_tiered
    cells = sorted(set(a.prices) | set(b.prices),
                   key=lambda cell: (cell[0], list(Period).index(cell[1])))
    for tier, period in cells:
        note(_cell_subject(tier, period, tiered), _price(a.prices.get((tier, period))),
             _price(b.prices.get((tier, period))))
    note(_("Time-of-use hours"), _hours(a.hours) or None, _hours(b.hours) or None)
    note(_("Basic charge"), _basic(a), _basic(b))
    note(_("Monthly charges"), _monthly(a) or None, _monthly(b) or None)
    return changes


def _hours(spans: tuple[HourSpan, ...]) -> str:
    return "; ".join(f"{span.period.title} {span.label}" for span in
                     sorted(spans, key=lambda span: span.start_minute))


def _basic(structure: object) -> str | None:
    basis = getattr(structure, "basic_charge_basis", None)
    rate = getattr(structure, "basic_charge_rate", None)
    return None if basis is None else f"{basis.title}: {rate:.4f}"


def _monthly(structure: object) -> str:
    return "; ".join(f"{c.label_zh} {c.amount:.4f}" for c in
                     getattr(structure, "monthly_charges", ()))
