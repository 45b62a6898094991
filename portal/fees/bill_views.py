"""A resident's bill: which tariff is mine, work out a bill, check the bill received.

Nothing a person types on these pages is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.accounts.roles import open_to_all
from portal.core import page_cache
from portal.core.clock import local_today, parse_day
from portal.core.page_cache import cacheable
from portal.extensions import db
from portal.fees import finder, services
from portal.fees.bill_check import ChargeClaim, EnergyFinding, check_bill, judge_energy
from portal.fees.bill_input import (
    LABELS,
    PREVIOUS,
    YEAR_TO_DATE,
    parse_usage,
    require,
    used_parameters,
)
from portal.fees.billing import Bill, BillInputError, calculate
from portal.fees.blueprint import public
from portal.fees.forms import BillCheckForm
from portal.fees.models import FeeItem, Tariff, TariffVersion
from portal.fees.structure import PriceStructure


def _tariff_or_404(code: str) -> Tariff:
    tariff = services.get_tariff(code)
    if tariff is None:
        abort(404)
    return tariff


def _answers() -> dict[str, str]:
    """The which-tariff answers carried in the address, those that are answers at all."""
    return {q.name: value for q in finder.questions()
            if q.title_of(value := request.args.get(q.name) or "") is not None}


def error_items(errors: dict[str, str]) -> list[tuple[str, str, str]]:
    """(field id, label, message) for the error summary of the calculator's fields."""
    return [(name, str(LABELS.get(name, name)), message) for name, message in errors.items()]


@public.get("/fees/bill")
@open_to_all
@cacheable
def my_bill() -> Any:
    """Which tariff is mine? A few questions (a GET form), then the tariff to work out a bill."""
    found = finder.find(request.args, finder.candidates_on(local_today()))
    status = 400 if found.errors else 200
    return render_template("fees/bill.html", found=found, answers=finder.carried(found),
                           errors=found.errors), status


@dataclass
class Calculation:
    """What the calculator computed from the parameters it was given, or why it could not."""

    parameters: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    bill: Bill | None = None


def work_out(structure: PriceStructure, args: MultiDict[str, str], cumulative: str) -> Calculation:
    """The bill for a person's form: the parameters the tariff asks for, the bill if any of
    them was given, and the errors (the consumption earlier in the year must be given)."""
    result = Calculation(used_parameters(structure, cumulative))
    if any((args.get(name) or "").strip() for name in result.parameters):
        try:
            usage = parse_usage(args)
            require(structure, args, cumulative)
            result.bill = calculate(structure, usage)
        except BillInputError as exc:
            result.errors[exc.parameter] = exc.message
    return result


def _day_or_error() -> tuple[date, str | None]:
    try:
        return parse_day(request.args.get("on")) or local_today(), None
    except ValueError:
        return local_today(), _("The date must be written as YYYY-MM-DD, e.g. 2024-07-01.")


@public.get("/tariffs/<code>/bill")
@open_to_all
@cacheable
def bill_calculator(code: str) -> Any:
    """Work out a bill under one tariff (the JSON form is /api/v1/tariffs/<code>/bill)."""
    tariff = _tariff_or_404(code)
    day, error = _day_or_error()
    version = None if error else services.version_in_force(tariff, day)
    structure = services.published_structure(version) if version else None
    calculation = work_out(structure, request.args, PREVIOUS) if structure else Calculation()
    if error or version is None:
        calculation.errors["on"] = error or _(
            "No version of this tariff was in force on %(date)s.", date=day.isoformat())
    return render_template(
        "fees/calculator.html", tariff=tariff, day=day, version=version, structure=structure,
        values=request.args, parameters=calculation.parameters, errors=calculation.errors,
        error_items=error_items(calculation.errors), bill=calculation.bill, labels=LABELS,
        answers=_answers(), described=finder.described(request.args),
        carried=_carried_to_check(calculation, day),
    ), 400 if calculation.errors else 200


def _carried_to_check(calculation: Calculation, day: date) -> dict[str, str]:
    """What the calculator passes on to "check my bill": this bill's quantities, the
    year-to-date consumption as the bill prints it (this bill included), and the date."""
    bill = calculation.bill
    if bill is None:
        return _answers()
    carried = {**_answers(), **{name: request.args[name] for name in calculation.parameters
               if name not in ("previous_kwh", "months", "on") and request.args.get(name)}}
    if bill.year_to_date_kwh is not None:
        carried["year_to_date_kwh"] = format(bill.year_to_date_kwh.normalize(), "f")
    carried["bill_date"] = day.isoformat()
    return carried


