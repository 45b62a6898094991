"""The complaint form, the tracking form and the forms on a case page."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from portal.complaints.attachments import ACCEPT
from portal.complaints.enums import ComplaintStatus, ComplaintType
from portal.complaints.services import categories, districts
from portal.core.forms import PortalForm
from portal.i18n import current_language

REQUIRED = _l("This field is required.")


class HoneypotField(StringField):
    """A field hidden from people; bots fill it in."""


def _empty(form: Any, field: Any) -> None:
    if field.data:
        raise ValidationError(_l("Leave this field empty."))


class ComplaintForm(PortalForm):
    """Everything a complaint holds; the check step shows it before it is sent."""

    submission_key = HiddenField()
    check_token = HiddenField()
    type = RadioField(_l("What are you sending?"), choices=[], default="complaint",
                      validators=[DataRequired(REQUIRED)])
    category = SelectField(_l("What is it about?"), choices=[], validators=[
        DataRequired(_l("Choose what it is about."))])
    district = SelectField(_l("District"), choices=[], validators=[
        DataRequired(_l("Choose the district."))])
    subject = StringField(_l("Subject"), validators=[
        DataRequired(REQUIRED), Length(max=200, message=_l("At most 200 characters."))])
    description = TextAreaField(_l("What happened?"), validators=[
        DataRequired(REQUIRED), Length(max=4000, message=_l("At most 4,000 characters."))],
        render_kw={"rows": 8, "maxlength": 4000})
    occurred_on = DateField(_l("When did it happen? (optional)"), validators=[Optional()])
    location = StringField(_l("Where did it happen? (optional)"), validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters."))])
    account_number = StringField(_l("Customer account number (户号, optional)"), validators=[
        Optional(), Regexp(r"^\s*\d[\d\s-]{5,29}\s*$", message=_l(
            "An account number has 6 to 30 digits."))], render_kw={"inputmode": "numeric",
                                                                  "autocomplete": "off"})
    contact_name = StringField(_l("Your name (optional)"), validators=[
        Optional(), Length(max=100, message=_l("At most 100 characters."))],
        render_kw={"autocomplete": "name"})
    contact_phone = StringField(_l("Phone (optional)"), validators=[
        Optional(), Regexp(r"^\s*\+?[\d\s-]{7,20}\s*$", message=_l(
            "Enter a phone number of 7 to 20 digits."))],
        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    contact_email = StringField(_l("Email (optional)"), validators=[
        Optional(), Length(max=200), Email(message=_l("Enter an email address like "
                                                      "name@example.com."))],
        render_kw={"inputmode": "email", "autocomplete": "email"})
    attachments = MultipleFileField(_l("Photos or documents (optional)"),
                                    render_kw={"accept": ACCEPT})
    consent_contact = BooleanField(_l("Contact me about this complaint"))
    consent_publish = BooleanField(_l("You may publish an anonymised summary of this case"))
    website = HoneypotField(_l("Leave this field empty"), validators=[_empty],
                            render_kw={"autocomplete": "off", "tabindex": "-1"})
    check = SubmitField(_l("Check before sending"))
    confirm = SubmitField(_l("Send the complaint"))
    edit = SubmitField(_l("Change something"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = current_language()
        self.type.choices = ComplaintType.choices()
        self.category.choices = [("", str(_l("— choose —")))] + [
            (c.code, c.name(language)) for c in categories()]
        self.district.choices = [("", str(_l("— choose —")))] + [
            (d.code, d.name(language)) for d in districts()]

    def validate_consent_contact(self, field: Any) -> None:
        """Asking to be contacted needs a way to do so."""
        if field.data and not ((self.contact_phone.data or "").strip()
                               or (self.contact_email.data or "").strip()):
            raise ValidationError(_l("Give a phone number or an email address to be "
                                     "contacted."))


class TrackForm(PortalForm):
    """Tracking number and secret code."""

    number = StringField(_l("Tracking number"), validators=[DataRequired(REQUIRED),
                                                            Length(max=30)],
                         render_kw={"autocapitalize": "characters", "autocomplete": "off",
                                    "placeholder": "TS-2026-000123", "spellcheck": "false"})
    code = StringField(_l("Secret code"), validators=[DataRequired(REQUIRED), Length(max=40)],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off",
                                  "spellcheck": "false"})
    submit = SubmitField(_l("Show my case"))


class InformationForm(PortalForm):
    """The complainant adds information."""

    text = TextAreaField(_l("Add information"), validators=[
        Optional(), Length(max=4000, message=_l("At most 4,000 characters."))],
        render_kw={"rows": 4})
    attachments = MultipleFileField(_l("Photos or documents (optional)"),
                                    render_kw={"accept": ACCEPT})
    submit = SubmitField(_l("Add"))


class RatingForm(PortalForm):
    """The complainant rates the answer."""

    rating = RadioField(_l("How satisfied are you with the answer?"), choices=[
        ("5", _l("5 - very satisfied")), ("4", _l("4 - satisfied")), ("3", _l("3 - neutral")),
        ("2", _l("2 - dissatisfied")), ("1", _l("1 - very dissatisfied"))],
        validators=[DataRequired(_l("Choose a rating."))])
    resolved = RadioField(_l("Is your problem resolved?"), choices=[
        ("yes", _l("Yes, resolved")), ("no", _l("No, not resolved"))],
        validators=[DataRequired(_l("Say whether the problem is resolved."))])
    submit = SubmitField(_l("Send my rating"))


class ReasonForm(PortalForm):
    """A step that needs a reason (escalation, withdrawal, reopening)."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)],
                           render_kw={"rows": 3})
    submit = SubmitField(_l("Confirm"))


class StatusForm(PortalForm):
    """Staff move a case on."""

    status = SelectField(_l("New status"), choices=[], validators=[
        DataRequired(_l("Choose the new status."))])
    reason = TextAreaField(_l("Reason (shown to the complainant)"), validators=[
        Optional(), Length(max=2000)], render_kw={"rows": 3})
    submit = SubmitField(_l("Change status"))

    def set_choices(self, statuses: list[ComplaintStatus]) -> None:
        """Only the statuses the workflow allows from here."""
        self.status.choices = [(s.value, s.title) for s in statuses]


class TextForm(PortalForm):
    """A reply, an internal note or a summary."""

    text = TextAreaField(_l("Text"), validators=[DataRequired(REQUIRED), Length(max=4000)],
                         render_kw={"rows": 5})
    submit = SubmitField(_l("Save"))
