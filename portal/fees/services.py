"""Rules of the fee standards. Services flush; the caller commits.

A version is drafted, previewed and published. Published versions never change, with one
exception: publishing a successor sets the end date of an open-ended predecessor to the day
before the successor starts, so that versions of a tariff never overlap in time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.complaints.models import District
from portal.core import page_cache, publication
from portal.core.cache import forget, remember
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.transactions import after_commit
from portal.extensions import db
from portal.fees.bill_input import largest_usage
from portal.fees.billing import calculate
from portal.fees.bounds import FEE_AMOUNT
from portal.fees.chart import price_chart
from portal.fees.enums import (
    CustomerClass,
    FeeStatus,
    PublicationStatus,
    VoltageLevel,
)
from portal.fees.models import (
    FeeItem,
    Tariff,
    TariffMonthlyCharge,
    TariffPeriodHours,
    TariffPrice,
    TariffTier,
    TariffVersion,
)
from portal.fees.structure import (
    HourSpan,
    MonthlyCharge,
    PriceStructure,
    StructureError,
    check_structure,
    text_problem,
)

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")


class FeeError(DomainError):
    """A fee-standard rule was broken; ``errors`` say which fields and why."""

    def __init__(self, errors: list[StructureError]) -> None:
        self.errors = errors
        # Every broken rule, in the language of whoever reads it (flashed by ``report``).
        super().__init__(LazyString(lambda: " ".join(str(error.message) for error in errors)),
                         field=errors[0].field if len(errors) == 1 else None)


def _fail(field: str, message: object) -> FeeError:
    return FeeError([StructureError(field, message)])


def check_texts(model: Any, values: dict[str, str | None],
                prefix: str = "") -> list[StructureError]:
    """Texts that the columns of ``model`` named by the keys cannot store: too long for their
    column (PostgreSQL would raise DataError) or holding a lone surrogate (no driver encodes it).
    """
    errors = []
    for name, value in values.items():
        problem = text_problem(value, getattr(model.__table__.c[name].type, "length", None))
        if problem is not None:
            errors.append(StructureError(prefix + name, problem))
    return errors


@dataclass(frozen=True)
class LegalBasis:
    """The document that allows a price."""

    number: str
    title: str
    url: str | None = None


@dataclass(frozen=True)
class VersionDraft:
    """What staff enter for a version."""

    effective_from: date
    effective_to: date | None
    basis: LegalBasis
    structure: PriceStructure
    note_zh: str | None = None
    note_en: str | None = None


def get_tariff(code: str) -> Tariff | None:
    """The tariff with this code (case-insensitive)."""
    return db.session.scalar(sa.select(Tariff).where(Tariff.code == code.strip().upper()))


def structure_of(version: TariffVersion) -> PriceStructure:
    """A version's prices as a plain structure."""
    tiers = tuple(tier.upper_kwh for tier in version.tiers) or (None,)
    return PriceStructure(
        tiers=tiers,
        billing_basis=version.billing_basis,
        hours=tuple(HourSpan(h.period, h.start_minute, h.end_minute) for h in version.periods),
        prices={(price.tier, price.period): price.price for price in version.prices},
        basic_charge_basis=version.basic_charge_basis,
        basic_charge_rate=version.basic_charge_rate,
        monthly_charges=tuple(MonthlyCharge(c.label_zh, c.label_en, c.amount)
                              for c in version.monthly_charges),
    )


def _structure_key(version: TariffVersion) -> str:
    # The publication time is part of the key, so that a reused id (a restored dump, a
    # publication rolled back and done again) is a miss; the database is in the key prefix.
    stamp = version.published_at.isoformat() if version.published_at else "draft"
    return f"fees:structure:{version.id}:{stamp}"


def published_structure(version: TariffVersion) -> PriceStructure:
    """``structure_of``, cached (``portal.core.cache``) for published versions, which never
    change; publishing drops the entry."""
    if not version.is_published or version.published_at is None:
        return structure_of(version)
    return remember(_structure_key(version), lambda: structure_of(version))


