"""Import and export of fee standards in one JSON format (documented in docs/fee-standards-json.md).

An import is all-or-nothing: the first bad row raises ExchangeError naming the file, the row
and the field, and the caller rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from portal.accounts.models import User
from portal.core.input_guard import has_control_characters
from portal.fees import services
from portal.fees.enums import (
    BasicChargeBasis,
    BillingBasis,
    CustomerClass,
    FeeStatus,
    Period,
    PublicationStatus,
    VoltageLevel,
)
from portal.fees.models import Tariff, TariffVersion
from portal.fees.structure import (
    CANNOT_STORE,
    MAX_TIER_COUNT,
    MonthlyCharge,
    PriceStructure,
    parse_span,
    text_problem,
    too_many_tiers,
)

FORMAT = "open-power-service/fee-standards"
FORMAT_VERSION = 1
E = TypeVar("E")


class ExchangeError(ValueError):
    """A file cannot be imported; the message names the file, row and field."""


class _Reader:
    """Reads fields of one JSON object, naming its place in the file in every error."""

    def __init__(self, source: str, where: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise ExchangeError(f"{source}: {where}: expected an object")
        self.source, self.where, self.data = source, where, data

    def fail(self, field: str, message: str) -> ExchangeError:
        return ExchangeError(f"{self.source}: {self.where}.{field}: {message}")

    def text(self, field: str, *, required: bool = True) -> str | None:
        value = self.data.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(field, "is required")
            return None
        if not isinstance(value, str):
            raise self.fail(field, "must be text")
        if has_control_characters(value):  # pages, feeds and PostgreSQL cannot show them
            raise self.fail(field, "must not contain control characters (except tab and "
                                   "line breaks)")
        if text_problem(value) is not None:  # "\ud800": no database driver can encode it
            raise self.fail(field, str(CANNOT_STORE))
        return value.strip()

    def required_text(self, field: str) -> str:
        value = self.text(field)
        assert value is not None
        return value

    def decimal(self, field: str, *, required: bool = True) -> Decimal | None:
        value = self.data.get(field)
        if value is None:
            if required:
                raise self.fail(field, "is required")
            return None
        try:
            number = Decimal(str(value)) if not isinstance(value, bool) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise self.fail(field, f"must be a number (got {value!r})")
        return number

    def day(self, field: str, *, required: bool = True) -> date | None:
        value = self.text(field, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(field, f"must be a date as YYYY-MM-DD (got {value!r})") from None

    def moment(self, field: str, latest: datetime) -> datetime | None:
        """A date and time with its offset (``2012-06-08T10:00:00+08:00``), not after
        ``latest``; None if absent."""
        value = self.text(field, required=False)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise self.fail(field, f"must be a date and time with its offset, as "
                                   f"YYYY-MM-DDTHH:MM:SS+08:00 (got {value!r})")
        if moment > latest:
            raise self.fail(field, f"must not be in the future (got {value!r})")
        return moment.astimezone(UTC)

    def choice(self, field: str, enum: type[E], *, required: bool = True) -> E | None:
        value = self.text(field, required=required)
        if value is None:
            return None
        try:
            return enum(value)  # type: ignore[call-arg]
        except ValueError:
            allowed = ", ".join(member.value for member in enum)  # type: ignore[attr-defined]
            raise self.fail(field, f"must be one of {allowed} (got {value!r})") from None

    def items(self, field: str) -> list[Any]:
        value = self.data.get(field, [])
        if not isinstance(value, list):
            raise self.fail(field, "must be a list")
        return value

    def child(self, field: str, index: int | None = None, label: str = "") -> Callable[[Any],
                                                                                       _Reader]:
        suffix = f"[{index}]" if index is not None else ""
        return lambda data: _Reader(self.source, f"{self.where}.{field}{suffix}{label}", data)


def _basis(reader: _Reader) -> services.LegalBasis:
    basis = reader.child("legal_basis")(reader.data.get("legal_basis"))
    return services.LegalBasis(basis.required_text("number"), basis.required_text("title"),
                               basis.text("url", required=False))


def _structure(reader: _Reader) -> PriceStructure:
    tiers_raw = reader.items("tiers") or [None]
    if len(tiers_raw) > MAX_TIER_COUNT:  # before reading thousands of numbers
        raise reader.fail("tiers", str(too_many_tiers(MAX_TIER_COUNT)))
    tiers: list[Decimal | None] = []
    for index, upper in enumerate(tiers_raw):
        tier = _Reader(reader.source, f"{reader.where}.tiers[{index}]", {"upper": upper})
        tiers.append(tier.decimal("upper", required=False))
    hours = []
    for index, raw in enumerate(reader.items("hours")):
        span = reader.child("hours", index)(raw)
        period = span.choice("period", Period)
        try:
            hours.append(parse_span(period, f"{span.required_text('from')}-"  # type: ignore[arg-type]
                                            f"{span.required_text('to')}"))
        except ValueError:
            raise span.fail("to", "hours are HH:MM, from before to, within 00:00-24:00") from None
    prices: dict[tuple[int, Period], Decimal] = {}
    for index, raw in enumerate(reader.items("prices")):
        cell = reader.child("prices", index)(raw)
        tier = cell.data.get("tier", 1)
        if not isinstance(tier, int) or isinstance(tier, bool) or tier < 1:
            raise cell.fail("tier", "must be a whole number from 1")
        period = cell.choice("period", Period, required=False) or Period.ALL
        if (tier, period) in prices:
            raise cell.fail("period", "this tier and period already have a price")
        prices[(tier, period)] = cell.decimal("price")  # type: ignore[assignment]
    basic = reader.data.get("basic_charge")
    basic_basis, basic_rate = None, None
    if basic is not None:
        charge = reader.child("basic_charge")(basic)
        basic_basis = charge.choice("basis", BasicChargeBasis)
        basic_rate = charge.decimal("rate")
    monthly = []
    for index, raw in enumerate(reader.items("monthly_charges")):
        charge = reader.child("monthly_charges", index)(raw)
        monthly.append(MonthlyCharge(charge.required_text("label_zh"),
                                     charge.text("label_en", required=False),
                                     charge.decimal("amount")))  # type: ignore[arg-type]
    return PriceStructure(tiers=tuple(tiers),
                          billing_basis=reader.choice("billing_basis", BillingBasis,
                                                      required=False),
                          hours=tuple(hours), prices=prices, basic_charge_basis=basic_basis,
                          basic_charge_rate=basic_rate, monthly_charges=tuple(monthly))


def _version_draft(reader: _Reader) -> services.VersionDraft:
    return services.VersionDraft(
        reader.day("effective_from"), reader.day("effective_to", required=False),  # type: ignore[arg-type]
        _basis(reader), _structure(reader), reader.text("note_zh", required=False),
        reader.text("note_en", required=False))


def _district_codes(reader: _Reader) -> list[str]:
    """The optional ``districts`` of a tariff: codes of known districts ([]: every district)."""
    codes = reader.data.get("districts")
    if codes is None:
        return []
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise reader.fail("districts", "must be a list of district codes")
    known = [district.code for district in services.known_districts()]
    for code in codes:
        if code.strip().upper() not in known:
            raise reader.fail("districts", f"unknown district {code!r}; the districts are "
                                           f"{', '.join(known)}")
    return codes


def _tariff_itself(reader: _Reader) -> Tariff:
    """The tariff a row names, created or with its names and districts as the row gives them
    (a row without ``districts`` leaves them as they are)."""
    code = reader.required_text("code").upper()
    tariff = services.get_tariff(code)
    try:
        if tariff is None:
            tariff = services.create_tariff(
                code, reader.required_text("name_zh"), reader.text("name_en", required=False),
                reader.choice("customer_class", CustomerClass),  # type: ignore[arg-type]
                reader.choice("voltage_level", VoltageLevel))  # type: ignore[arg-type]
        else:
            services.rename_tariff(tariff, reader.required_text("name_zh"),
                                   reader.text("name_en", required=False))
        if "districts" in reader.data:
            services.limit_tariff(tariff, _district_codes(reader))
    except services.FeeError as error:
        raise reader.fail(error.errors[0].field, str(error.errors[0].message)) from None
    return tariff


def _import_tariff(reader: _Reader, publisher: User | None, now: datetime,
                   keep_dates: bool) -> tuple[int, int]:
    tariff = _tariff_itself(reader)
    existing = {version.effective_from: version for version in tariff.versions}
    rows = reader.items("versions")
    parsed = []
    for index, raw in enumerate(rows):
        row = reader.child("versions", index)(raw)
        status = row.choice("status", PublicationStatus, required=False) or \
            PublicationStatus.PUBLISHED
        published_at = row.moment("published_at", now) if keep_dates else None
        parsed.append((row, _version_draft(row), status, published_at))
    created = published = 0
    for row, draft, status, published_at in sorted(parsed,
                                                   key=lambda item: item[1].effective_from):
        try:
            version = existing.get(draft.effective_from)
            if version is not None and version.is_published:
                if not services.same_content(version, draft):
                    raise row.fail("effective_from", "a published version with this start date "
                                   "differs; published versions cannot be changed")
                continue
            if version is None:
                version = services.create_draft(tariff, draft, publisher)
                created += 1
            else:
                services.update_draft(version, draft)
            if status is PublicationStatus.PUBLISHED:
                services.publish_version(version, publisher, now, published_at)
                published += 1
                _backdate(tariff, version, published_at)
        except services.FeeError as error:
            raise row.fail(error.errors[0].field, str(error.errors[0].message)) from None
    return created, published


def _backdate(tariff: Tariff, version: TariffVersion, published_at: datetime | None) -> None:
    """A version published before the portal knew it was not drafted, nor its tariff made,
    on the day of the import either."""
    if published_at is None:
        return
    version.created_at = min(version.created_at, published_at)
    tariff.created_at = min(tariff.created_at, published_at)


def _import_fee_item(reader: _Reader, now: datetime, keep_dates: bool) -> None:
    data = services.FeeItemData(
        code=reader.required_text("code"), name_zh=reader.required_text("name_zh"),
        name_en=reader.text("name_en", required=False),
        amount=reader.decimal("amount", required=False),
        unit_zh=reader.text("unit_zh", required=False),
        unit_en=reader.text("unit_en", required=False),
        conditions_zh=reader.text("conditions_zh", required=False),
        conditions_en=reader.text("conditions_en", required=False),
        basis=_basis(reader),
        status=reader.choice("status", FeeStatus, required=False) or FeeStatus.ACTIVE,
        effective_from=reader.day("effective_from", required=False),
        abolished_on=reader.day("abolished_on", required=False),
        refund_rule_zh=reader.text("refund_rule_zh", required=False),
        refund_rule_en=reader.text("refund_rule_en", required=False))
    published_at = reader.moment("published_at", now) if keep_dates else None
    try:
        services.save_fee_item(data, now, published_at=published_at)
    except services.FeeError as error:
        raise reader.fail(error.errors[0].field, str(error.errors[0].message)) from None


def import_text(text: str, source: str, publisher: User | None, now: datetime, *,
                keep_dates: bool = False) -> dict[str, int]:
    """Import a file's content; returns counts. Raises ExchangeError; the caller rolls back.

    ``keep_dates``: new versions and fee items are dated by their ``published_at`` (when their
    document was published) instead of ``now``; the demo data does so, a staff import not."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ExchangeError(f"{source}: not valid JSON (line {exc.lineno}, column "
                            f"{exc.colno}): {exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # integers over 4,300 digits, deep nesting
        raise ExchangeError(f"{source}: not usable JSON: {exc}") from None
    root = _Reader(source, "$", data)
    if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
        raise root.fail("format", f"expected format {FORMAT!r} version {FORMAT_VERSION}")
    def label(raw: Any) -> str:  # the row's code, only if it is a plausible one
        code = raw.get("code") if isinstance(raw, dict) else None
        if not isinstance(code, str) or text_problem(code) is not None:
            return ""
        code = code.strip().upper()
        return f" ({code})" if services.CODE_PATTERN.match(code) else ""

    counts = {"tariffs": 0, "versions_created": 0, "versions_published": 0, "fee_items": 0}
    for index, raw in enumerate(root.items("tariffs")):
        created, published = _import_tariff(root.child("tariffs", index, label(raw))(raw),
                                            publisher, now, keep_dates)
        counts["tariffs"] += 1
        counts["versions_created"] += created
        counts["versions_published"] += published
    for index, raw in enumerate(root.items("fee_items")):
        _import_fee_item(root.child("fee_items", index, label(raw))(raw), now, keep_dates)
        counts["fee_items"] += 1
    return counts


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def version_data(version: TariffVersion) -> dict[str, Any]:
    """One version in the exchange format."""
    structure = services.structure_of(version)
    return {
        "number": version.number,
        "status": version.status.value,
        "effective_from": version.effective_from.isoformat(),
        "effective_to": version.effective_to.isoformat() if version.effective_to else None,
        "legal_basis": {"number": version.basis_number, "title": version.basis_title,
                        "url": version.basis_url},
        "note_zh": version.note_zh, "note_en": version.note_en,
        "billing_basis": version.billing_basis.value if version.billing_basis else None,
        "tiers": [_number(upper) for upper in structure.tiers],
        "hours": [{"period": span.period.value, "from": span.start, "to": span.end}
                  for span in structure.hours],
        "prices": [{"tier": tier, "period": period.value, "price": _number(price)}
                   for (tier, period), price in sorted(structure.prices.items(),
                                                       key=lambda i: (i[0][0], i[0][1].value))],
        "basic_charge": ({"basis": version.basic_charge_basis.value,
                          "rate": _number(version.basic_charge_rate)}
                         if version.basic_charge_basis else None),
        "monthly_charges": [{"label_zh": c.label_zh, "label_en": c.label_en,
                             "amount": _number(c.amount)} for c in structure.monthly_charges],
        "published_at": version.published_at.isoformat() if version.published_at else None,
    }


def tariff_data(tariff: Tariff, *, include_drafts: bool) -> dict[str, Any]:
    """One tariff with its versions in the exchange format."""
    return {
        "code": tariff.code, "name_zh": tariff.name_zh, "name_en": tariff.name_en,
        "customer_class": tariff.customer_class.value,
        "voltage_level": tariff.voltage_level.value,
        "districts": [district.code for district in tariff.districts],
        "versions": [version_data(v) for v in tariff.versions
                     if include_drafts or v.is_published],
    }


def fee_item_data(item: Any) -> dict[str, Any]:
    """One fee item in the exchange format."""
    return {
        "code": item.code, "name_zh": item.name_zh, "name_en": item.name_en,
        "amount": None if item.amount is None else f"{item.amount:.2f}",
        "unit_zh": item.unit_zh, "unit_en": item.unit_en,
        "conditions_zh": item.conditions_zh, "conditions_en": item.conditions_en,
        "legal_basis": {"number": item.basis_number, "title": item.basis_title,
                        "url": item.basis_url},
        "status": item.status.value,
        "effective_from": item.effective_from.isoformat() if item.effective_from else None,
        "abolished_on": item.abolished_on.isoformat() if item.abolished_on else None,
        "refund_rule_zh": item.refund_rule_zh, "refund_rule_en": item.refund_rule_en,
    }


def export_data(tariffs: list[Tariff], items: list[Any], *,
                include_drafts: bool = True) -> dict[str, Any]:
    """Everything in the exchange format (the same one ``import_text`` reads)."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "tariffs": [tariff_data(t, include_drafts=include_drafts) for t in tariffs],
            "fee_items": [fee_item_data(item) for item in items]}
