"""Staff forms of the commitments: a version (with its targets) and an import of figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from portal.commitments.enums import Measure, Unit
from portal.commitments.models import CommitmentVersion
from portal.commitments.services import Problem, Target, VersionDraft
from portal.complaints.enums import AreaType
from portal.core.forms import DateWithin, PortalForm

REQUIRED = _l("This field is required.")
NUMBER = _l("Enter a number.")


def _target(label: Any) -> DecimalField:
    return DecimalField(label, places=2, validators=[
        Optional(), NumberRange(min=Decimal("0.01"), max=Decimal(100000),
                                message=_l("Enter a number above 0."))],
        render_kw={"inputmode": "decimal"})


class VersionForm(PortalForm):
    """A draft version of a commitment."""

    title_zh = StringField(_l("Title in Chinese"), validators=[DataRequired(REQUIRED),
                                                               Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[DataRequired(REQUIRED),
                                                               Length(max=200)])
    explanation_zh = TextAreaField(_l("What is promised, in Chinese"),
                                   validators=[DataRequired(REQUIRED), Length(max=4000)])
    explanation_en = TextAreaField(_l("What is promised, in English"),
                                   validators=[DataRequired(REQUIRED), Length(max=4000)])
    measure = SelectField(_l("Measure"), choices=[])
    unit = SelectField(_l("Unit"), choices=[])
    compliance = DecimalField(
        _l("Share of cases that must be within the target (percent; empty for a share "
           "commitment)"), places=2, validators=[Optional()], render_kw={"inputmode": "decimal"})
    target_all = _target(_l("Target for every district"))
    target_urban = _target(_l("Target in urban districts (optional)"))
    target_rural = _target(_l("Target in rural districts (optional)"))
    target_remote = _target(_l("Target in remote districts (optional)"))
    effective_from = DateField(_l("In force from"), validators=[DataRequired(REQUIRED),
                                                                DateWithin()])
    effective_to = DateField(_l("In force until (optional)"), validators=[Optional(),
                                                                          DateWithin()])
    basis_number = StringField(_l("Policy basis: document number"), validators=[
        DataRequired(REQUIRED), Length(max=120)])
    basis_title = StringField(_l("Policy basis: title"), validators=[DataRequired(REQUIRED),
                                                                     Length(max=300)])
    basis_url = StringField(_l("Policy basis: link (optional)"), validators=[
        Optional(), Length(max=500), URL(message=_l("Enter a full link starting with https://."))])
    submit = SubmitField(_l("Save the draft"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measure.choices = Measure.choices()
        self.unit.choices = Unit.choices()

    def to_draft(self) -> VersionDraft:
        """The values entered, for the service to check."""
        targets = [Target(area, value) for area, value in (
            (None, self.target_all.data), (AreaType.URBAN, self.target_urban.data),
            (AreaType.RURAL, self.target_rural.data), (AreaType.REMOTE, self.target_remote.data))
            if value is not None]
        return VersionDraft(
            self.title_zh.data or "", self.title_en.data or "", self.explanation_zh.data or "",
            self.explanation_en.data or "", Measure(self.measure.data), Unit(self.unit.data),
            self.compliance.data, targets, self.effective_from.data, self.effective_to.data,
            self.basis_number.data or "", self.basis_title.data or "", self.basis_url.data)

    def fill_from(self, version: CommitmentVersion) -> None:
        """Start from a version's values (a new version of a commitment starts from its last)."""
        for name in ("title_zh", "title_en", "explanation_zh", "explanation_en", "compliance",
                     "effective_to", "basis_number", "basis_title", "basis_url"):
            getattr(self, name).data = getattr(version, name)
        self.effective_from.data = version.effective_from
        self.measure.data, self.unit.data = version.measure.value, version.unit.value
        fields = {None: self.target_all, AreaType.URBAN: self.target_urban,
                  AreaType.RURAL: self.target_rural, AreaType.REMOTE: self.target_remote}
        for target in version.targets:
            fields[target.area_type].data = target.value

    def report(self, problems: list[Problem]) -> None:
        """Show the service's refusals under their fields."""
        names = {"targets": "target_all"}
        for problem in problems:
            field = getattr(self, names.get(problem.field, problem.field), None)
            if field is None:
                field = self.title_zh
            field.errors = [*field.errors, problem.message]


class NewCommitmentForm(VersionForm):
    """A new commitment: its code and its first version."""

    code = StringField(_l("Code"), validators=[
        DataRequired(REQUIRED), Length(min=2, max=40)],
        description=_l("Capital letters, digits and hyphens, for example REPAIR-ARRIVAL."))


class ImportForm(PortalForm):
    """A file of monthly figures."""

    file = FileField(_l("File (CSV or Excel .xlsx)"), validators=[FileRequired(REQUIRED)])
    submit = SubmitField(_l("Import"))
