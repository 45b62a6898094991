"""Which published records the log holds, how each reads in the log, and the one receiver of
``portal.core.publication.published`` that appends them.

Each kind of record names its model, its key (``tariff:RES-TIER-ZJ:v2``), what the public sees
of it (both languages, amounts as strings, dates in ISO 8601), every live published record (for
``audit verify`` and ``audit backfill``) and the records a publication may change besides itself
(publishing a tariff version closes its open-ended predecessor). The fee standards' kinds are
below; a later domain registers its own with ``register_kind(app, RecordKind(...))``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.core.models import utcnow
from portal.extensions import db
from portal.transparency import services
from portal.transparency.canonical import canonical_json
from portal.transparency.models import LogEntry

KINDS = "portal.transparency.kinds"
logger = logging.getLogger("portal.transparency")


@dataclass(frozen=True)
class RecordKind:
    """A kind of published record and how the log describes it."""

    name: str
    title: Any
    model: type
    key: Callable[[Any], str]
    content: Callable[[Any], dict[str, Any]]
    # every live published record with the time it was published, oldest first
    published: Callable[[], Iterable[tuple[Any, datetime]]]
    related: Callable[[Any], Iterable[Any]] = field(default=lambda _record: ())
    # the public page of the record a key names (None: none), for the log's pages to link to
    page: Callable[[str], str | None] = field(default=lambda _key: None)


def register_kind(app: Flask, kind: RecordKind) -> None:
    """Make the log record publications of ``kind.model``."""
    app.extensions.setdefault(KINDS, {})[kind.name] = kind


def kinds() -> dict[str, RecordKind]:
    """Every registered kind, by name."""
    found: dict[str, RecordKind] = current_app.extensions.get(KINDS, {})
    return found


def page_of(kind_name: str, key: str) -> str | None:
    """The public page of the record an entry names, if its kind knows one."""
    kind = kinds().get(kind_name)
    return kind.page(key) if kind is not None else None


def kind_of(record: object) -> RecordKind | None:
    """The kind of a record, by its class."""
    return next((kind for kind in kinds().values() if isinstance(record, kind.model)), None)


def record_if_changed(kind: RecordKind, record: Any, now: datetime) -> LogEntry | None:
    """Append ``record`` unless its newest entry already says exactly the same."""
    key, content = kind.key(record), kind.content(record)
    latest = services.latest_entry(key)
    if latest is not None and services.record_part(latest.content) == canonical_json(content):
        return None
    return services.record_publication(kind.name, key, content, now)


def on_published(record: object, **details: Any) -> None:
    """Receiver of ``publication.published``: append the record (and what it changed)."""
    kind = kind_of(record)
    if kind is None:
        logger.warning("published record of unknown kind: %s", type(record).__name__)
        return
    now = details.get("now") or utcnow()
    record_if_changed(kind, record, now)
    for other in kind.related(record):
        record_if_changed(kind, other, now)


# The fee standards ------------------------------------------------------------------------


def fixed(value: Decimal | None, places: int) -> str | None:
    """A decimal as its column stores it (``0.5380`` for 4 places), None stays None."""
    if value is None:
        return None
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def _basis(record: Any) -> dict[str, Any]:
    return {"number": record.basis_number, "title": record.basis_title, "url": record.basis_url}


def tariff_version_content(version: Any) -> dict[str, Any]:
    """A published tariff version as its public page shows it."""
    tariff = version.tariff
    return {
        "tariff": tariff.code, "customer_class": tariff.customer_class,
        "voltage_level": tariff.voltage_level, "version": version.number,
        "effective_from": version.effective_from, "effective_to": version.effective_to,
        "basis": _basis(version), "note_zh": version.note_zh, "note_en": version.note_en,
        "billing_basis": version.billing_basis, "basic_charge_basis": version.basic_charge_basis,
        "basic_charge_rate": fixed(version.basic_charge_rate, 4),
        "tiers": [{"tier": t.tier, "upper_kwh": fixed(t.upper_kwh, 4)} for t in version.tiers],
        "periods": [{"period": p.period, "start_minute": p.start_minute,
                     "end_minute": p.end_minute}
                    for p in sorted(version.periods, key=lambda p: (p.start_minute, p.period))],
        "prices": [{"tier": p.tier, "period": p.period, "price": fixed(p.price, 4)}
                   for p in sorted(version.prices, key=lambda p: (p.tier, p.period.value))],
        "monthly_charges": [{"label_zh": c.label_zh, "label_en": c.label_en,
                             "amount": fixed(c.amount, 4)} for c in version.monthly_charges],
    }


def fee_item_content(item: Any) -> dict[str, Any]:
    """A service charge as the public lists show it (``amount`` null: free)."""
    return {
        "code": item.code, "name_zh": item.name_zh, "name_en": item.name_en,
        "amount": fixed(item.amount, 2), "unit_zh": item.unit_zh, "unit_en": item.unit_en,
        "conditions_zh": item.conditions_zh, "conditions_en": item.conditions_en,
        "status": item.status, "effective_from": item.effective_from,
        "abolished_on": item.abolished_on, "refund_rule_zh": item.refund_rule_zh,
        "refund_rule_en": item.refund_rule_en, "basis": _basis(item),
    }


def tariff_version_key(version: Any) -> str:
    """``tariff:<code>:v<number>``."""
    return f"tariff:{version.tariff.code}:v{version.number}"


def fee_item_key(item: Any) -> str:
    """``fee:<code>``."""
    return f"fee:{item.code}"


def _published_versions() -> Iterable[tuple[Any, datetime]]:
    from portal.core.publication import PublicationStatus
    from portal.fees.models import TariffVersion

    versions = db.session.scalars(
        sa.select(TariffVersion).where(TariffVersion.status == PublicationStatus.PUBLISHED)
        .options(selectinload(TariffVersion.tariff), selectinload(TariffVersion.tiers),
                 selectinload(TariffVersion.periods), selectinload(TariffVersion.prices),
                 selectinload(TariffVersion.monthly_charges))
        .order_by(TariffVersion.published_at, TariffVersion.id))
    return [(version, version.published_at or version.created_at) for version in versions]


def _published_fee_items() -> Iterable[tuple[Any, datetime]]:
    from portal.fees.models import FeeItem

    items = db.session.scalars(sa.select(FeeItem).order_by(FeeItem.created_at, FeeItem.id))
    return [(item, item.updated_at or item.created_at) for item in items]


def _siblings(version: Any) -> Iterable[Any]:
    """The tariff's other published versions: publishing may have closed one of them."""
    return [other for other in version.tariff.versions
            if other is not version and other.is_published]


def register_fee_kinds(app: Flask) -> None:
    """The fee standards' published records: tariff versions and fee items."""
    from portal.fees.models import FeeItem, TariffVersion

    register_kind(app, RecordKind("tariff", _l("Tariff version"), TariffVersion,
                                  tariff_version_key, tariff_version_content,
                                  _published_versions, _siblings, _tariff_page))
    register_kind(app, RecordKind("fee", _l("Service charge"), FeeItem, fee_item_key,
                                  fee_item_content, _published_fee_items,
                                  page=lambda _key: url_for("fees.list_fee_items")))


def _tariff_page(key: str) -> str | None:
    """``tariff:<code>:v<number>``: the version's own page."""
    _kind, code, version = key.split(":", 2)
    return url_for("fees.show_version", code=code, number=int(version.removeprefix("v")))
