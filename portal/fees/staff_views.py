"""Staff pages of the fee standards: draft, preview, publish, export.

Nothing here commits: the request does, once, when the view answers below 400 without a
refusal (``portal.core.transactions``).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts.roles import Permission, permission_required
from portal.core.errors import report
from portal.core.models import utcnow
from portal.core.paging import page_of
from portal.core.vendor import allow_plotly
from portal.extensions import db
from portal.fees import services
from portal.fees.blueprint import staff
from portal.fees.chart import price_chart
from portal.fees.exchange import export_data
from portal.fees.forms import FeeItemForm, TariffEditForm, TariffForm, VersionForm
from portal.fees.models import FeeItem, Tariff, TariffVersion
from portal.fees.paging import PAGE_SIZE
from portal.fees.structure import StructureError

MANAGE = Permission.MANAGE_FEES


def _version_or_404(code: str, number: int) -> TariffVersion:
    tariff = services.get_tariff(code)
    version = next((v for v in tariff.versions if v.number == number), None) if tariff else None
    if version is None:
        abort(404)
    return version


def _tariff_or_404(code: str) -> Tariff:
    tariff = services.get_tariff(code)
    if tariff is None:
        abort(404)
    return tariff


def _fee_item_or_404(code: str) -> FeeItem:
    item = services.get_fee_item(code)
    if item is None:
        abort(404)
    return item


@staff.get("/")
@permission_required(MANAGE)
def index() -> str:
    """Every tariff with its drafts and published versions, a page at a time."""
    query = sa.select(Tariff).options(selectinload(Tariff.versions),
                                      selectinload(Tariff.districts)).order_by(Tariff.code)
    pagination = page_of(query, PAGE_SIZE)
    return render_template("fees/staff_index.html", pagination=pagination)


@staff.get("/items/")
@permission_required(MANAGE)
def list_fee_items() -> str:
    """Every service charge, in force or abolished, a page at a time."""
    pagination = page_of(services.fee_items_query(), PAGE_SIZE)
    return render_template("fees/staff_fee_items.html", pagination=pagination)


@staff.route("/tariffs/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_tariff() -> Any:
    """Create a tariff, then draft its first version."""
    form = TariffForm()
    if form.validate_on_submit():
        try:
            tariff = services.create_tariff(**form.to_arguments())
            services.limit_tariff(tariff, form.districts.data or [])
        except services.FeeError as error:
            form.report(error)
        else:
            flash(_("Tariff %(code)s created. Now draft its first version.", code=tariff.code),
                  "success")
            return redirect(url_for("fees_staff.new_version", code=tariff.code))
    return render_template("fees/staff_tariff_form.html", form=form), \
        400 if form.is_submitted() else 200


@staff.route("/tariffs/<code>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_tariff(code: str) -> Any:
    """Change a tariff's names and the districts it applies in (none: every district)."""
    tariff = _tariff_or_404(code)
    form = TariffEditForm()
    if not form.is_submitted():
        form.fill_from(tariff)
    if form.validate_on_submit():
        try:
            services.rename_tariff(tariff, form.name_zh.data or "", form.name_en.data)
            services.limit_tariff(tariff, form.districts.data or [])
        except services.FeeError as error:
            form.report(error)
        else:
            flash(_("Tariff %(code)s saved.", code=tariff.code), "success")
            return redirect(url_for("fees_staff.index"))
    return render_template("fees/staff_tariff_form.html", form=form, tariff=tariff), \
        400 if form.is_submitted() else 200


def _save_version(form: VersionForm, tariff: Tariff, version: TariffVersion | None) -> Any:
    """The draft saved and a redirect to its preview, or None with the form's errors set."""
    try:
        if version is None:
            version = services.create_draft(tariff, form.to_draft(), current_user)
        else:
            services.update_draft(version, form.to_draft())
    except services.FeeError as error:
        form.report(error)
        return None
    flash(_("Draft saved. Check the preview, then publish it."), "success")
    return redirect(url_for("fees_staff.preview_version", code=tariff.code, number=version.number))


def _version_form(form: VersionForm, tariff: Tariff, version: TariffVersion | None) -> Any:
    if form.validate_on_submit():
        response = _save_version(form, tariff, version)
        if response is not None:
            return response
    return render_template("fees/staff_version_form.html", form=form, tariff=tariff,
                           version=version), 400 if form.is_submitted() else 200


@staff.route("/tariffs/<code>/versions/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_version(code: str) -> Any:
    """Draft a new version, starting from the latest one."""
    tariff = _tariff_or_404(code)
    form = VersionForm()
    if not form.is_submitted() and tariff.versions:
        form.fill_from(tariff.versions[-1])
    return _version_form(form, tariff, None)


@staff.route("/tariffs/<code>/versions/<int:number>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_version(code: str, number: int) -> Any:
    """Change a draft (published versions cannot be changed)."""
    version = _version_or_404(code, number)
    if version.is_published:
        flash(str(services.PUBLISHED_IS_FINAL), "error")
        return redirect(url_for("fees_staff.preview_version", code=code, number=number))
    form = VersionForm()
    if not form.is_submitted():
        form.fill_from(version, with_dates=True)
    return _version_form(form, version.tariff, version)


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
        report(services.FeeError([StructureError("prices", services.UNPRESENTABLE)]))
        return redirect(url_for("fees_staff.edit_version", code=code, number=number))
    try:
        services.publish_version(version, current_user, utcnow())
    except services.FeeError as error:
        report(error)
        return redirect(url_for("fees_staff.preview_version", code=code, number=number))
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
        report(error)
        return redirect(url_for("fees_staff.preview_version", code=code, number=number))
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("fees_staff.index"))


def _fee_item_form(form: FeeItemForm, item: FeeItem | None) -> Any:
    if form.validate_on_submit():
        data, now = form.to_data(), utcnow()
        try:
            saved = (services.create_fee_item(data, now, current_user) if item is None
                     else services.save_fee_item(data, now, current_user))
        except services.FeeError as error:
            form.report(error)
        else:
            flash(_("The charge %(code)s is saved and public.", code=saved.code), "success")
            return redirect(url_for("fees_staff.list_fee_items"))
    return render_template("fees/staff_fee_item_form.html", form=form, item=item), \
        400 if form.is_submitted() else 200


@staff.route("/items/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_fee_item() -> Any:
    """Create a service charge."""
    return _fee_item_form(FeeItemForm(), None)


@staff.route("/items/<code>", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_fee_item(code: str) -> Any:
    """Change a service charge (abolishing it is setting its abolition date)."""
    item = _fee_item_or_404(code)
    form = FeeItemForm(obj=item)
    form.keep_code(item)
    return _fee_item_form(form, item)


@staff.get("/export.json")
@permission_required(MANAGE)
def export() -> Response:
    """Everything, drafts included, in the import format."""
    tariffs = db.session.scalars(sa.select(Tariff).order_by(Tariff.code)
                                 .options(selectinload(Tariff.districts))).all()
    data = export_data(list(tariffs), services.fee_items(), include_drafts=True)
    body = json.dumps(data, ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=fee-standards-{utcnow():%Y%m%d}.json"})