def _apply(version: TariffVersion, draft: VersionDraft) -> None:
    structure = draft.structure
    version.effective_from = draft.effective_from
    version.effective_to = draft.effective_to
    version.basis_number = draft.basis.number.strip()
    version.basis_title = draft.basis.title.strip()
    version.basis_url = (draft.basis.url or "").strip() or None
    version.note_zh = (draft.note_zh or "").strip() or None
    version.note_en = (draft.note_en or "").strip() or None
    version.billing_basis = structure.billing_basis if structure.is_tiered else None
    version.basic_charge_basis = structure.basic_charge_basis
    version.basic_charge_rate = structure.basic_charge_rate
    if version.id is not None:
        # Delete the old rows before inserting new ones: unique (tier, period) would clash.
        for rows in (version.tiers, version.periods, version.prices, version.monthly_charges):
            rows.clear()
        db.session.flush()
    version.tiers = [TariffTier(tier=index + 1, upper_kwh=upper)
                     for index, upper in enumerate(structure.tiers)]
    version.periods = [TariffPeriodHours(period=span.period, start_minute=span.start_minute,
                                         end_minute=span.end_minute)
                       for span in structure.hours]
    version.prices = [TariffPrice(tier=tier, period=period, price=price)
                      for (tier, period), price in sorted(structure.prices.items(),
                                                          key=lambda item: (item[0][0],
                                                                            item[0][1].value))]
    version.monthly_charges = [TariffMonthlyCharge(position=index, label_zh=c.label_zh.strip(),
                                                   label_en=(c.label_en or "").strip() or None,
                                                   amount=c.amount)
                               for index, c in enumerate(structure.monthly_charges)]


def check_draft(draft: VersionDraft) -> list[StructureError]:
    """Every rule a draft breaks."""
    errors = list(check_structure(draft.structure))
    for index, charge in enumerate(draft.structure.monthly_charges):
        errors += check_texts(TariffMonthlyCharge, {"label_zh": charge.label_zh,
                                                    "label_en": charge.label_en},
                              f"monthly_charges[{index}].")
    errors += check_texts(TariffVersion, {
        "basis_number": draft.basis.number, "basis_title": draft.basis.title,
        "basis_url": draft.basis.url, "note_zh": draft.note_zh, "note_en": draft.note_en})
    if draft.effective_to is not None and draft.effective_to < draft.effective_from:
        errors.append(StructureError("effective_to", _l(
            "The end date cannot be before the start date.")))
    if not draft.basis.number.strip():
        errors.append(StructureError("basis_number", _l("Give the legal basis's document "
                                                        "number.")))
    if not draft.basis.title.strip():
        errors.append(StructureError("basis_title", _l("Give the legal basis's title.")))
    if draft.basis.url and not re.match(r"^https?://", draft.basis.url.strip()):
        errors.append(StructureError("basis_url", _l("A link starts with http:// or https://.")))
    return errors


def create_tariff(code: str, name_zh: str, name_en: str | None,
                  customer_class: CustomerClass, voltage_level: VoltageLevel) -> Tariff:
    """A new tariff without versions."""
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise _fail("code", _l("A code has 2 to 40 capital letters, digits or dashes, e.g. "
                               "RES-TIER-ZJ."))
    if get_tariff(code) is not None:
        raise _fail("code", _l("A tariff with this code already exists."))
    tariff = Tariff(code=code, customer_class=customer_class, voltage_level=voltage_level)
    rename_tariff(tariff, name_zh, name_en)
    db.session.add(tariff)
    db.session.flush()
    return tariff


def rename_tariff(tariff: Tariff, name_zh: str, name_en: str | None) -> None:
    """Set a tariff's names once they are checked."""
    if not name_zh.strip():
        raise _fail("name_zh", _l("A tariff needs a Chinese name."))
    errors = check_texts(Tariff, {"name_zh": name_zh, "name_en": name_en})
    if errors:
        raise FeeError(errors)
    tariff.name_zh, tariff.name_en = name_zh.strip(), (name_en or "").strip() or None


