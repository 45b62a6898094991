"""Open data of the fee standards: tariffs, versions, the bill calculator, fee items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.core import apidoc
from portal.core.api import (
    PAGING,
    ApiError,
    csv_response,
    page_arguments,
    page_schema,
    paginated,
)
from portal.core.apidoc import LANG, Param, documented
from portal.core.clock import local_today, parse_day
from portal.core.page_cache import cacheable
from portal.extensions import db
from portal.fees import services
from portal.fees.bill_input import LABELS, NUMBERS, parse_usage
from portal.fees.billing import QUANTITY, Bill, BillInputError, calculate
from portal.fees.blueprint import api
from portal.fees.exchange import fee_item_data, version_data
from portal.fees.models import Tariff, TariffVersion

PRICE_HEADER = ["tariff_code", "tariff_name_zh", "tariff_name_en", "customer_class",
                "voltage_level", "version", "status", "effective_from", "effective_to",
                "basis_number", "basis_title", "billing_basis", "tier", "tier_upper_kwh",
                "period", "price_yuan_per_kwh", "basic_charge_basis", "basic_charge_rate"]


TAG = "fees"
MAYBE: dict[str, Any] = {"type": ["string", "null"]}
VERSION = apidoc.schema("TariffVersion", {"type": "object", "required": [
    "number", "status", "effective_from", "legal_basis"], "properties": {
    "number": {"type": "integer"}, "status": {"type": "string"},
    "effective_from": {"type": "string", "format": "date"},
    "effective_to": {"type": ["string", "null"], "format": "date"},
    "legal_basis": {"type": "object"}, "billing_basis": MAYBE,
    "tiers": {"type": "array"}, "hours": {"type": "array"}}})
TARIFF: dict[str, Any] = {"type": "object", "required": ["code", "name_zh", "customer_class",
                                                         "voltage_level", "url"],
                          "properties": {"code": {"type": "string"},
                                         "name_zh": {"type": "string"}, "name_en": MAYBE,
                                         "customer_class": {"type": "string"},
                                         "voltage_level": {"type": "string"},
                                         "districts": {"type": "array"},
                                         "url": {"type": "string"},
                                         "page": {"type": "string"}}}
FEE_ITEM = apidoc.schema("FeeItem", {"type": "object", "required": [
    "code", "name_zh", "amount", "status", "legal_basis"], "properties": {
    "code": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": MAYBE,
    "amount": {"type": ["string", "null"], "description": _l("Yuan as text; null: free.")},
    "status": {"type": "string"}, "legal_basis": {"type": "object"},
    "effective_from": MAYBE, "abolished_on": MAYBE}})
ON = Param("on", _l("The day whose versions are in force, YYYY-MM-DD (default: today)."),
           {"type": "string", "format": "date"})
CODE = Param("code", _l("A tariff's code, e.g. RES-TIER-ZJ."), location="path")
KWH: dict[str, Any] = {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"}
USAGE = [Param(name, LABELS[name], KWH) for name in NUMBERS if name in LABELS] + [
    Param("months", LABELS["months"], {"type": "string", "pattern": "^[0-9]{1,3}$"})]
CSV_ANSWER = apidoc.Answer(_l("One row per price, as CSV (UTF-8 with a byte-order mark)."),
                           {apidoc.CSV: None})

def _day() -> date:
    try:
        return parse_day(request.args.get("on")) or local_today()
    except ValueError:
        raise ApiError(400, _("The date must be written as YYYY-MM-DD, e.g. 2024-07-01."),
                       "on") from None


def _tariff(code: str) -> Tariff:
    tariff = services.get_tariff(code)
    if tariff is None:
        raise ApiError(404, _("There is no tariff with this code."), "code")
    return tariff


def _summary(tariff: Tariff) -> dict[str, Any]:
    return {"code": tariff.code, "name_zh": tariff.name_zh, "name_en": tariff.name_en,
            "customer_class": tariff.customer_class.value,
            "voltage_level": tariff.voltage_level.value,
            # The districts the tariff applies in; an empty list: every district.
            "districts": [district.code for district in tariff.districts],
            "url": url_for("fees_api.tariff_detail", code=tariff.code, _external=True),
            "page": url_for("fees.show_tariff", code=tariff.code, _external=True)}


TARIFFS = sa.select(Tariff).order_by(Tariff.code).options(selectinload(Tariff.districts))


def _with(response: Response, **fields: Any) -> Response:
    """A JSON response of ``paginated`` with more top-level fields."""
    response.set_data(current_app.json.dumps({**response.get_json(), **fields}))
    return response


@api.get("/tariffs")
@documented(TAG, _l("Tariffs with the version in force on a day"), params=[ON, *PAGING, LANG],
            ok={"allOf": [page_schema("tariffs", {"allOf": [TARIFF, {"properties": {
                "version": {"oneOf": [VERSION, {"type": "null"}]}}}]}),
                {"properties": {"on": {"type": "string"}}}]})
@open_to_all
@cacheable
def tariffs() -> Response:
    """The tariffs with the version in force on ``on`` (default today; null if none), a page
    at a time (``page``, ``per_page``; ``Link`` headers name the other pages)."""
    day = _day()
    page, per_page = page_arguments()
    pagination = db.paginate(TARIFFS, page=page, per_page=per_page, error_out=False)
    in_force = services.versions_in_force(pagination.items, day)
    items = [{**_summary(t), "version": (version_data(v) if (v := in_force.get(t.id)) else None)}
             for t in pagination.items]
    return _with(paginated(pagination, items, "tariffs", "fees_api.tariffs"), on=day.isoformat())


def _price_rows(tariff: Tariff, versions: list[TariffVersion]) -> list[list[Any]]:
    rows = []
    for version in versions:
        tiers = {tier.tier: tier.upper_kwh for tier in version.tiers}
        for price in version.prices:
            rows.append([
                tariff.code, tariff.name_zh, tariff.name_en or "", tariff.customer_class.value,
                tariff.voltage_level.value, version.number, version.status.value,
                version.effective_from.isoformat(),
                version.effective_to.isoformat() if version.effective_to else "",
                version.basis_number, version.basis_title,
                version.billing_basis.value if version.billing_basis else "", price.tier,
                "" if tiers.get(price.tier) is None else f"{tiers[price.tier]:f}",
                price.period.value, f"{price.price:.4f}",
                version.basic_charge_basis.value if version.basic_charge_basis else "",
                f"{version.basic_charge_rate:.4f}" if version.basic_charge_rate else ""])
    return rows


@api.get("/tariffs.csv")
@documented(TAG, _l("The prices of the versions in force on a day, as CSV"),
            params=[ON, LANG], ok=CSV_ANSWER)
@open_to_all
@cacheable
def tariffs_csv() -> Any:
    """One row per price of the versions in force on ``on``."""
    day = _day()
    tariffs = list(db.session.scalars(TARIFFS))
    in_force = services.versions_in_force(tariffs, day)
    rows = []
    for tariff in tariffs:
        version = in_force.get(tariff.id)
        rows += _price_rows(tariff, [version] if version else [])
    return csv_response(f"tariffs-{day.isoformat()}.csv", PRICE_HEADER, rows)


@api.get("/tariffs/<code>")
@documented(TAG, _l("A tariff with all its published versions"), params=[CODE, LANG],
            ok={"allOf": [TARIFF, {"required": ["versions"], "properties": {
                "versions": {"type": "array", "items": VERSION}}}]}, errors=(404,))
@open_to_all
@cacheable
def tariff_detail(code: str) -> dict[str, Any]:
    """A tariff with all its published versions, oldest first."""
    tariff = _tariff(code)
    return {**_summary(tariff),
            "versions": [version_data(v) for v in services.published_versions(tariff)]}


@api.get("/tariffs/<code>.csv")
@documented(TAG, _l("Every published price of a tariff, as CSV"), params=[CODE, LANG],
            ok=CSV_ANSWER, errors=(404,))
@open_to_all
@cacheable
def tariff_csv(code: str) -> Any:
    """One row per price of every published version of a tariff."""
    tariff = _tariff(code)
    return csv_response(f"{tariff.code}.csv", PRICE_HEADER,
                        _price_rows(tariff, services.published_versions(tariff)))


@api.get("/tariffs/<code>/bill")
@documented(TAG, _l("A bill for the consumption given"), params=[CODE, ON, *USAGE, LANG],
            ok={"type": "object", "required": ["tariff", "on", "version", "lines", "total"],
                "properties": {"tariff": {"type": "string"}, "on": {"type": "string"},
                               "version": {"type": "object"}, "currency": {"const": "CNY"},
                               "lines": {"type": "array", "items": {"type": "object"}},
                               "total": {"type": "string"}, "previous_kwh": MAYBE,
                               "year_to_date_kwh": MAYBE}},
            errors=(404,))
@open_to_all
@cacheable
def bill(code: str) -> dict[str, Any]:
    """One bill for the consumption given, under the version in force on ``on``.

    ``kwh`` (or ``peak_kwh``, ``flat_kwh``, ``valley_kwh``) is this bill's consumption. Where
    the tiers count per year, ``previous_kwh`` is the tariff year's consumption before this
    bill (default 0), or ``year_to_date_kwh`` the year-to-date including it (年累计电量);
    the bill's kWh are billed at the tiers they fall in, counted on from there.
    """
    refused: ApiError | None = None
    try:
        day = _day()
    except ApiError as error:  # a tariff that does not exist is still told first
        refused, day = error, local_today()
    exists, version = services.in_force_on(code, day)
    if not exists:
        raise ApiError(404, _("There is no tariff with this code."), "code")
    if refused is not None:
        raise refused
    if version is None:
        raise ApiError(400, _("No version of this tariff was in force on %(date)s.",
                              date=day.isoformat()), "on")
    try:
        result = calculate(version.structure, parse_usage(request.args))
    except BillInputError as error:
        raise ApiError(400, error.message, error.parameter) from None
    return _bill_body(day, version, result)


def _bill_body(day: date, version: services.InForce, result: Bill) -> dict[str, Any]:
    return {
        "tariff": version.tariff_code, "on": day.isoformat(),
        "version": {"number": version.number,
                    "effective_from": version.effective_from.isoformat(),
                    "effective_to": (version.effective_to.isoformat()
                                     if version.effective_to else None),
                    "legal_basis": {"number": version.basis_number,
                                    "title": version.basis_title, "url": version.basis_url}},
        "currency": "CNY",
        "lines": [{"kind": line.kind, "label": line.label,
                   "quantity": f"{line.quantity.quantize(QUANTITY):f}", "unit": line.unit,
                   "unit_price": f"{line.unit_price:.4f}", "amount": f"{line.amount:.2f}"}
                  for line in result.lines],
        "total": f"{result.total:.2f}",
        "previous_kwh": _kwh(result.previous_kwh),
        "year_to_date_kwh": _kwh(result.year_to_date_kwh),
    }


def _kwh(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(QUANTITY):f}"


FEE_HEADER = ["code", "name_zh", "name_en", "amount_yuan", "unit_zh", "unit_en", "status",
              "effective_from", "abolished_on", "basis_number", "basis_title", "conditions_zh",
              "conditions_en", "refund_rule_zh", "refund_rule_en"]


@api.get("/fees")
@documented(TAG, _l("Service charges, in force and abolished"), params=[*PAGING, LANG],
            ok=page_schema("fee_items", FEE_ITEM))
@open_to_all
@cacheable
def fees() -> Response:
    """The fee items, in force and abolished (``amount`` null means free), a page at a time."""
    page, per_page = page_arguments()
    pagination = db.paginate(services.fee_items_query(), page=page, per_page=per_page,
                             error_out=False)
    return paginated(pagination, [fee_item_data(item) for item in pagination.items],
                     "fee_items", "fees_api.fees")


@api.get("/fees.csv")
@documented(TAG, _l("Service charges as CSV"), params=[LANG], ok=apidoc.Answer(
    _l("One row per service charge, as CSV."), {apidoc.CSV: None}))
@open_to_all
@cacheable
def fees_csv() -> Any:
    """Every fee item as CSV."""
    rows = []
    for item in services.fee_items():
        data = fee_item_data(item)
        rows.append([data["code"], data["name_zh"], data["name_en"] or "",
                     data["amount"] or "", data["unit_zh"] or "", data["unit_en"] or "",
                     data["status"], data["effective_from"] or "", data["abolished_on"] or "",
                     item.basis_number, item.basis_title, item.conditions_zh or "",
                     item.conditions_en or "", item.refund_rule_zh or "",
                     item.refund_rule_en or ""])
    return csv_response("fee-items.csv", FEE_HEADER, rows)
