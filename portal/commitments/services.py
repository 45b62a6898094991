"""Service commitments: create them, draft versions with their targets, publish a version
(``portal.core.publication``: lock, check, no overlap, publish, transparency log)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.commitments.enums import UNITS, Measure, Source, Unit
from portal.commitments.models import Commitment, CommitmentTarget, CommitmentVersion
from portal.complaints.enums import AreaType
from portal.core import publication
from portal.core.errors import DomainError
from portal.core.publication import PublicationStatus
from portal.extensions import db

CODE_PATTERN = r"[A-Z][A-Z0-9-]{1,39}"
MAX_TARGET = {Unit.MINUTES: Decimal(60 * 24 * 30), Unit.HOURS: Decimal(24 * 90),
              Unit.DAYS: Decimal(366), Unit.WORKING_DAYS: Decimal(250),
              Unit.PERCENT: Decimal(100)}


@dataclass(frozen=True)
class Problem:
    """One broken rule: the field it concerns and a translated message."""

    field: str
    message: Any


class CommitmentError(DomainError):
    """A commitment rule was broken; ``problems`` say which fields and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(LazyString(lambda: " ".join(str(p.message) for p in problems)),
                         problems[0].field if len(problems) == 1 else None)


@dataclass(frozen=True)
class Target:
    """A target for the districts of an area type (None: every district)."""

    area_type: AreaType | None
    value: Decimal


@dataclass(frozen=True)
class VersionDraft:
    """What staff enter for a version."""

    title_zh: str
    title_en: str
    explanation_zh: str
    explanation_en: str
    measure: Measure
    unit: Unit
    compliance: Decimal | None
    targets: list[Target]
    effective_from: date
    effective_to: date | None
    basis_number: str
    basis_title: str
    basis_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_draft(draft: VersionDraft) -> list[Problem]:
    """Every rule a version breaks: units that fit the measure, targets within their unit's
    range, one target per area type, dates in order, texts present."""
    problems = []
    for name in ("title_zh", "title_en", "explanation_zh", "explanation_en", "basis_number",
                 "basis_title"):
        if not str(getattr(draft, name) or "").strip():
            problems.append(Problem(name, _l("This field is required.")))
    if draft.unit not in UNITS[draft.measure]:
        problems.append(Problem("unit", _l("This unit does not fit the measure: a time for "
                                           "a duration or a notice, percent for a share.")))
    if draft.measure is Measure.MIN_SHARE and draft.compliance is not None:
        problems.append(Problem("compliance", _l("A share commitment has no required share "
                                                 "of cases: its target is the share.")))
    if draft.measure is not Measure.MIN_SHARE and (
            draft.compliance is None or not draft.compliance.is_finite()
            or not Decimal(0) < draft.compliance <= Decimal(100)
            or draft.compliance != draft.compliance.quantize(Decimal("0.01"))):
        problems.append(Problem("compliance", _l("Enter the share of cases that must be "
                                                 "within the target, above 0 and at most "
                                                 "100 percent.")))
    problems += _check_targets(draft)
    if draft.effective_to is not None and draft.effective_to < draft.effective_from:
        problems.append(Problem("effective_to", _l("The end date is before the start date.")))
    return problems


def _check_targets(draft: VersionDraft) -> list[Problem]:
    """At least one target, one per area type, every district covered, within the unit's
    range."""
    if not draft.targets:
        return [Problem("targets", _l("Enter at least one target."))]
    problems = []
    areas = [target.area_type for target in draft.targets]
    if len(set(areas)) != len(areas):
        problems.append(Problem("targets", _l("Enter one target per area type.")))
    if None not in areas and set(areas) != set(AreaType):
        problems.append(Problem("targets", _l("Enter a target for every district, or one for "
                                              "each area type.")))
    ceiling = MAX_TARGET.get(draft.unit, Decimal(0))
    if any(not target.value.is_finite() or not Decimal(0) < target.value <= ceiling
           or target.value != target.value.quantize(Decimal("0.01"))
           for target in draft.targets):
        problems.append(Problem("targets", _l(
            "A target must be above 0 and at most %(limit)s %(unit)s, with at most 2 "
            "decimals.",
            limit=format(ceiling, "f"), unit=draft.unit.title)))
    return problems


def create_commitment(code: str, source: Source, position: int = 0) -> Commitment:
    """A new commitment with a unique code."""
    if db.session.scalar(sa.select(Commitment.id).where(Commitment.code == code)):
        raise CommitmentError([Problem("code", _l("This code is already in use."))])
    commitment = Commitment(code=code, source=source, position=position)
    db.session.add(commitment)
    db.session.flush()
    return commitment


def _apply(version: CommitmentVersion, draft: VersionDraft) -> None:
    for name in ("title_zh", "title_en", "explanation_zh", "explanation_en", "basis_number",
                 "basis_title"):
        setattr(version, name, str(getattr(draft, name)).strip())
    version.basis_url = (draft.basis_url or "").strip() or None
    version.measure, version.unit, version.compliance = (draft.measure, draft.unit,
                                                          draft.compliance)
    version.effective_from, version.effective_to = draft.effective_from, draft.effective_to
    if version.id is not None:
        # Delete the old rows before inserting new ones: unique (version, position) would clash.
        version.targets.clear()
        db.session.flush()
    version.targets = [CommitmentTarget(position=n, area_type=t.area_type, value=t.value)
                       for n, t in enumerate(draft.targets)]


