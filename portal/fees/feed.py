"""The Atom feed of the fee standards: its entries, and the characters XML 1.0 allows."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.core.text import citation, localized_field
from portal.extensions import db
from portal.fees.enums import FeeStatus
from portal.fees.models import FeeItem, TariffVersion

FEED_SIZE = 50
NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (most C0 controls, lone surrogates...)."""
    return NOT_IN_XML.sub("", text)


def feed_entries(language: str) -> list[dict[str, Any]]:
    """Published tariff versions and fee items, newest first."""
    versions = db.session.scalars(
        sa.select(TariffVersion).where(TariffVersion.published_at.is_not(None))
        .options(selectinload(TariffVersion.tariff))
        .order_by(TariffVersion.published_at.desc()).limit(FEED_SIZE)).all()
    items = db.session.scalars(sa.select(FeeItem).order_by(FeeItem.created_at.desc())
                               .limit(FEED_SIZE)).all()
    entries = [{"id": f"version:{v.tariff.code}:{v.number}", "updated": v.published_at,
                "title": f"{v.tariff.code} v{v.number}: "
                         f"{localized_field(v.tariff, 'name', language)}",
                "url": url_for("fees.show_version", code=v.tariff.code, number=v.number,
                               _external=True),
                "summary": _("In force from %(date)s. Legal basis: %(basis)s.",
                             date=v.effective_from.isoformat(),
                             basis=citation(v.basis_number, v.basis_title))}
               for v in versions]
    entries += [{"id": f"fee:{item.code}", "updated": item.updated_at or item.created_at,
                 "title": f"{item.code}: {localized_field(item, 'name', language)} "
                          f"({item.status.title})",
                 "url": url_for("fees.abolished_fees" if item.status is FeeStatus.ABOLISHED
                                else "fees.list_fee_items", _external=True) + f"#{item.code}",
                 "summary": citation(item.basis_number, item.basis_title)} for item in items]
    entries.sort(key=lambda entry: cast(datetime, entry["updated"]), reverse=True)
    return entries[:FEED_SIZE]
