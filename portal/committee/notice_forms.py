"""Forms of the notices of irregular service: a member's notice and update, the public search."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.committee.enums import NoticeState
from portal.committee.models import Notice
from portal.committee.notices import NoticeData, UpdateData
from portal.core.forms import DateWithin, PortalForm

REQUIRED = _l("This field is required.")
DATE = _l("Enter a date as YYYY-MM-DD.")
ANONYMISED = _l("Anonymised: no customer's or employee's name, phone or account number.")


def _markdown_pair(label_zh: Any, label_en: Any) -> tuple[TextAreaField, TextAreaField]:
    return (TextAreaField(label_zh, validators=[DataRequired(REQUIRED), Length(max=20_000)],
                          description=ANONYMISED),
            TextAreaField(label_en, validators=[Optional(), Length(max=20_000)]))


class NoticeForm(PortalForm):
    """A notice: the decision it rests on, what happened, the unit, the finding, the
    corrective action and its deadline; Chinese required, English optional."""

    decision_number = StringField(_l("Number of the decision it rests on"), validators=[
        DataRequired(REQUIRED), Length(max=20)], render_kw={"placeholder": "UC-2026-001"},
        description=_l("The committee's adopted decision that found this irregular service "
                       "and decided to make it public (not the rule that was broken)."))
    title_zh = StringField(_l("Title in Chinese"), validators=[
        DataRequired(REQUIRED), Length(max=200)])
    title_en = StringField(_l("Title in English (optional)"), validators=[
        Optional(), Length(max=200)])
    unit_zh = StringField(_l("Unit responsible, in Chinese"), validators=[
        DataRequired(REQUIRED), Length(max=200)],
        description=_l("Name the unit only if the committee decided to; otherwise describe it "
                       "(“a service hall in the city”)."))
    unit_en = StringField(_l("Unit responsible, in English (optional)"), validators=[
        Optional(), Length(max=200)])
    happened_on = DateField(_l("When it happened"), validators=[InputRequired(DATE),
                                                                 DateWithin()])
    facts_zh, facts_en = _markdown_pair(_l("What happened, in Chinese (Markdown)"),
                                        _l("What happened, in English (optional, Markdown)"))
    finding_zh, finding_en = _markdown_pair(
        _l("The committee's finding, in Chinese (Markdown)"),
        _l("The committee's finding, in English (optional, Markdown)"))
    action_zh, action_en = _markdown_pair(
        _l("Corrective action required, in Chinese (Markdown)"),
        _l("Corrective action required, in English (optional, Markdown)"))
    action_due = DateField(_l("Deadline of the corrective action"), validators=[
        InputRequired(DATE), DateWithin()])
    submit = SubmitField(_l("Save the draft"))

    FIELDS = ("decision_number", "title_zh", "title_en", "unit_zh", "unit_en", "happened_on",
              "facts_zh", "facts_en", "finding_zh", "finding_en", "action_zh", "action_en",
              "action_due")

    def fill_from(self, notice: Notice) -> None:
        """Show a saved draft."""
        for name in self.FIELDS:
            if name != "decision_number":
                self[name].data = getattr(notice, name)
        self.decision_number.data = notice.decision.number

    def to_data(self) -> NoticeData:
        """The notice for the services."""
        values = {name: self[name].data for name in self.FIELDS}
        for name in ("title_en", "unit_en", "facts_en", "finding_en", "action_en"):
            values[name] = values[name] or None
        for name in ("decision_number", "title_zh", "unit_zh", "facts_zh", "finding_zh",
                     "action_zh"):
            values[name] = values[name] or ""
        return NoticeData(**values)


class UpdateForm(PortalForm):
    """A follow-up of a published notice; the last one closes it."""

    body_zh = TextAreaField(_l("What has happened since, in Chinese (Markdown)"), validators=[
        DataRequired(REQUIRED), Length(max=20_000)], description=ANONYMISED)
    body_en = TextAreaField(_l("What has happened since, in English (optional, Markdown)"),
                            validators=[Optional(), Length(max=20_000)])
    closes = BooleanField(_l("The corrective action is done: this update closes the notice"))
    submit = SubmitField(_l("Save the draft update"))

    def to_data(self) -> UpdateData:
        """The update for the services."""
        return UpdateData(self.body_zh.data or "", self.body_en.data or None,
                          bool(self.closes.data))


class NoticeSearchForm(PortalForm):
    """The public search of notices, read from the query string (GET: no CSRF). A value it does
    not understand is named in an error (400) and narrows nothing."""

    class Meta:
        csrf = False

    q = StringField(_l("Words, number or unit"), validators=[Optional(), Length(max=100)],
                    render_kw={"maxlength": 100})
    start = DateField(_l("Published from"), validators=[Optional(), DateWithin()])
    end = DateField(_l("Published until"), validators=[Optional(), DateWithin()])
    state = SelectField(_l("Corrective action"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state.choices = [("", _l("All")), *NoticeState.choices()]

    def validate_state(self, field: Any) -> None:
        """One of the states."""
        if field.data and field.data not in {s.value for s in NoticeState}:
            raise ValidationError(_l("Choose a state from the list."))

    def validate_end(self, field: Any) -> None:
        """Not before the start."""
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end of the range cannot come before its start."))
