"""How the transparency log records service commitments: each published version, and each
import of measurements with the figures it replaced."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.commitments.importer import changes_of
from portal.commitments.models import CommitmentVersion, MeasurementImport
from portal.core.publication import PublicationStatus
from portal.extensions import db
from portal.transparency.records import RecordKind, fixed, register_kind


def version_key(version: CommitmentVersion) -> str:
    """``commitment:<code>:v<number>``."""
    return f"commitment:{version.commitment.code}:v{version.number}"


def version_content(version: CommitmentVersion) -> dict[str, Any]:
    """A published version as its public page shows it."""
    return {
        "commitment": version.commitment.code, "version": version.number,
        "title_zh": version.title_zh, "title_en": version.title_en,
        "explanation_zh": version.explanation_zh, "explanation_en": version.explanation_en,
        "measure": version.measure, "unit": version.unit,
        "compliance": fixed(version.compliance, 2),
        "targets": [{"area_type": t.area_type, "value": fixed(t.value, 2)}
                    for t in version.targets],
        "effective_from": version.effective_from, "effective_to": version.effective_to,
        "basis": {"number": version.basis_number, "title": version.basis_title,
                  "url": version.basis_url},
    }


def import_key(record: MeasurementImport) -> str:
    """``commitment-import:<id>``."""
    return f"commitment-import:{record.id}"


def import_content(record: MeasurementImport) -> dict[str, Any]:
    """An import: when, the file's digest, the months it covers, how many rows, and every
    figure it replaced (as the public may see it: fewer than k cases say "<k")."""
    return {"imported_at": record.imported_at, "sha256": record.sha256, "rows": record.rows,
            "months": record.months.split(","), "replaced": changes_of(record)}


def _versions() -> Iterable[tuple[Any, datetime]]:
    versions = db.session.scalars(
        sa.select(CommitmentVersion)
        .where(CommitmentVersion.status == PublicationStatus.PUBLISHED)
        .options(selectinload(CommitmentVersion.commitment),
                 selectinload(CommitmentVersion.targets))
        .order_by(CommitmentVersion.published_at, CommitmentVersion.id))
    return [(version, version.published_at or version.created_at) for version in versions]


def _imports() -> Iterable[tuple[Any, datetime]]:
    records = db.session.scalars(sa.select(MeasurementImport).order_by(MeasurementImport.id))
    return [(record, record.imported_at) for record in records]


def _siblings(version: CommitmentVersion) -> Iterable[Any]:
    """The other published versions: publishing may have closed one of them."""
    return [other for other in version.commitment.versions
            if other is not version and other.is_published]


def _version_page(key: str) -> str:
    """``commitment:<code>:v<number>``: the version's own page."""
    _kind, code, number = key.split(":", 2)
    return url_for("commitments.show_version", code=code, number=int(number.removeprefix("v")))


def register(app: Flask) -> None:
    """The commitments' published records."""
    register_kind(app, RecordKind(
        "commitment", _l("Service commitment version"), CommitmentVersion, version_key,
        version_content, _versions, _siblings,
        page=_version_page))
    register_kind(app, RecordKind(
        "commitment_import", _l("Service commitment figures imported"), MeasurementImport,
        import_key, import_content, _imports,
        page=lambda _key: url_for("commitments.overview")))
