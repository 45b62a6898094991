"""Tables of service commitments: each promise, its versions and targets, and the monthly
measurements that show whether it is kept."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.commitments.enums import Measure, Source, Unit
from portal.complaints.enums import AreaType
from portal.core.models import Base, TimestampMixin, UTCDateTime, enum_type
from portal.core.publication import LegalBasisMixin, PublicationMixin

TARGET = sa.Numeric(10, 2)
SHARE = sa.Numeric(5, 2)


class Commitment(TimestampMixin, Base):
    """A service commitment with a stable code, e.g. ``REPAIR-ARRIVAL``."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    source: Mapped[Source] = mapped_column(enum_type(Source, "source"))
    position: Mapped[int] = mapped_column(default=0)
    versions: Mapped[list[CommitmentVersion]] = relationship(
        back_populates="commitment", order_by="CommitmentVersion.number",
        cascade="all, delete-orphan")


class CommitmentVersion(PublicationMixin, LegalBasisMixin, TimestampMixin, Base):
    """What a commitment promises over a span of dates. Published versions never change.

    ``compliance``: the share of a month's cases (percent) that must be within the target for
    the month to count as kept: 100 for a promise made to every customer, 50 for one "on
    average" (half the cases within the target: the median is). A share commitment
    (``Measure.MIN_SHARE``) has none: its target is the share."""

    __tablename__ = "commitment_versions"
    __table_args__ = (
        sa.UniqueConstraint("commitment_id", "number",
                            name="uq_commitment_versions_commitment_number"),
        sa.CheckConstraint("effective_to IS NULL OR effective_to >= effective_from",
                           name="dates_in_order"),
        sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL",
                           name="published_has_time"),
        sa.CheckConstraint("(measure = 'min_share') = (compliance IS NULL)",
                           name="compliance_unless_share"),
        sa.CheckConstraint("compliance IS NULL OR (compliance > 0 AND compliance <= 100)",
                           name="compliance_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    explanation_zh: Mapped[str] = mapped_column(sa.Text)
    explanation_en: Mapped[str] = mapped_column(sa.Text)
    measure: Mapped[Measure] = mapped_column(enum_type(Measure, "measure"))
    unit: Mapped[Unit] = mapped_column(enum_type(Unit, "unit"))
    compliance: Mapped[Decimal | None] = mapped_column(SHARE)
    effective_from: Mapped[date] = mapped_column(sa.Date)
    effective_to: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    commitment: Mapped[Commitment] = relationship(back_populates="versions")
    targets: Mapped[list[CommitmentTarget]] = relationship(
        order_by="CommitmentTarget.position", cascade="all, delete-orphan")

    def title(self, language: str) -> str:
        """The title in a language."""
        return self.title_en if language == "en" else self.title_zh

    def explanation(self, language: str) -> str:
        """The explanation in a language."""
        return self.explanation_en if language == "en" else self.explanation_zh

    def target_for(self, area_type: AreaType | None) -> Decimal | None:
        """The target in an area type's districts: its own, else the one for every district."""
        chosen = {target.area_type: target.value for target in self.targets}
        return chosen.get(area_type, chosen.get(None)) if area_type else chosen.get(None)


class CommitmentTarget(Base):
    """A version's target for the districts of one area type (None: every district)."""

    __tablename__ = "commitment_targets"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "position", name="uq_commitment_targets_position"),
        sa.CheckConstraint("value > 0", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitment_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    area_type: Mapped[AreaType | None] = mapped_column(enum_type(AreaType, "area_type"))
    value: Mapped[Decimal] = mapped_column(TARGET)


class MeasurementImport(Base):
    """A file of measurements that staff imported: who, when, which months, and every figure
    it replaced (``changes``: JSON, published in the transparency log)."""

    __tablename__ = "measurement_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    rows: Mapped[int]
    months: Mapped[str] = mapped_column(sa.Text)  # "2026-09,2026-10"
    changes: Mapped[str] = mapped_column(sa.Text, default="[]")


class MeasurementState(Base):
    """How a month's number of cases of a commitment is published, in one district or in
    every district (``area`` ""): ``published``, ``small`` ("<k") or ``hidden`` (so that a
    small one cannot be found by subtraction). Decided when the month's figures are imported
    (``performance.restate``), never by a later month, and kept when they are imported again
    as far as the new figures allow: so that no two publications differ in what they hide."""

    __tablename__ = "measurement_states"
    __table_args__ = (
        sa.CheckConstraint("state IN ('published', 'small', 'hidden')", name="state_known"),
    )

    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    area: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(12))


class Measurement(Base):
    """One month's figures of an imported commitment in one district: how many cases, how
    many within the target, and the median and 90th percentile (in the target's unit; none for
    a share commitment)."""

    __tablename__ = "measurements"
    __table_args__ = (
        sa.CheckConstraint("cases >= 0", name="cases_not_negative"),
        sa.CheckConstraint("within_target >= 0 AND within_target <= cases",
                           name="within_at_most_cases"),
        sa.CheckConstraint("median IS NULL OR median >= 0", name="median_not_negative"),
        sa.CheckConstraint("p90 IS NULL OR median IS NULL OR p90 >= median",
                           name="p90_not_below_median"),
    )

    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    district_code: Mapped[str] = mapped_column(sa.ForeignKey("districts.code"),
                                               primary_key=True)
    cases: Mapped[int]
    within_target: Mapped[int]
    median: Mapped[Decimal | None] = mapped_column(TARGET)
    p90: Mapped[Decimal | None] = mapped_column(TARGET)
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("measurement_imports.id"),
                                                  index=True)
