"""Staff pages of the commitments: versions (draft, publish) and the import of figures.

Nothing here commits: the request does, once, when the view answers below 400 without a
refusal (``portal.core.transactions``).
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.roles import Permission, permission_required
from portal.commitments import importer, services
from portal.commitments.blueprint import staff
from portal.commitments.enums import Source
from portal.commitments.forms import ImportForm, NewCommitmentForm, VersionForm
from portal.commitments.models import Commitment, CommitmentVersion
from portal.commitments.report import districts
from portal.core import confirmation, transactions
from portal.core.clock import local_today
from portal.core.confirmation import Answer, Question
from portal.core.errors import report
from portal.core.formatting import date_filter
from portal.core.models import utcnow
from portal.core.text import localized_field

MANAGE = Permission.MANAGE_COMMITMENTS
CODE = re.compile(services.CODE_PATTERN)


def _commitment_or_404(code: str) -> Commitment:
    commitment = services.get_commitment(code)
    if commitment is None:
        abort(404)
    return commitment


def _version_or_404(code: str, number: int) -> CommitmentVersion:
    commitment = _commitment_or_404(code)
    version = next((v for v in commitment.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


@staff.get("/")
@permission_required(MANAGE)
def index() -> str:
    """Every commitment with its versions, and the latest imports."""
    return render_template("commitments/staff_index.html",
                           commitments=services.all_commitments(),
                           imports=list(importer.recent_imports()))


def _refused(form: Any, error: services.CommitmentError) -> None:
    transactions.refused()
    form.report(error.problems)


@staff.route("/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_commitment() -> Any:
    """A new commitment (its figures imported) and its first draft version."""
    form = NewCommitmentForm()
    if form.validate_on_submit():
        code = (form.code.data or "").strip()
        if not CODE.fullmatch(code):
            form.code.errors = [_("Use capital letters, digits and hyphens, for example "
                                  "REPAIR-ARRIVAL.")]
        else:
            try:
                commitment = services.create_commitment(code, Source.IMPORTED,
                                                        services.next_position())
                version = services.create_draft(commitment, form.to_draft(), current_user)
            except services.CommitmentError as error:
                _refused(form, error)
            else:
                flash(_("Draft saved. Check it, then publish it."), "success")
                return redirect(url_for("commitments_staff.edit_version", code=code,
                                        number=version.number))
    return render_template("commitments/staff_version_form.html", form=form, version=None,
                           commitment=None), 400 if form.is_submitted() else 200


@staff.route("/<code>/versions/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_version(code: str) -> Any:
    """A new draft version, starting from the latest one."""
    commitment = _commitment_or_404(code)
    form = VersionForm()
    if not form.is_submitted() and commitment.versions:
        form.fill_from(commitment.versions[-1])
        form.effective_from.data = local_today()
        form.effective_to.data = None
    if form.validate_on_submit():
        try:
            version = services.create_draft(commitment, form.to_draft(), current_user)
        except services.CommitmentError as error:
            _refused(form, error)
        else:
            flash(_("Draft saved. Check it, then publish it."), "success")
            return redirect(url_for("commitments_staff.edit_version", code=code,
                                    number=version.number))
    return render_template("commitments/staff_version_form.html", form=form, version=None,
                           commitment=commitment), 400 if form.is_submitted() else 200


@staff.route("/<code>/versions/<int:number>", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_version(code: str, number: int) -> Any:
    """Change a draft; a published version is shown, not changed."""
    version = _version_or_404(code, number)
    form = VersionForm()
    if not form.is_submitted():
        form.fill_from(version)
    if not version.is_published and form.validate_on_submit():
        try:
            services.update_draft(version, form.to_draft())
        except services.CommitmentError as error:
            _refused(form, error)
        else:
            flash(_("Draft saved. Check it, then publish it."), "success")
            return redirect(url_for("commitments_staff.edit_version", code=code, number=number))
    return render_template("commitments/staff_version_form.html", form=form, version=version,
                           commitment=version.commitment), \
        400 if form.is_submitted() and not version.is_published else 200


def _publish_question(version: CommitmentVersion, state: str) -> Question:
    code, number = version.commitment.code, version.number
    return Question(
        title=_("Publish version %(number)s of “%(title)s”?", number=number,
                title=localized_field(version, "title")),
        consequences=[
            _("It is public at once and goes into the public record; it can never be changed "
              "or deleted afterwards."),
            _("The published version in force before it, if open-ended, ends the day before "
              "this one starts.")],
        facts=[(_("Code"), code),
               (_("In force from"), date_filter(version.effective_from, "long"))],
        action=url_for("commitments_staff.publish", code=code, number=number),
        confirm_label=_("Yes, publish it"),
        cancel_url=url_for("commitments_staff.edit_version", code=code, number=number),
        cancel_label=_("Back to the draft"), state=state)


def _already_published(code: str, number: int) -> Response:
    """A step meant for a draft, asked of a published version (another tab published it)."""
    report(services.CommitmentError([services.Problem("status", services.PUBLISHED_IS_FINAL)]))
    return redirect(url_for("commitments_staff.edit_version", code=code, number=number))


@staff.post("/<code>/versions/<int:number>/publish")
@permission_required(MANAGE)
def publish(code: str, number: int) -> Any:
    """Publish a draft after a confirmation; it becomes public and immutable, and goes into
    the public record. A draft changed since the question is asked about again (409)."""
    version = _version_or_404(code, number)
    if version.is_published:
        return _already_published(code, number)
    state = services.fingerprint(version)
    reply = confirmation.answer(state=state)
    if reply is not Answer.GIVEN:
        return confirmation.ask(_publish_question(version, state), reply)
    try:
        services.publish_version(version, current_user, utcnow(), seen=state)
    except services.DraftChangedError:
        return confirmation.ask(_publish_question(version, services.fingerprint(version)),
                                Answer.CHANGED)
    except services.CommitmentError as error:
        report(error)
        return redirect(url_for("commitments_staff.edit_version", code=code, number=number))
    flash(_("Version %(number)s is published.", number=number), "success")
    return redirect(url_for("commitments.show", code=code))


@staff.post("/<code>/versions/<int:number>/delete")
@permission_required(MANAGE)
def delete(code: str, number: int) -> Any:
    """Throw a draft away, after a confirmation."""
    version = _version_or_404(code, number)
    if version.is_published:
        return _already_published(code, number)
    state = services.fingerprint(version)
    reply = confirmation.answer(state=state)
    if reply is not Answer.GIVEN:
        back = url_for("commitments_staff.edit_version", code=code, number=number)
        return confirmation.ask(Question(
            title=_("Delete the draft of version %(number)s of %(code)s?", number=number,
                    code=code),
            consequences=[_("The draft is deleted for good.")],
            action=url_for("commitments_staff.delete", code=code, number=number),
            confirm_label=_("Yes, delete the draft"), cancel_url=back,
            cancel_label=_("Back to the draft"), state=state), reply)
    services.delete_draft(version)
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("commitments_staff.index"))


@staff.route("/import", methods=["GET", "POST"])
@permission_required(MANAGE)
def import_figures() -> Any:
    """Upload a month's (or several months') figures: all or nothing."""
    form = ImportForm()
    problems: list[importer.ImportProblem] = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(importer.MAX_BYTES + 1)
        try:
            record = importer.import_file(data, upload.filename or "", current_user, utcnow(),
                                          local_today())
        except importer.ImportRefused as refused:
            transactions.refused()
            problems = refused.problems
            form.file.errors = [_("Nothing was imported: correct the file and import it again.")]
        else:
            flash(_("%(rows)s monthly figures imported (%(months)s); %(replaced)s replaced.",
                    rows=record.rows, months=record.months,
                    replaced=len(importer.changes_of(record))), "success")
            return redirect(url_for("commitments_staff.index"))
    return render_template("commitments/staff_import.html", form=form, problems=problems,
                           columns=importer.COLUMNS, example=importer.EXAMPLE,
                           districts=districts(),
                           commitments=[c for c in services.all_commitments()
                                        if c.source is Source.IMPORTED]), \
        400 if form.is_submitted() else 200


@staff.get("/template.csv")
@permission_required(MANAGE)
def template() -> Response:
    """The import format: its header and an example row."""
    return Response("\ufeff" + importer.TEMPLATE, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=commitment-figures-template.csv"})
