"""Vocabulary of fee standards, each value with its translated title."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.enums import TitledEnum
from portal.core.publication import PublicationStatus

__all__ = ["BasicChargeBasis", "BillingBasis", "CustomerClass", "FeeStatus", "Period",
           "PublicationStatus", "VoltageLevel"]


class CustomerClass(TitledEnum):
    """The customer classes that tariffs are published for."""

    RESIDENTIAL = "residential"
    AGRICULTURAL = "agricultural"
    GENERAL = "general"
    LARGE_INDUSTRIAL = "large_industrial"


CustomerClass.TITLES = {
    "residential": _l("Residential"),
    "agricultural": _l("Agricultural"),
    "general": _l("General commercial and industrial"),
    "large_industrial": _l("Large industrial"),
}


class VoltageLevel(TitledEnum):
    """Supply voltage a tariff applies to."""

    LV = "lv"
    KV1_10 = "1_10kv"
    KV35 = "35kv"
    KV110 = "110kv"
    KV220 = "220kv"


VoltageLevel.TITLES = {
    "lv": _l("Below 1 kV"),
    "1_10kv": _l("1-10 kV"),
    "35kv": _l("35 kV"),
    "110kv": _l("110 kV"),
    "220kv": _l("220 kV and above"),
}


class BillingBasis(TitledEnum):
    """Whether tier thresholds count kWh per month or per year."""

    MONTHLY = "monthly"
    ANNUAL = "annual"


BillingBasis.TITLES = {"monthly": _l("per month"), "annual": _l("per year")}


class Period(TitledEnum):
    """Time-of-use period; ``ALL`` is the whole day (no time-of-use pricing)."""

    ALL = "all"
    PEAK = "peak"
    FLAT = "flat"
    VALLEY = "valley"


Period.TITLES = {"all": _l("All hours"), "peak": _l("Peak"), "flat": _l("Flat"),
                 "valley": _l("Valley")}
TIME_OF_USE_PERIODS = (Period.PEAK, Period.FLAT, Period.VALLEY)


class BasicChargeBasis(TitledEnum):
    """What the basic charge of a two-part tariff is levied on."""

    CAPACITY = "capacity"
    DEMAND = "demand"


BasicChargeBasis.TITLES = {"capacity": _l("transformer capacity (kVA)"),
                           "demand": _l("maximum demand (kW)")}


class FeeStatus(TitledEnum):
    """Whether a service charge may still be levied."""

    ACTIVE = "active"
    ABOLISHED = "abolished"


FeeStatus.TITLES = {"active": _l("In force"), "abolished": _l("Abolished")}
