"""The complaint form, the tracking form and the forms on a case page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask_babel import format_decimal, get_locale
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

from portal.accounts.models import User
from portal.complaints import codes
from portal.complaints.attachments import ACCEPT
from portal.complaints.enums import ComplaintStatus, ComplaintType, FindingOutcome
from portal.complaints.models import Complaint
from portal.complaints.queries import (
    WEB_CHANNEL,
    CaseFilters,
    CommitteeFilters,
    CommitteeStatus,
    Facets,
    Month,
)
from portal.complaints.services import MAX_REASONS, MIN_REASONS, Filing, categories, districts
from portal.core.forms import DateWithin, PortalForm
from portal.core.text import bracketed
from portal.extensions import db
from portal.i18n import current_language
from portal.open311.models import ApiKey

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
    occurred_on = DateField(_l("When did it happen? (optional)"),
                            validators=[Optional(), DateWithin()])
    location = StringField(_l("Where did it happen? (optional)"), validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters."))])
    account_number = StringField(_l("Customer account number (optional)"), validators=[
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

    # Other pages (check my bill) may start a complaint with some fields filled in, and the
    # day it happened (occurred_on).
    PREFILLED = ("category", "subject", "description")

    def fill_from(self, args: Mapping[str, str]) -> None:
        """What the link that led to a new form filled in."""
        for name in self.PREFILLED:
            if args.get(name) and not self[name].data:
                self[name].data = args[name][:4000]
        # The day it happened, e.g. the date of the bill; a date that is no date is left out.
        try:
            occurred = date.fromisoformat(args.get("occurred_on") or "")
        except ValueError:
            return
        if occurred.year >= 2000 and not self.occurred_on.data:
            self.occurred_on.data = occurred

    def keep_key(self) -> bool:
        """Give a sent form without a usable submission key a new one; True if it got one."""
        if self.submission_key.data and len(self.submission_key.data) <= 64:
            return False
        self.submission_key.data = codes.new_submission_key()
        return True

    def to_filing(self) -> Filing:
        """What the person sends, for ``services.submit_complaint``."""
        return Filing(
            type=ComplaintType(self.type.data), category_code=self.category.data or "",
            district_code=self.district.data or "", subject=self.subject.data or "",
            description=self.description.data or "", occurred_on=self.occurred_on.data,
            location=self.location.data, account_number=self.account_number.data,
            contact_name=self.contact_name.data, contact_phone=self.contact_phone.data,
            contact_email=self.contact_email.data,
            consent_contact=bool(self.consent_contact.data),
            consent_publish=bool(self.consent_publish.data), language=str(get_locale()))

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

    def to_rating(self) -> tuple[int, bool]:
        """The rating (1 to 5) and whether the problem is resolved."""
        return int(self.rating.data), self.resolved.data == "yes"


class ReasonForm(PortalForm):
    """A step that needs a reason (escalation, withdrawal, reopening)."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)],
                           render_kw={"rows": 3})
    submit = SubmitField(_l("Confirm"))


class CloseCaseForm(PortalForm):
    """Close the case on this device: only the CSRF token."""


class StatusForm(PortalForm):
    """Staff move a case on."""

    status = SelectField(_l("New status"), choices=[], validators=[
        DataRequired(_l("Choose the new status."))])
    reason = TextAreaField(_l("Reason (shown to the complainant)"), validators=[
        Optional(), Length(max=2000)], render_kw={"rows": 3})
    submit = SubmitField(_l("Change status"))

    def set_choices(self, statuses: list[ComplaintStatus]) -> None:
        """Only the statuses the workflow allows from here, after an empty first choice: the
        browser would otherwise preselect the first status, and nobody should change a case's
        status without choosing one."""
        self.status.choices = [("", str(_l("— choose —")))] + [(s.value, s.title)
                                                                for s in statuses]

    def to_status(self) -> ComplaintStatus:
        """The chosen status."""
        return ComplaintStatus(self.status.data)


