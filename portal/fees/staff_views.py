"""Staff pages of the fee standards: draft, preview, publish, export."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts.roles import Permission, permission_required
from portal.core.models import utcnow
from portal.core.vendor import allow_plotly
from portal.extensions import db
from portal.fees import services
from portal.fees.blueprint import staff
from portal.fees.chart import price_chart
from portal.fees.enums import (
    TIME_OF_USE_PERIODS,
    BasicChargeBasis,
    BillingBasis,
    CustomerClass,
    FeeStatus,
    Period,
    VoltageLevel,
)
from portal.fees.exchange import export_data
from portal.fees.forms import (
    MAX_TIERS,
    FeeItemForm,
    TariffForm,
    VersionForm,
    parse_limits,
    price_field_name,
)
from portal.fees.models import FeeItem, Tariff, TariffVersion
from portal.fees.structure import MonthlyCharge, PriceStructure, parse_span

MANAGE = Permission.MANAGE_FEES


def _version_or_404(code: str, number: int) -> TariffVersion:
    tariff = services.get_tariff(code)
    version = next((v for v in tariff.versions if v.number == number), None) if tariff else None
    if version is None:
        abort(404)
    return version


@staff.get("/")
@permission_required(MANAGE)
def index() -> str:
    """Every tariff with its drafts and published versions."""
    tariffs = db.session.scalars(sa.select(Tariff).options(selectinload(Tariff.versions))
                                 .order_by(Tariff.code)).all()
    return render_template("fees/staff_index.html", tariffs=tariffs, items=services.fee_items())


@staff.route("/tariffs/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_tariff() -> Any:
    """Create a tariff, then draft its first version."""
    form = TariffForm()
    if form.validate_on_submit():
        try:
            tariff = services.create_tariff(
                form.code.data or "", form.name_zh.data or "", form.name_en.data,
                CustomerClass(form.customer_class.data), VoltageLevel(form.voltage_level.data))
        except services.FeeError as error:
            db.session.rollback()
            _attach_errors(form, error)
            return render_template("fees/staff_tariff_form.html", form=form), 400
        db.session.commit()
        flash(_("Tariff %(code)s created. Now draft its first version.", code=tariff.code),
              "success")
        return redirect(url_for("fees_staff.new_version", code=tariff.code))
    return render_template("fees/staff_tariff_form.html", form=form), \
        400 if form.errors else 200


def _prefill(form: VersionForm, version: TariffVersion) -> None:
    structure = services.structure_of(version)
    form.basis_number.data, form.basis_title.data = version.basis_number, version.basis_title
    form.basis_url.data, form.note_zh.data, form.note_en.data = (version.basis_url,
                                                                 version.note_zh, version.note_en)
    form.tier_limits.data = ", ".join(f"{t.normalize():f}" for t in structure.tiers if t)
    form.billing_basis.data = structure.billing_basis.value if structure.billing_basis else ""
    for period in TIME_OF_USE_PERIODS:
        form[f"{period.value}_hours"].data = ", ".join(
            span.label for span in structure.hours if span.period is period)
    for (tier, period), price in structure.prices.items():
        if tier <= MAX_TIERS:
            form[price_field_name(tier, period)].data = price
    form.basic_charge_basis.data = (structure.basic_charge_basis.value
                                    if structure.basic_charge_basis else "")
    form.basic_charge_rate.data = structure.basic_charge_rate
    for entry, charge in zip(form.monthly_charges, structure.monthly_charges, strict=False):
        entry.form.label_zh.data, entry.form.label_en.data = charge.label_zh, charge.label_en
        entry.form.amount.data = charge.amount


def _draft_from(form: VersionForm) -> services.VersionDraft:
    limits: list[Decimal | None] = [*parse_limits(form.tier_limits.data), None]
    hours = []
    for period in TIME_OF_USE_PERIODS:
        for text in (form[f"{period.value}_hours"].data or "").replace("，", ",").split(","):
            if text.strip():
                hours.append(parse_span(period, text.strip()))
    prices = {}
    for tier in range(1, MAX_TIERS + 1):
        for period in (Period.ALL, *TIME_OF_USE_PERIODS):
            value = form[price_field_name(tier, period)].data
            if value is not None:
                prices[(tier, period)] = value
    monthly = tuple(MonthlyCharge(e.form.label_zh.data or "", e.form.label_en.data,
                                  e.form.amount.data)
                    for e in form.monthly_charges
                    if e.form.amount.data is not None or (e.form.label_zh.data or "").strip())
    structure = PriceStructure(
        tiers=tuple(limits),
        billing_basis=BillingBasis(form.billing_basis.data) if form.billing_basis.data else None,
        hours=tuple(hours), prices=prices,
        basic_charge_basis=(BasicChargeBasis(form.basic_charge_basis.data)
                            if form.basic_charge_basis.data else None),
        basic_charge_rate=form.basic_charge_rate.data, monthly_charges=monthly)
    return services.VersionDraft(
        form.effective_from.data or date.today(), form.effective_to.data,
        services.LegalBasis(form.basis_number.data or "", form.basis_title.data or "",
                            form.basis_url.data), structure, form.note_zh.data, form.note_en.data)


FIELD_FOR_ERROR = {"tiers": "tier_limits", "billing_basis": "billing_basis",
                   "amount": "amount", "abolished_on": "abolished_on", "basis": "basis_number",
                   "hours": "peak_hours", "basic_charge": "basic_charge_rate",
                   "effective_to": "effective_to", "effective_from": "effective_from",
                   "basis_number": "basis_number", "basis_title": "basis_title",
                   "basis_url": "basis_url", "code": "code", "name_zh": "name_zh"}


MONTHLY_ERROR = re.compile(r"^monthly_charges\[(\d+)\]\.(\w+)$")


def _field_for(form: Any, name: str) -> Any:
    """The form field a rule's field name (``prices[2][peak]``, ``monthly_charges[0].amount``)
    concerns, or None to show the message above the form."""
    root = name.split("[")[0].split(".")[0]
    if root == "prices" and "][" in name:
        tier, period = name[len("prices["):-1].split("][")
        try:
            return form[price_field_name(int(tier), Period(period))]
        except KeyError:  # a tier beyond the form's price grid: shown above the form
            return None
    monthly = MONTHLY_ERROR.match(name)
    if monthly and "monthly_charges" in form and int(monthly[1]) < len(form.monthly_charges):
        return form.monthly_charges[int(monthly[1])].form[monthly[2]]
    field_name = FIELD_FOR_ERROR.get(root)
    return form[field_name] if field_name and field_name in form else None


def _attach_errors(form: Any, error: services.FeeError) -> None:
    """Show each broken rule beside the field it concerns (or above the form)."""
    form.form_errors = list(form.form_errors)
    for problem in error.errors:
        field = _field_for(form, problem.field)
        if field is not None:
            field.errors = [*field.errors, str(problem.message)]
        else:
            form.form_errors.append(str(problem.message))


def _save_version(form: VersionForm, tariff: Tariff, version: TariffVersion | None) -> Any:
    try:
        draft = _draft_from(form)
    except ValueError:
        form.peak_hours.errors = [*form.peak_hours.errors, _(
            "Write hours as HH:MM-HH:MM separated by commas, e.g. 08:00-11:00, 18:00-23:00.")]
        return None
    try:
        if version is None:
            version = services.create_draft(tariff, draft, current_user)
        else:
            services.update_draft(version, draft)
    except services.FeeError as error:
        db.session.rollback()
        _attach_errors(form, error)
        return None
    db.session.commit()
    flash(_("Draft saved. Check the preview, then publish it."), "success")
    return redirect(url_for("fees_staff.preview_version", code=tariff.code, number=version.number))


@staff.route("/tariffs/<code>/versions/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_version(code: str) -> Any:
    """Draft a new version, starting from the latest one."""
    tariff = services.get_tariff(code)
    if tariff is None:
        abort(404)
    form = VersionForm()
    if not form.is_submitted() and tariff.versions:
        _prefill(form, tariff.versions[-1])
    if form.validate_on_submit():
        response = _save_version(form, tariff, None)
        if response is not None:
            return response
    return render_template("fees/staff_version_form.html", form=form, tariff=tariff,
                           version=None), 400 if form.is_submitted() else 200


@staff.route("/tariffs/<code>/versions/<int:number>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_version(code: str, number: int) -> Any:
    """Change a draft (published versions cannot be changed)."""
    version = _version_or_404(code, number)
    if version.is_published:
        flash(_("A published version cannot be changed; draft a new version instead."), "error")
        return redirect(url_for("fees_staff.preview_version", code=code, number=number))
    form = VersionForm()
    if not form.is_submitted():
        _prefill(form, version)
        form.effective_from.data, form.effective_to.data = (version.effective_from,
                                                            version.effective_to)
    if form.validate_on_submit():
        response = _save_version(form, version.tariff, version)
        if response is not None:
            return response
    return render_template("fees/staff_version_form.html", form=form, tariff=version.tariff,
                           version=version), 400 if form.is_submitted() else 200


def _preview_page(version: TariffVersion) -> str:
    structure = services.structure_of(version)
    allow_plotly()
    return render_template("fees/tariff.html", tariff=version.tariff, version=version,
                           structure=structure, chart=price_chart(structure), day=None,
                           versions=services.published_versions(version.tariff), preview=True,
                           calculator_on=version.effective_from.isoformat())


def _preview_renders(version: TariffVersion) -> bool:
    """Whether the preview (the public page to be) renders; a failure is logged."""
    try:
        _preview_page(version)
    except Exception:  # whatever breaks the preview would break the public page
        current_app.logger.exception("preview of %s version %s fails", version.tariff.code,
                                     version.number)
        db.session.rollback()
        return False
    return True


@staff.get("/tariffs/<code>/versions/<int:number>")
@permission_required(MANAGE)
def preview_version(code: str, number: int) -> str:
    """A version as the public will see it, with publish and delete buttons for drafts."""
    return _preview_page(_version_or_404(code, number))


@staff.post("/tariffs/<code>/versions/<int:number>/publish")
@permission_required(MANAGE)
def publish(code: str, number: int) -> Response:
    """Publish a draft whose preview renders; it becomes public and immutable."""
    version = _version_or_404(code, number)
    if not version.is_published and not _preview_renders(version):
        flash(str(services.UNPRESENTABLE), "error")
        return redirect(url_for("fees_staff.edit_version", code=code, number=number))
    try:
        services.publish_version(version, current_user, utcnow())
    except services.FeeError as error:
        db.session.rollback()
        flash(" ".join(str(problem.message) for problem in error.errors), "error")
        return redirect(url_for("fees_staff.preview_version", code=code, number=number))
    db.session.commit()
    flash(_("Version %(number)s is published.", number=number), "success")
    return redirect(url_for("fees.show_version", code=code, number=number))


@staff.post("/tariffs/<code>/versions/<int:number>/delete")
@permission_required(MANAGE)
def delete(code: str, number: int) -> Response:
    """Throw a draft away."""
    version = _version_or_404(code, number)
    try:
        services.delete_draft(version)
    except services.FeeError as error:
        db.session.rollback()
        flash(" ".join(str(problem.message) for problem in error.errors), "error")
        return redirect(url_for("fees_staff.preview_version", code=code, number=number))
    db.session.commit()
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("fees_staff.index"))


def _fee_item_data(form: FeeItemForm) -> services.FeeItemData:
    abolished = form.abolished_on.data
    return services.FeeItemData(
        code=form.code.data or "", name_zh=form.name_zh.data or "", name_en=form.name_en.data,
        amount=form.amount.data, unit_zh=form.unit_zh.data, unit_en=form.unit_en.data,
        conditions_zh=form.conditions_zh.data, conditions_en=form.conditions_en.data,
        basis=services.LegalBasis(form.basis_number.data or "", form.basis_title.data or "",
                                  form.basis_url.data),
        status=FeeStatus.ABOLISHED if abolished else FeeStatus.ACTIVE,
        effective_from=form.effective_from.data, abolished_on=abolished,
        refund_rule_zh=form.refund_rule_zh.data, refund_rule_en=form.refund_rule_en.data)


@staff.route("/items/new", methods=["GET", "POST"], defaults={"code": None})
@staff.route("/items/<code>", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_fee_item(code: str | None) -> Any:
    """Create or change a service charge (abolishing it is setting its abolition date)."""
    item = None
    if code is not None:
        item = db.session.scalar(sa.select(FeeItem).where(FeeItem.code == code.upper()))
        if item is None:
            abort(404)
    form = FeeItemForm(obj=item)
    if item is not None:
        form.code.render_kw = {**(form.code.render_kw or {}), "readonly": True}
        if form.is_submitted():
            form.code.data = item.code  # the code never changes
    if form.validate_on_submit():
        is_new = item is None
        if is_new and db.session.scalar(sa.select(FeeItem.id).where(
                FeeItem.code == (form.code.data or "").strip().upper())):
            form.code.errors = [*form.code.errors, _("A charge with this code already exists.")]
        else:
            try:
                saved = services.save_fee_item(_fee_item_data(form), utcnow())
            except services.FeeError as error:
                db.session.rollback()
                _attach_errors(form, error)
            else:
                db.session.commit()
                flash(_("The charge %(code)s is saved and public.", code=saved.code), "success")
                return redirect(url_for("fees_staff.index"))
    return render_template("fees/staff_fee_item_form.html", form=form, item=item), \
        400 if form.is_submitted() else 200


@staff.get("/export.json")
@permission_required(MANAGE)
def export() -> Response:
    """Everything, drafts included, in the import format."""
    tariffs = db.session.scalars(sa.select(Tariff).order_by(Tariff.code)).all()
    data = export_data(list(tariffs), services.fee_items(), include_drafts=True)
    body = json.dumps(data, ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=fee-standards-{utcnow():%Y%m%d}.json"})
