"""Administrators' forms of the committee: terms with their fees, candidates, members."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.committee.enums import MemberRole
from portal.committee.models import CommitteeMember, Term
from portal.committee.services import ClassFees, MemberData, TermData
from portal.core.forms import DateWithin, PortalForm
from portal.core.text import bracketed, joined
from portal.fees.enums import CustomerClass

REQUIRED = _l("This field is required.")
WHOLE = _l("Enter a whole number.")
DATE = _l("Enter a date as YYYY-MM-DD.")


class ClassFeesForm(Form):
    """One class's fees in the reference year; a class left blank has no seat."""

    customer_class = HiddenField()
    fees = DecimalField(_l("Fees paid (yuan)"), places=2, validators=[
        Optional(), NumberRange(min=Decimal("0.01"), message=_l(
            "Each class's fee total must be greater than zero."))],
        render_kw={"inputmode": "decimal"})
    source = StringField(_l("Source of the figure"), validators=[Optional(), Length(max=300)])
    source_url = StringField(_l("Link to the source (optional)"), validators=[
        Optional(), Length(max=500), URL(message=_l("Enter a full link starting with https://."))])

    def validate(self, extra_validators: Any = None) -> bool:
        """A class with fees needs a source."""
        ok = bool(super().validate(extra_validators))
        if self.fees.data is not None and not (self.source.data or "").strip():
            self.source.errors = [*self.source.errors, REQUIRED]
            ok = False
        return ok

    @property
    def class_title(self) -> str:
        """The class's name, or its raw value if it is no class."""
        try:
            return CustomerClass(self.customer_class.data).title
        except ValueError:
            return str(self.customer_class.data)


class TermForm(PortalForm):
    """A term: dates, seats, minimum per class and each class's fees."""

    # within 2000-2100: a published term never changes, and one to 9999 would overlap all
    starts_on = DateField(_l("First day of the term"), validators=[InputRequired(DATE),
                                                                    DateWithin()])
    ends_on = DateField(_l("Last day of the term"), validators=[InputRequired(DATE),
                                                                 DateWithin()])
    total_seats = IntegerField(_l("Seats"), validators=[
        InputRequired(WHOLE), NumberRange(min=1, max=999, message=_l(
            "Enter a number from 1 to 999."))])
    minimum_seats = IntegerField(_l("Minimum seats per class"), default=1, validators=[
        InputRequired(WHOLE), NumberRange(min=0, max=999, message=_l(
            "Enter a number from 0 to 999."))])
    reference_year = IntegerField(_l("Reference year of the fees"), validators=[
        InputRequired(WHOLE), NumberRange(min=1900, max=9999, message=_l(
            "Enter a year such as 2024."))])
    classes = FieldList(FormField(ClassFeesForm), min_entries=len(CustomerClass),
                        max_entries=len(CustomerClass))
    submit = SubmitField(_l("Save the draft"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            for entry, member in zip(self.classes.entries, CustomerClass, strict=True):
                entry.form.customer_class.data = member.value

    def fill_from(self, term: Term) -> None:
        """Show a saved term."""
        for name in ("starts_on", "ends_on", "total_seats", "minimum_seats", "reference_year"):
            self[name].data = getattr(term, name)
        saved = {row.customer_class.value: row for row in term.fees}
        for entry in self.classes.entries:
            row = saved.get(entry.form.customer_class.data)
            if row is not None:
                entry.form.fees.data = row.fees
                entry.form.source.data = row.source
                entry.form.source_url.data = row.source_url

    def to_data(self) -> TermData:
        """The figures for the services."""
        rows = tuple(ClassFees(str(entry.form.customer_class.data or ""), entry.form.fees.data,
                               entry.form.source.data or "", entry.form.source_url.data or None)
                     for entry in self.classes.entries if entry.form.fees.data is not None)
        return TermData(self.starts_on.data, self.ends_on.data,  # type-checked by validators
                        int(self.total_seats.data or 0), int(self.minimum_seats.data or 0),
                        int(self.reference_year.data or 0), rows)


class ConfirmForm(PortalForm):
    """A button that publishes or deletes (its CSRF token is all it carries)."""


class CandidateForm(PortalForm):
    """A candidate and the votes the returning officer recorded."""

    customer_class = SelectField(_l("Customer class"), choices=[])
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    votes = IntegerField(_l("Votes"), validators=[
        InputRequired(WHOLE), NumberRange(min=0, max=10**9, message=_l(
            "Enter a number of 0 or more."))])
    submit = SubmitField(_l("Record the candidate"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer_class.choices = CustomerClass.choices()


class MemberForm(PortalForm):
    """An elected member, or the replacement of one who left."""

    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    customer_class = SelectField(_l("Customer class"), choices=[])
    role = SelectField(_l("Role"), choices=[])
    # checked by the service (a candidate of this class in this term)
    candidate_id = SelectField(_l("Elected as candidate (optional)"), choices=[],
                               validators=[Optional()], validate_choice=False)
    starts_on = DateField(_l("First day on the committee"), validators=[InputRequired(DATE)])
    ends_on = DateField(_l("Last day (optional: the end of the term)"),
                        validators=[Optional()])
    biography = TextAreaField(_l("Short biography (optional)"), validators=[
        Optional(), Length(max=2000)])
    interests = TextAreaField(_l("Declared interests (optional)"), validators=[
        Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save the member"))

    def __init__(self, term: Term, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer_class.choices = CustomerClass.choices()
        self.role.choices = MemberRole.choices()
        self.candidate_id.choices = [("", "—")] + [
            (str(c.id), c.name + bracketed(joined([c.customer_class.title, str(c.votes)])))
            for c in term.candidates]

    def validate_candidate_id(self, field: Any) -> None:
        """A candidate's id (which candidate of which class: the service checks)."""
        if field.data and not (field.data.isascii() and field.data.isdigit()):
            raise ValidationError(_l("Choose a candidate of this class in this term."))

    def to_data(self) -> MemberData:
        """The member for the services."""
        candidate = self.candidate_id.data
        return MemberData(name=self.name.data or "",
                          customer_class=CustomerClass(self.customer_class.data),
                          role=MemberRole(self.role.data), starts_on=self.starts_on.data,
                          ends_on=self.ends_on.data, biography=self.biography.data,
                          interests=self.interests.data,
                          candidate_id=int(candidate) if candidate else None)


class ResignationForm(PortalForm):
    """The last day of a member who resigned."""

    left_on = DateField(_l("Last day on the committee"), validators=[InputRequired(DATE)])
    submit = SubmitField(_l("Record the resignation"))


class AccountForm(PortalForm):
    """The committee account a member logs in with."""

    # checked by the service: an active committee account
    user_id = SelectField(_l("Account"), choices=[], validators=[Optional()],
                          validate_choice=False)
    submit = SubmitField(_l("Link the account"))

    def __init__(self, member: CommitteeMember, choices: list[tuple[str, str]],
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.choices = [("", _l("No account")), *choices]
        if not self.is_submitted() and member.user_id is not None:
            self.user_id.data = str(member.user_id)