class TextForm(PortalForm):
    """A reply, an internal note or a summary."""

    text = TextAreaField(_l("Text"), validators=[DataRequired(REQUIRED), Length(max=4000)],
                         render_kw={"rows": 5})
    submit = SubmitField(_l("Save"))


class SummaryForm(TextForm):
    """The public summary staff approve."""

    def fill_from(self, complaint: Complaint, suggested: str) -> None:
        """The approved summary, or else a first draft, unless this form was just sent."""
        if not self.text.raw_data:
            self.text.data = complaint.public_summary or suggested


class AssignForm(PortalForm):
    """Give the case to a staff member, or to nobody."""

    assignee = SelectField(_l("Handled by"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Assign"))

    def fill_from(self, complaint: Complaint, members: list[User]) -> None:
        """Choices: nobody and every active staff member; the current assignee chosen."""
        self.members = {str(member.id): member for member in members}
        self.assignee.choices = [("", str(_l("Nobody")))] + [
            (key, f"{member.display_name} ({member.username})")
            for key, member in self.members.items()]
        if not self.is_submitted():  # a form sent without the field is refused, not filled in
            self.assignee.data = str(complaint.assigned_to_id or "")

    def to_assignee(self) -> User | None:
        """The chosen staff member (None: nobody)."""
        return self.members.get(self.assignee.data or "")


def _choice(value: str | None, allowed: set[str]) -> str | None:
    return value if value in allowed else None


class FilterForm(PortalForm):
    """Filters of a case list, read from the query string (GET: no CSRF token).

    Unknown values are ignored rather than refused: a list is shown whatever the address says.
    """

    class Meta:
        csrf = False

    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    district = SelectField(_l("District"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = current_language()
        everything = [("", str(_l("All")))]
        self.category.choices = everything + [(c.code, c.name(language)) for c in categories()]
        self.district.choices = everything + [(d.code, d.name(language)) for d in districts()]

    def to_filters(self) -> CaseFilters:
        """The filters that the query string names correctly."""
        codes_of = {"category": {c.code for c in categories()},
                    "district": {d.code for d in districts()}}
        return CaseFilters(category=_choice(self.category.data, codes_of["category"]),
                           district=_choice(self.district.data, codes_of["district"]))


def _counted(label: str, count: int) -> str:
    return f"{label}{bracketed(format_decimal(count))}"


class PublicFilterForm(PortalForm):
    """Search and filters of the public cases, read from the query string (GET: no CSRF).

    Unlike the staff inbox, the public list refuses values it does not know (400, with a
    message under the filter), as the fee standards' lists do: a reader who follows a link
    with a mistyped filter must not take an unfiltered list for the answer.
    """

    class Meta:
        csrf = False

    q = StringField(_l("Search the summaries"), validators=[Optional()],
                    render_kw={"maxlength": 100})
    month = SelectField(_l("Month"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    district = SelectField(_l("District"), choices=[], validate_choice=False)

    def validate_month(self, field: Any) -> None:
        """A month written as YYYY-MM."""
        if field.data and Month.parse(field.data) is None:
            raise ValidationError(_l("Choose a month from the list (written as YYYY-MM, for "
                                     "example 2026-03)."))

    def validate_status(self, field: Any) -> None:
        """One of the statuses."""
        if field.data and field.data not in {s.value for s in ComplaintStatus}:
            raise ValidationError(_l("Choose a status from the list."))

    def validate_category(self, field: Any) -> None:
        """One of the categories."""
        if field.data and field.data not in {c.code for c in categories()}:
            raise ValidationError(_l("Choose a category from the list."))

    def validate_district(self, field: Any) -> None:
        """One of the districts."""
        if field.data and field.data not in {d.code for d in districts()}:
            raise ValidationError(_l("Choose a district from the list."))

    def to_filters(self) -> CaseFilters:
        """The filters given correctly (a refused one narrows nothing) and the search text."""
        def good(field: Any) -> str | None:
            return (field.data or None) if not field.errors else None

        month, status = good(self.month), good(self.status)
        return CaseFilters(
            category=good(self.category), district=good(self.district),
            status=ComplaintStatus(status) if status else None,
            month=Month.parse(month) if month else None,
            text=(self.q.data or "").strip()[:100] or None)

    def show_counts(self, facets: Facets) -> None:
        """Each filter's choices with the number of cases each would show; values without a
        case are left out, unless chosen."""
        language, everything = current_language(), [("", str(_l("All")))]

        def keep(value: str, count: int, field: Any) -> bool:
            return count > 0 or value == field.data

        self.category.choices = everything + [
            (c.code, _counted(c.name(language), facets.category[c.code]))
            for c in categories() if keep(c.code, facets.category[c.code], self.category)]
        self.district.choices = everything + [
            (d.code, _counted(d.name(language), facets.district[d.code]))
            for d in districts() if keep(d.code, facets.district[d.code], self.district)]
        self.status.choices = everything + [
            (s.value, _counted(s.title, facets.status[s])) for s in ComplaintStatus
            if keep(s.value, facets.status[s], self.status)]
        chosen = Month.parse(self.month.data or "") if not self.month.errors else None
        months = sorted({*facets.month, *([chosen] if chosen else [])}, reverse=True)
        self.month.choices = everything + [
            (str(m), _counted(month_name(m), facets.month[m])) for m in months]


def month_name(month: Month) -> str:
    """``March 2026`` / ``2026年3月``."""
    return str(format_skeleton("yMMMM", date(month.year, month.month, 1),
                               locale=get_locale() or "zh_Hans_CN"))


ALL = "all"


class InboxFilterForm(FilterForm):
    """The staff inbox's filters."""

    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    type = SelectField(_l("Type"), choices=[], validate_choice=False)
    channel = SelectField(_l("Channel"), choices=[], validate_choice=False)
    overdue = BooleanField(_l("Overdue only"))
    mine = BooleanField(_l("Assigned to me"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [("", str(_l("Open and escalated"))), (ALL, str(_l("All")))] + [
            (s.value, s.title) for s in ComplaintStatus]
        self.type.choices = [("", str(_l("All"))), *ComplaintType.choices()]
        self.channel.choices = [("", str(_l("All"))),
                                (WEB_CHANNEL, str(_l("The portal's form"))), *channel_choices()]

    def to_filters(self, user_id: int | None = None) -> CaseFilters:
        """Every filter of the inbox; ``mine`` means assigned to ``user_id``."""
        status = _choice(self.status.data, {s.value for s in ComplaintStatus} | {ALL})
        kind = _choice(self.type.data, {t.value for t in ComplaintType})
        return super().to_filters().but(
            status=None if status in {None, ALL} else ComplaintStatus(status),
            open_only=status is None, type=ComplaintType(kind) if kind else None,
            overdue=bool(self.overdue.data),
            assignee_id=user_id if self.mine.data else None,
            channel=_choice(self.channel.data, {value for value, _label in self.channel.choices
                                                if value}))


def channel_choices() -> list[tuple[str, str]]:
    """The partner channels (Open311 keys, revoked ones too: their cases stay), each with its
    key's name, since two keys may serve one channel."""
    return [(str(key_id), f"{channel}{bracketed(name)}") for key_id, channel, name in
            db.session.execute(sa.select(ApiKey.id, ApiKey.channel, ApiKey.name)
                               .order_by(ApiKey.channel, ApiKey.id))]


def _one_of(values: set[str], message: Any) -> Any:
    """A choice sent that is not on the list (a stale or hand-made address) is an error."""
    def check(_form: Any, field: Any) -> None:
        if (field.data or "") not in values:
            raise ValidationError(message)
    return check


def month_choices(first: date | None, today: date) -> list[tuple[str, str]]:
    """Every month from ``first`` (at most ten years back) to ``today``, the latest first."""
    start = max(first or today, date(today.year - 10, today.month, 1))
    months, year, month = [], today.year, today.month
    while (year, month) >= (start.year, start.month):
        day = date(year, month, 1)
        months.append((day.strftime("%Y-%m"), format_skeleton("yMMMM", day,
                                                                 locale=get_locale())))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


class CommitteeFilterForm(PortalForm):
    """Filters of the committee's list, read from the query string (GET: no CSRF token).

    A value that is not on a list is refused with a message (and a 400), not silently dropped:
    a member who follows a wrong link must not believe that the list shows what it names.
    """

    class Meta:
        csrf = False

    status = SelectField(_l("Show"), choices=[], default=CommitteeStatus.ALL.value,
                         validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    district = SelectField(_l("District"), choices=[], validate_choice=False)
    month = SelectField(_l("Escalated in"), choices=[], validate_choice=False)

    STATUS_TITLES = {CommitteeStatus.ALL: _l("All cases, pending first"),
                     CommitteeStatus.PENDING: _l("Pending"),
                     CommitteeStatus.OVERDUE: _l("Pending and overdue"),
                     CommitteeStatus.DECIDED: _l("Decided")}

    def __init__(self, *args: Any, months: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = current_language()
        self.status.choices = [(key.value, str(title)) for key, title in self.STATUS_TITLES.items()]
        everything = [("", str(_l("All")))]
        self.category.choices = everything + [(c.code, c.name(language)) for c in categories()]
        self.district.choices = everything + [(d.code, d.name(language)) for d in districts()]
        self.month.choices = [("", str(_l("Any month"))), *months]
        for field, message in ((self.status, _l("Choose what to show from the list.")),
                               (self.category, _l("Choose a category from the list.")),
                               (self.district, _l("Choose a district from the list.")),
                               (self.month, _l("Choose a month from the list."))):
            allowed = {value for value, _label in field.choices}
            field.validators = [_one_of(allowed, message)]

    def to_filters(self, zone: str) -> CommitteeFilters:
        """The filters whose values are on the lists (the others narrow nothing)."""
        valid = {name: field.data for name, field in self._fields.items() if not field.errors}
        status = valid.get("status") or CommitteeStatus.ALL.value
        month = valid.get("month")
        start = end = None
        if month:
            year, number = (int(part) for part in month.split("-"))
            following = (year, number + 1) if number < 12 else (year + 1, 1)
            start, end = (datetime.combine(date(y, m, 1), time(0), ZoneInfo(zone))
                          for y, m in ((year, number), following))
        return CommitteeFilters(status=CommitteeStatus(status),
                                category=valid.get("category") or None,
                                district=valid.get("district") or None,
                                escalated_from=start, escalated_until=end)


def _at_least(count: int, message: Any) -> Any:
    def check(_form: Any, field: Any) -> None:
        if len((field.data or "").strip()) < count:
            raise ValidationError(message)
    return check


class DecisionForm(PortalForm):
    """The users' committee decides a case: its finding, and the reasons for it."""

    outcome = RadioField(_l("The committee's finding"), choices=[], validate_choice=False,
                         validators=[DataRequired(_l("Choose the committee's finding.")),
                                     _one_of({o.value for o in FindingOutcome},
                                             _l("Choose one of the findings listed."))])
    reasons = TextAreaField(_l("Reasons"), validators=[
        DataRequired(_l("Write the reasons for the decision.")),
        _at_least(MIN_REASONS, _l("Give the reasons in at least %(count)s characters, so "
                                  "that the complainant understands the decision.",
                                  count=MIN_REASONS)),
        Length(max=MAX_REASONS, message=_l("At most 4,000 characters."))],
        render_kw={"rows": 6, "maxlength": MAX_REASONS})
    submit = SubmitField(_l("Record the decision"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = FindingOutcome.choices()

    def to_outcome(self) -> FindingOutcome | None:
        """The chosen finding (None if the form sent none on the list)."""
        values = {o.value: o for o in FindingOutcome}
        return values.get(self.outcome.data or "")