def create_draft(commitment: Commitment, draft: VersionDraft,
                 author: User | None) -> CommitmentVersion:
    """A new draft version of a commitment."""
    problems = check_draft(draft)
    if problems:
        raise CommitmentError(problems)
    number = (db.session.scalar(sa.select(sa.func.max(CommitmentVersion.number)).where(
        CommitmentVersion.commitment_id == commitment.id)) or 0) + 1
    version = CommitmentVersion(commitment=commitment, number=number,
                                status=PublicationStatus.DRAFT,
                                created_by_id=author.id if author else None)
    _apply(version, draft)
    db.session.add(version)
    db.session.flush()
    return version


PUBLISHED_IS_FINAL = _l("A published version cannot be changed; draft a new version instead.")


def update_draft(version: CommitmentVersion, draft: VersionDraft) -> None:
    """Change a draft; a published version is refused."""
    publication.guard_unpublished(version, CommitmentError([Problem("status",
                                                                    PUBLISHED_IS_FINAL)]))
    problems = check_draft(draft)
    if problems:
        raise CommitmentError(problems)
    _apply(version, draft)
    db.session.flush()


def delete_draft(version: CommitmentVersion) -> None:
    """Throw a draft away; a published version is refused."""
    publication.guard_unpublished(version, CommitmentError([Problem("status",
                                                                    PUBLISHED_IS_FINAL)]))
    db.session.delete(version)
    db.session.flush()


def _overlap(other: CommitmentVersion) -> CommitmentError:
    return CommitmentError([Problem("effective_from", _l(
        "These dates overlap version %(number)s, which is published.", number=other.number))])


class DraftChangedError(CommitmentError):
    """The draft changed after staff were asked to confirm its publication."""

    def __init__(self) -> None:
        super().__init__([Problem("status", _l(
            "This draft changed while the page was open, so nothing was published. Read it "
            "again and confirm if you still want to publish it."))])


def fingerprint(version: CommitmentVersion) -> str:
    """What staff confirm publishing: every value of the draft that becomes public."""
    return publication.fingerprint(asdict(draft_of(version)))


def publish_version(version: CommitmentVersion, publisher: User | None, now: datetime,
                    published_at: datetime | None = None, seen: str | None = None) -> None:
    """Publish a draft: public and immutable from now on, never overlapping another
    published version (an open-ended predecessor is closed the day before). ``seen``: the
    draft's ``fingerprint`` as the confirmation showed it; a draft changed since is refused
    (``DraftChangedError``)."""
    already = CommitmentError([Problem("status", _l("This version is already published."))])
    publication.guard_unpublished(version, already)
    publication.lock_row(Commitment, version.commitment_id, version)
    publication.guard_unpublished(version, already)
    if seen is not None and fingerprint(version) != seen:
        raise DraftChangedError()
    problems = check_draft(draft_of(version))
    if problems:
        raise CommitmentError(problems)
    siblings = db.session.scalars(publication.fresh(sa.select(CommitmentVersion).where(
        CommitmentVersion.commitment_id == version.commitment_id,
        CommitmentVersion.status == PublicationStatus.PUBLISHED,
        CommitmentVersion.id != version.id))).all()
    _check_successor(version, siblings, now, published_at)
    publication.check_no_overlap(version, siblings, _overlap)
    publication.publish(version, publisher, now, published_at)


def _check_successor(version: CommitmentVersion, siblings: Sequence[CommitmentVersion],
                     now: datetime, published_at: datetime | None) -> None:
    """A new version keeps the measure and unit of the published ones (the figures imported
    so far are in that unit; another measure is another commitment), and starts no earlier
    than the day it is published: months already reported keep the promise they were judged
    by (``published_at``: a document from before the portal, which may be older)."""
    if any(other.measure is not version.measure or other.unit is not version.unit
           for other in siblings):
        raise CommitmentError([Problem("unit", _l(
            "A new version keeps the measure and the unit of the published ones: the figures "
            "reported so far are in them. Another measure is another commitment."))])
    today = (published_at or now).astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    if siblings and version.effective_from < today:
        raise CommitmentError([Problem("effective_from", _l(
            "A new version cannot start before the day it is published: the months reported "
            "so far keep the promise they were judged by."))])


def draft_of(version: CommitmentVersion) -> VersionDraft:
    """A version's values as a draft (to check it, or to start a new version from it)."""
    return VersionDraft(
        version.title_zh, version.title_en, version.explanation_zh, version.explanation_en,
        version.measure, version.unit, version.compliance,
        [Target(t.area_type, t.value) for t in version.targets], version.effective_from,
        version.effective_to, version.basis_number, version.basis_title, version.basis_url)


def get_commitment(code: str) -> Commitment | None:
    """The commitment with this code."""
    found: Commitment | None = db.session.scalar(
        sa.select(Commitment).where(Commitment.code == code))
    return found


def public_commitments() -> list[Commitment]:
    """Every commitment with a published version, in their order."""
    return list(db.session.scalars(
        sa.select(Commitment).where(Commitment.versions.any(
            CommitmentVersion.status == PublicationStatus.PUBLISHED))
        .options(sa.orm.selectinload(Commitment.versions)
                 .selectinload(CommitmentVersion.targets))
        .order_by(Commitment.position, Commitment.code)))


def all_commitments() -> list[Commitment]:
    """Every commitment, drafts included, in their order."""
    return list(db.session.scalars(sa.select(Commitment)
                                   .order_by(Commitment.position, Commitment.code)))


def next_position() -> int:
    """The position after the last commitment."""
    return int(db.session.scalar(sa.select(sa.func.max(Commitment.position))) or 0) + 1