def _date_arg(name: str) -> date | None:
    """A date from the address, or None if it is not one."""
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


@dataclass
class EnergyPart:
    """The electricity part of "check my bill": the tariff named in the address and what the
    bill says about it."""

    tariff: Tariff | None = None
    version: TariffVersion | None = None
    calculation: Calculation = field(default_factory=Calculation)
    finding: EnergyFinding | None = None
    tariff_error: str | None = None

    @property
    def structure(self) -> PriceStructure | None:
        """The prices of the version in force on the bill's date."""
        return services.published_structure(self.version) if self.version else None


def _energy_part(day: date) -> EnergyPart:
    code = (request.args.get("tariff") or "").strip()
    part = EnergyPart(tariff=services.get_tariff(code) if code else None)
    if code and part.tariff is None:
        part.tariff_error = _("There is no tariff with this code.")
    elif part.tariff is not None:
        part.version = services.version_in_force(part.tariff, day)
    if part.structure is not None:
        part.calculation.parameters = used_parameters(part.structure, YEAR_TO_DATE)
    return part


def _check_energy(part: EnergyPart, form: BillCheckForm, day: date) -> None:
    """Work out the bill from what was typed and compare it with the printed charge."""
    if part.tariff is not None and part.version is None:
        form.bill_date.errors = [*form.bill_date.errors, _(
            "No version of this tariff was in force on %(date)s.", date=day.isoformat())]
        return
    if part.tariff is None and form.energy_given and part.tariff_error is None:
        # An electricity charge with no tariff to compare it with: say so, never "all match".
        part.tariff_error = _("Choose the tariff printed on your bill to check its "
                              "electricity charge.")
    if part.structure is None or not form.energy_given:
        return
    part.calculation = work_out(part.structure, request.form, YEAR_TO_DATE)
    bill = part.calculation.bill
    if bill is None and not part.calculation.errors:  # only the printed charge was given
        part.calculation.errors[part.calculation.parameters[0]] = _("This value is required.")
    # A printed charge that its field refused (NaN, too many decimals) is not compared.
    if bill is not None and form.energy_amount.data is not None and not form.energy_amount.errors:
        part.finding = judge_energy(form.energy_amount.data, bill)


def _energy_given(part: EnergyPart, form: BillCheckForm) -> bool:
    typed = [*part.calculation.parameters, form.energy_amount.name]
    return any((request.form.get(name) or "").strip() for name in typed)


@public.route("/fees/check", methods=["GET", "POST"])
@open_to_all
@cacheable
def check_my_bill() -> Any:
    """Compare what a bill says with the published tariff and charges. Nothing is stored."""
    if set(request.args) - {"lang", "tariff"}:
        page_cache.not_kept()  # a person's figures, from the calculator: no shared cache
    items = list(db.session.scalars(sa.select(FeeItem).order_by(FeeItem.name_zh)))
    form = BillCheckForm()
    form.set_fee_choices(items)
    if not form.is_submitted():  # the calculator may pass on what was typed there
        form.bill_date.data = _date_arg("bill_date") or local_today()
    day = form.bill_date.data or local_today()
    part = _energy_part(day)
    values = request.form if form.is_submitted() else request.args
    context: dict[str, Any] = {"form": form, "energy": part, "answers": _answers(),
                               "labels": LABELS, "values": values,
                               "tariffs": [] if part.tariff else services.tariffs_by_code()}
    if form.add_rows.data:
        form.add_empty_rows(3)
        return render_template("fees/check.html", **context)
    form.energy_given = _energy_given(part, form)
    valid = form.validate_on_submit()
    if form.is_submitted():
        _check_energy(part, form, day)
    errors = part.calculation.errors
    context["error_items"] = error_items(errors) + (
        [("tariff", _("Tariff"), part.tariff_error)] if part.tariff_error else [])
    if valid and not errors and not form.bill_date.errors and not part.tariff_error:
        claims = [ChargeClaim(row.amount.data, row.fee.data or None, row.name.data or None,
                              row.quantity.data or Decimal(1)) for row in form.filled_rows()]
        findings = check_bill(claims, items, day)
        flagged = [f for f in findings if f.verdict.flagged]
        return render_template("fees/check.html", findings=findings, bill_date=day,
                               flagged=flagged, **context)
    status = 400 if form.is_submitted() or part.tariff_error else 200
    return render_template("fees/check.html", **context), status