def known_districts() -> list[District]:
    """Every district of the supply area, in their usual order."""
    return list(db.session.scalars(sa.select(District).order_by(District.position)))


def unknown_district(code: str) -> LazyString:
    """The message for a district code that names no district."""
    return _l("There is no district with the code %(code)s.", code=code)


def limit_tariff(tariff: Tariff, codes: Sequence[str]) -> None:
    """Limit a tariff to districts (none: it applies in every district); an unknown code is
    refused and nothing changes."""
    known = {district.code: district for district in known_districts()}
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes))
    for code in wanted:
        if code not in known:
            raise _fail("districts", unknown_district(code))
    tariff.districts = sorted((known[code] for code in wanted), key=lambda d: d.position)
    db.session.flush()


def create_draft(tariff: Tariff, draft: VersionDraft, author: User | None) -> TariffVersion:
    """A new draft version of a tariff."""
    errors = check_draft(draft)
    if errors:
        raise FeeError(errors)
    number = (db.session.scalar(sa.select(sa.func.max(TariffVersion.number))
                                .where(TariffVersion.tariff_id == tariff.id)) or 0) + 1
    version = TariffVersion(tariff=tariff, number=number, status=PublicationStatus.DRAFT,
                            created_by_id=author.id if author else None)
    _apply(version, draft)
    db.session.add(version)
    db.session.flush()
    return version


PUBLISHED_IS_FINAL = _l("A published version cannot be changed; draft a new version instead.")


def update_draft(version: TariffVersion, draft: VersionDraft) -> TariffVersion:
    """Change a draft; a published version is refused."""
    publication.guard_unpublished(version, _fail("status", PUBLISHED_IS_FINAL))
    errors = check_draft(draft)
    if errors:
        raise FeeError(errors)
    _apply(version, draft)
    db.session.flush()
    return version


def delete_draft(version: TariffVersion) -> None:
    """Throw a draft away; a published version is refused."""
    publication.guard_unpublished(version, _fail("status", _l(
        "A published version cannot be deleted.")))
    db.session.delete(version)
    db.session.flush()


def _overlap_error(other: TariffVersion) -> FeeError:
    return _fail("effective_from", _l(
        "These dates overlap version %(number)s, in force from %(start)s.",
        number=other.number, start=other.effective_from.isoformat()))


def publish_version(version: TariffVersion, publisher: User | None, now: datetime,
                    published_at: datetime | None = None) -> None:
    """Publish a draft: it becomes public and immutable, and must not overlap another version.

    ``published_at``: the document's own publication date, for versions published before the
    portal knew them (``publication.publish``)."""
    already = _fail("status", _l("This version is already published."))
    publication.guard_unpublished(version, already)
    # One publisher per tariff at a time; then what the one before may have published counts.
    publication.lock_row(Tariff, version.tariff_id, version)
    publication.guard_unpublished(version, already)
    draft = draft_of(version)
    errors = check_draft(draft) or check_presentable(draft.structure)
    if errors:
        raise FeeError(errors)
    siblings = db.session.scalars(publication.fresh(
        sa.select(TariffVersion).where(TariffVersion.tariff_id == version.tariff_id,
                                       TariffVersion.status == PublicationStatus.PUBLISHED,
                                       TariffVersion.id != version.id))).all()
    publication.check_no_overlap(version, siblings, _overlap_error)
    publication.publish(version, publisher, now, published_at)
    key = _structure_key(version)
    forget(key)
    after_commit(lambda: forget(key))  # nobody reads a copy cached before the commit


UNPRESENTABLE = _l("This version cannot be published: its public page or bill calculator would "
                   "fail. Check its prices and limits.")


def check_presentable(structure: PriceStructure) -> list[StructureError]:
    """Compute what the public pages show of a sound structure: its chart and the largest bill.

    The bounds of ``check_structure`` should make this always pass; it is the last guard
    against publishing a version whose page or calculator would then fail for everyone.
    """
    try:
        price_chart(structure)
        calculate(structure, largest_usage(structure))
    except (ArithmeticError, ValueError, KeyError):
        return [StructureError("prices", UNPRESENTABLE)]
    return []


