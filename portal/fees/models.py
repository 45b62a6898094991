"""Tables of the fee standards: tariffs and their versions, prices, and service fee items."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.complaints.models import District
from portal.core.models import Base, TimestampMixin, UTCDateTime, enum_type
from portal.core.publication import LegalBasisMixin, PublicationMixin
from portal.fees.enums import (
    BasicChargeBasis,
    BillingBasis,
    CustomerClass,
    FeeStatus,
    Period,
    VoltageLevel,
)

PRICE = sa.Numeric(12, 4)
KWH = sa.Numeric(14, 4)


# The districts a tariff is limited to; a tariff without rows applies in every district.
tariff_districts = sa.Table(
    "tariff_districts", Base.metadata,
    sa.Column("tariff_id", sa.ForeignKey("tariffs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("district_code", sa.ForeignKey("districts.code"), primary_key=True,
              index=True),
)


class Tariff(TimestampMixin, Base):
    """A tariff schedule with a stable code, e.g. ``RES-TIER-ZJ``."""

    __tablename__ = "tariffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    customer_class: Mapped[CustomerClass] = mapped_column(
        enum_type(CustomerClass, "customer_class"))
    voltage_level: Mapped[VoltageLevel] = mapped_column(enum_type(VoltageLevel, "voltage_level"))
    versions: Mapped[list[TariffVersion]] = relationship(
        back_populates="tariff", order_by="TariffVersion.number", cascade="all, delete-orphan")
    # Lists that show them load them with ``selectinload(Tariff.districts)``.
    districts: Mapped[list[District]] = relationship(
        secondary=tariff_districts, order_by=District.position)

    def applies_in(self, district_code: str) -> bool:
        """Whether the tariff applies in a district (a tariff limited to none: everywhere)."""
        return not self.districts or any(d.code == district_code for d in self.districts)


class TariffVersion(PublicationMixin, LegalBasisMixin, TimestampMixin, Base):
    """The prices of a tariff over a span of dates. Published versions never change."""

    __tablename__ = "tariff_versions"
    __table_args__ = (
        sa.UniqueConstraint("tariff_id", "number", name="uq_tariff_versions_tariff_number"),
        sa.CheckConstraint("effective_to IS NULL OR effective_to >= effective_from",
                           name="dates_in_order"),
        sa.CheckConstraint("(basic_charge_basis IS NULL) = (basic_charge_rate IS NULL)",
                           name="basic_charge_complete"),
        sa.CheckConstraint("basic_charge_rate IS NULL OR basic_charge_rate > 0",
                           name="basic_charge_positive"),
        sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL",
                           name="published_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_id: Mapped[int] = mapped_column(sa.ForeignKey("tariffs.id", ondelete="CASCADE"),
                                           index=True)
    number: Mapped[int]
    effective_from: Mapped[date] = mapped_column(sa.Date)
    effective_to: Mapped[date | None] = mapped_column(sa.Date)
    billing_basis: Mapped[BillingBasis | None] = mapped_column(
        enum_type(BillingBasis, "billing_basis"))
    basic_charge_basis: Mapped[BasicChargeBasis | None] = mapped_column(
        enum_type(BasicChargeBasis, "basic_charge_basis"))
    basic_charge_rate: Mapped[Decimal | None] = mapped_column(PRICE)
    note_zh: Mapped[str | None] = mapped_column(sa.Text)
    note_en: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    tariff: Mapped[Tariff] = relationship(back_populates="versions")
    tiers: Mapped[list[TariffTier]] = relationship(
        order_by="TariffTier.tier", cascade="all, delete-orphan")
    periods: Mapped[list[TariffPeriodHours]] = relationship(
        order_by="TariffPeriodHours.start_minute", cascade="all, delete-orphan")
    prices: Mapped[list[TariffPrice]] = relationship(
        order_by="[TariffPrice.tier, TariffPrice.period]", cascade="all, delete-orphan")
    monthly_charges: Mapped[list[TariffMonthlyCharge]] = relationship(
        order_by="TariffMonthlyCharge.position", cascade="all, delete-orphan")


class TariffTier(Base):
    """Upper limit (inclusive) of a consumption tier; the last tier has none."""

    __tablename__ = "tariff_tiers"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "tier", name="uq_tariff_tiers_version_tier"),
        sa.CheckConstraint("tier >= 1", name="tier_positive"),
        sa.CheckConstraint("upper_kwh IS NULL OR upper_kwh > 0", name="upper_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tariff_versions.id", ondelete="CASCADE"), index=True)
    tier: Mapped[int]
    upper_kwh: Mapped[Decimal | None] = mapped_column(KWH)


class TariffPeriodHours(Base):
    """A span of the day (minutes from midnight, end exclusive) belonging to a period."""

    __tablename__ = "tariff_period_hours"
    __table_args__ = (
        sa.CheckConstraint("start_minute >= 0 AND start_minute < 1440", name="start_in_day"),
        sa.CheckConstraint("end_minute > start_minute AND end_minute <= 1440", name="end_in_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tariff_versions.id", ondelete="CASCADE"), index=True)
    period: Mapped[Period] = mapped_column(enum_type(Period, "period"))
    start_minute: Mapped[int]
    end_minute: Mapped[int]


class TariffPrice(Base):
    """Energy price in yuan per kWh for one tier and period."""

    __tablename__ = "tariff_prices"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "tier", "period", name="uq_tariff_prices_cell"),
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("tier >= 1", name="tier_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tariff_versions.id", ondelete="CASCADE"), index=True)
    tier: Mapped[int] = mapped_column(default=1)
    period: Mapped[Period] = mapped_column(enum_type(Period, "period"), default=Period.ALL)
    price: Mapped[Decimal] = mapped_column(PRICE)


class TariffMonthlyCharge(Base):
    """A fixed charge in yuan per month (e.g. a meter service charge)."""

    __tablename__ = "tariff_monthly_charges"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tariff_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label_zh: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str | None] = mapped_column(sa.String(200))
    amount: Mapped[Decimal] = mapped_column(PRICE)


class FeeItem(LegalBasisMixin, TimestampMixin, Base):
    """A service charge: what it costs (or that it is free), when, and whether it is abolished."""

    __tablename__ = "fee_items"
    __table_args__ = (
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("status = 'active' OR abolished_on IS NOT NULL",
                           name="abolished_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))  # None: free
    unit_zh: Mapped[str | None] = mapped_column(sa.String(60))
    unit_en: Mapped[str | None] = mapped_column(sa.String(60))
    conditions_zh: Mapped[str | None] = mapped_column(sa.Text)
    conditions_en: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[FeeStatus] = mapped_column(enum_type(FeeStatus, "status"),
                                              default=FeeStatus.ACTIVE)
    effective_from: Mapped[date | None] = mapped_column(sa.Date)
    abolished_on: Mapped[date | None] = mapped_column(sa.Date)
    refund_rule_zh: Mapped[str | None] = mapped_column(sa.Text)
    refund_rule_en: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_free(self) -> bool:
        """A fee item without an amount costs nothing."""
        return self.amount is None