def draft_of(version: TariffVersion) -> VersionDraft:
    """What a version holds, as a draft (to check it, or to start its successor)."""
    return VersionDraft(version.effective_from, version.effective_to,
                        LegalBasis(version.basis_number, version.basis_title, version.basis_url),
                        structure_of(version), version.note_zh, version.note_en)


def same_content(version: TariffVersion, draft: VersionDraft) -> bool:
    """Whether a version already holds exactly what a draft says."""
    mine = draft_of(version)
    return (mine.effective_from, mine.effective_to, mine.basis, mine.structure.canonical(),
            mine.note_zh, mine.note_en) == (
        draft.effective_from, draft.effective_to, draft.basis, draft.structure.canonical(),
        draft.note_zh, draft.note_en)


def tariffs_by_code() -> list[Tariff]:
    """Every tariff, by code (a handful: for a choice of tariff)."""
    return list(db.session.scalars(sa.select(Tariff).order_by(Tariff.code)
                                   .options(selectinload(Tariff.districts))))


def versions_in_force(tariffs: Sequence[Tariff], day: date) -> dict[int, TariffVersion]:
    """The published version of each tariff in force on ``day``, by tariff id (the one place
    that decides it), with their prices, in a fixed number of queries."""
    if not tariffs:
        return {}
    versions = db.session.scalars(
        sa.select(TariffVersion)
        .where(TariffVersion.tariff_id.in_([tariff.id for tariff in tariffs]),
               publication.in_force_clause(TariffVersion, day))
        .options(selectinload(TariffVersion.tiers), selectinload(TariffVersion.periods),
                 selectinload(TariffVersion.prices), selectinload(TariffVersion.monthly_charges)))
    return {version.tariff_id: version for version in versions}


def version_in_force(tariff: Tariff, day: date) -> TariffVersion | None:
    """The published version of ``tariff`` in force on ``day``."""
    return versions_in_force([tariff], day).get(tariff.id)


@dataclass(frozen=True)
class InForce:
    """What the calculator needs of the version of a tariff in force on a day: plain values,
    kept between requests until something public changes."""

    tariff_code: str
    number: int
    effective_from: date
    effective_to: date | None
    basis_number: str
    basis_title: str
    basis_url: str | None
    structure: PriceStructure


def in_force_on(code: str, day: date) -> tuple[bool, InForce | None]:
    """(whether the tariff exists, its version in force on ``day`` if any), cached under the
    state of the public data (``page_cache.public_state``): no query while nothing is published."""
    def look_up() -> tuple[bool, InForce | None]:
        tariff = get_tariff(code)
        version = version_in_force(tariff, day) if tariff is not None else None
        if tariff is None or version is None:
            return tariff is not None, None
        return True, InForce(tariff.code, version.number, version.effective_from,
                             version.effective_to, version.basis_number, version.basis_title,
                             version.basis_url, published_structure(version))

    state = page_cache.public_state()
    if state is None:
        return look_up()
    return remember(f"fees:in-force:{state}:{code.strip().upper()}:{day.isoformat()}",
                    look_up)


def in_force_today(version: TariffVersion) -> bool:
    """Whether the version's dates include today (in the portal's time zone)."""
    return publication.covers(version, local_today())


def published_versions(tariff: Tariff) -> list[TariffVersion]:
    """Published versions, oldest first."""
    return [v for v in tariff.versions if v.is_published]


# Fee items -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeItemData:
    """What staff (or an import) give for a fee item."""

    code: str
    name_zh: str
    name_en: str | None
    amount: Decimal | None
    unit_zh: str | None
    unit_en: str | None
    conditions_zh: str | None
    conditions_en: str | None
    basis: LegalBasis
    status: FeeStatus = FeeStatus.ACTIVE
    effective_from: date | None = None
    abolished_on: date | None = None
    refund_rule_zh: str | None = None
    refund_rule_en: str | None = None


def check_fee_item(data: FeeItemData) -> list[StructureError]:
    """Every rule the fee item breaks."""
    errors: list[StructureError] = []
    if not CODE_PATTERN.match(data.code.strip().upper()):
        errors.append(StructureError("code", _l(
            "A code has 2 to 40 capital letters, digits or dashes, e.g. RES-TIER-ZJ.")))
    if not data.name_zh.strip():
        errors.append(StructureError("name_zh", _l("A Chinese name is required.")))
    problem = None if data.amount is None else FEE_AMOUNT.problem(data.amount)
    if problem is not None:
        errors.append(StructureError("amount", problem))
    if data.status is FeeStatus.ABOLISHED and data.abolished_on is None:
        errors.append(StructureError("abolished_on", _l(
            "An abolished charge needs the date it was abolished.")))
    if data.status is FeeStatus.ACTIVE and data.abolished_on is not None:
        errors.append(StructureError("abolished_on", _l(
            "A charge in force has no abolition date.")))
    if not data.basis.number.strip() or not data.basis.title.strip():
        errors.append(StructureError("basis", _l("Give the legal basis's number and title.")))
    errors += check_texts(FeeItem, {
        name: getattr(data, name) for name in (
            "name_zh", "name_en", "unit_zh", "unit_en", "conditions_zh", "conditions_en",
            "refund_rule_zh", "refund_rule_en")})
    errors += check_texts(FeeItem, {"basis_number": data.basis.number,
                                    "basis_title": data.basis.title, "basis_url": data.basis.url})
    return errors


def get_fee_item(code: str) -> FeeItem | None:
    """The fee item with this code (case-insensitive)."""
    return db.session.scalar(sa.select(FeeItem).where(FeeItem.code == code.strip().upper()))


def create_fee_item(data: FeeItemData, now: datetime, by: User | None = None) -> FeeItem:
    """A new fee item; a code already in use is refused."""
    if get_fee_item(data.code) is not None:
        raise _fail("code", _l("A charge with this code already exists."))
    return save_fee_item(data, now, by)


def save_fee_item(data: FeeItemData, now: datetime, by: User | None = None,
                  published_at: datetime | None = None) -> FeeItem:
    """Create a fee item, or update the one with the same code; either is public at once.

    ``published_at``: when the item's document was published, if before the portal knew it
    (it then dates the new item, or the update); never later than ``now``."""
    if published_at is not None and published_at > now:
        raise ValueError("published_at is later than now")
    errors = check_fee_item(data)
    if errors:
        raise FeeError(errors)
    code = data.code.strip().upper()
    item = get_fee_item(code)
    if item is None:
        item = FeeItem(code=code, created_at=published_at or now)
        db.session.add(item)
    else:
        item.updated_at = published_at or now
    for name in ("name_zh", "name_en", "amount", "unit_zh", "unit_en", "conditions_zh",
                 "conditions_en", "status", "effective_from", "abolished_on", "refund_rule_zh",
                 "refund_rule_en"):
        value = getattr(data, name)
        setattr(item, name, value.strip() or None if isinstance(value, str) else value)
    item.name_zh = data.name_zh.strip()
    item.basis_number = data.basis.number.strip()
    item.basis_title = data.basis.title.strip()
    item.basis_url = (data.basis.url or "").strip() or None
    db.session.flush()
    publication.announce(item, by, now)
    return item


def fee_items_query(status: FeeStatus | None = None) -> sa.Select[FeeItem]:
    """Fee items, by code, optionally of one status (to paginate)."""
    query = sa.select(FeeItem).order_by(FeeItem.code)
    if status is not None:
        query = query.where(FeeItem.status == status)
    return query


def fee_items(status: FeeStatus | None = None) -> list[FeeItem]:
    """Every fee item, by code, optionally of one status (exports and downloads)."""
    return list(db.session.scalars(fee_items_query(status)))

