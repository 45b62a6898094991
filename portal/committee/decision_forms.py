"""Members' forms: meetings, their minutes, decisions and roll calls."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.committee.decisions import DecisionData
from portal.committee.enums import DecisionCategory, Vote
from portal.committee.meetings import MeetingData
from portal.committee.models import CommitteeMember, Decision, Meeting
from portal.core.forms import DateWithin, PortalForm
from portal.core.models import utcnow

REQUIRED = _l("This field is required.")
DATE = _l("Enter a date as YYYY-MM-DD.")
TIME = _l("Enter a time as HH:MM.")
COUNT = _l("Enter a number from 0 to 999.")
SEPARATORS = re.compile(r"[\s,，、;；]+")


def _words(raw: str | None) -> list[str]:
    return [part for part in SEPARATORS.split(raw or "") if part]


class MeetingForm(PortalForm):
    """When and where a meeting takes place, and its agenda."""

    # within 2000-2100: a day near year 1 cannot be turned into UTC (a 500 before)
    day = DateField(_l("Date"), validators=[InputRequired(DATE), DateWithin()])
    time = TimeField(_l("Time"), validators=[InputRequired(TIME)])
    place = StringField(_l("Place"), validators=[DataRequired(REQUIRED), Length(max=200)])
    agenda = TextAreaField(_l("Agenda (Markdown)"), validators=[
        DataRequired(REQUIRED), Length(max=20_000)], render_kw={"rows": 8})
    submit = SubmitField(_l("Save the meeting"))

    def fill_from(self, meeting: Meeting) -> None:
        """Show a saved meeting in local time."""
        local = meeting.starts_at.astimezone(ZoneInfo(str(current_app.config["TIMEZONE"])))
        self.day.data, self.time.data = local.date(), local.time().replace(second=0)
        self.place.data, self.agenda.data = meeting.place, meeting.agenda

    def to_data(self) -> MeetingData:
        """The meeting for the services (local time to UTC)."""
        zone = ZoneInfo(str(current_app.config["TIMEZONE"]))
        moment = datetime.combine(self.day.data, self.time.data, tzinfo=zone)
        return MeetingData(moment.astimezone(ZoneInfo("UTC")), self.place.data or "",
                           self.agenda.data or "")


class MinutesForm(PortalForm):
    """After a meeting: who attended and the minutes."""

    # checkboxes; checked by the service (members seated on the day)
    attendees = SelectMultipleField(_l("Members who attended"), choices=[], coerce=int,
                                    validate_choice=False, widget=ListWidget(prefix_label=False),
                                    option_widget=CheckboxInput())
    minutes = TextAreaField(_l("Minutes (Markdown)"), validators=[
        DataRequired(REQUIRED), Length(max=20_000)], render_kw={"rows": 12})
    submit = SubmitField(_l("Save the minutes"))

    def __init__(self, seated: Sequence[CommitteeMember], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendees.choices = [(member.id, member.name) for member in seated]


class DecisionForm(PortalForm):
    """A decision: its meeting, text in Chinese (English optional), votes, links and files."""

    meeting_id = SelectField(_l("Meeting"), choices=[], coerce=int, validate_choice=False)
    title_zh = StringField(_l("Title in Chinese"), validators=[
        DataRequired(REQUIRED), Length(max=200)])
    title_en = StringField(_l("Title in English (optional)"), validators=[
        Optional(), Length(max=200)])
    category = SelectField(_l("Category"), choices=DecisionCategory.choices,
                           default=DecisionCategory.COMMITTEE.value)
    body_zh = TextAreaField(_l("Text in Chinese (Markdown)"), validators=[
        DataRequired(REQUIRED), Length(max=20_000)], render_kw={"rows": 12})
    body_en = TextAreaField(_l("Text in English (optional, Markdown)"), validators=[
        Optional(), Length(max=20_000)], render_kw={"rows": 12})
    votes_for = IntegerField(_l("Votes for"), validators=[
        InputRequired(COUNT), NumberRange(min=0, max=999, message=COUNT)])
    votes_against = IntegerField(_l("Votes against"), validators=[
        InputRequired(COUNT), NumberRange(min=0, max=999, message=COUNT)])
    votes_abstain = IntegerField(_l("Abstentions"), validators=[
        InputRequired(COUNT), NumberRange(min=0, max=999, message=COUNT)])
    votes_absent = IntegerField(_l("Absent"), validators=[
        InputRequired(COUNT), NumberRange(min=0, max=999, message=COUNT)])
    complaints = StringField(_l("Complaints concerned (tracking numbers, optional)"),
                             validators=[Optional(), Length(max=1000)])
    tariffs = StringField(_l("Tariffs concerned (codes, optional)"),
                          validators=[Optional(), Length(max=1000)])
    fee_items = StringField(_l("Fee items concerned (codes, optional)"),
                            validators=[Optional(), Length(max=1000)])
    attachments = MultipleFileField(_l("PDF documents (optional)"),
                                    render_kw={"accept": ".pdf,application/pdf"})
    submit = SubmitField(_l("Save the draft"))

    def __init__(self, meetings: Sequence[Meeting], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = ZoneInfo(str(current_app.config["TIMEZONE"]))
        self.meeting_id.choices = [
            (m.id, f"{m.starts_at.astimezone(zone):%Y-%m-%d %H:%M} {m.place}") for m in meetings]
        if not self.is_submitted() and not self.meeting_id.data:
            # a decision is published after its meeting: the latest one held is the likely one
            now = utcnow()
            held = [m for m in meetings if m.starts_at <= now]
            if held:
                self.meeting_id.data = max(held, key=lambda m: m.starts_at).id

    def fill_from(self, decision: Decision) -> None:
        """Show a saved draft (or, for an amendment, the decision it corrects)."""
        for name in ("meeting_id", "title_zh", "title_en", "body_zh", "body_en", "votes_for",
                     "votes_against", "votes_abstain", "votes_absent"):
            self[name].data = getattr(decision, name)
        self.category.data = decision.category.value
        self.complaints.data = " ".join(c.tracking_number for c in decision.complaints)
        self.tariffs.data = " ".join(t.code for t in decision.tariffs)
        self.fee_items.data = " ".join(f.code for f in decision.fee_items)

    def to_data(self, roll_call: dict[int, Vote] | None = None) -> DecisionData:
        """The decision for the services."""
        files = [(file.filename or "", file.mimetype or "", file.read())
                 for file in (self.attachments.data or []) if getattr(file, "filename", "")]
        return DecisionData(
            meeting_id=int(self.meeting_id.data or 0), title_zh=self.title_zh.data or "",
            title_en=self.title_en.data or None, body_zh=self.body_zh.data or "",
            body_en=self.body_en.data or None,
            category=DecisionCategory(self.category.data or DecisionCategory.COMMITTEE.value),
            votes_for=int(self.votes_for.data or 0),
            votes_against=int(self.votes_against.data or 0),
            votes_abstain=int(self.votes_abstain.data or 0),
            votes_absent=int(self.votes_absent.data or 0), roll_call=roll_call,
            complaints=_words(self.complaints.data), tariffs=_words(self.tariffs.data),
            fee_items=_words(self.fee_items.data), attachments=files)


class RollCallForm(PortalForm):
    """Each seated member's vote; the fields are added per member (``vote_<id>``)."""

    submit = SubmitField(_l("Save the roll call"))


def roll_call_form(seated: Sequence[CommitteeMember], decision: Decision,
                   formdata: Any = None) -> PortalForm:
    """A roll-call form with one choice per member seated on the day of the meeting."""
    saved = {vote.member_id: vote.vote.value for vote in decision.roll_call}

    class Filled(RollCallForm):
        pass

    for member in seated:
        setattr(Filled, f"vote_{member.id}", SelectField(
            member.name, choices=[("", "—"), *Vote.choices()], default=saved.get(member.id, "")))
    return Filled(formdata=formdata) if formdata is not None else Filled()


def roll_call_of(form: PortalForm, seated: Sequence[CommitteeMember]) -> dict[int, Vote] | None:
    """The votes chosen; None when no vote was given (no roll call)."""
    chosen = {member.id: form[f"vote_{member.id}"].data for member in seated}
    if not any(chosen.values()):
        return None
    return {member_id: Vote(value) if value in {v.value for v in Vote} else Vote.ABSENT
            for member_id, value in chosen.items() if value} or None


class DecisionSearchForm(PortalForm):
    """The public search of decisions, read from the query string (GET: no CSRF). A value it
    does not understand is named in an error (400) and narrows nothing."""

    class Meta:
        csrf = False

    q = StringField(_l("Words or number"), validators=[Optional(), Length(max=100)],
                    render_kw={"maxlength": 100})
    start = DateField(_l("Decided from"), validators=[Optional()])
    end = DateField(_l("Decided until"), validators=[Optional()])
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    outcome = SelectField(_l("Outcome"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from portal.committee.enums import DecisionOutcome

        self.category.choices = [("", _l("All")), *DecisionCategory.choices()]
        self.outcome.choices = [("", _l("All")), *DecisionOutcome.choices()]

    def validate_category(self, field: Any) -> None:
        """One of the categories."""
        from wtforms.validators import ValidationError

        if field.data and field.data not in {c.value for c in DecisionCategory}:
            raise ValidationError(_l("Choose a category from the list."))

    def validate_outcome(self, field: Any) -> None:
        """One of the outcomes."""
        from wtforms.validators import ValidationError

        from portal.committee.enums import DecisionOutcome

        if field.data and field.data not in {o.value for o in DecisionOutcome}:
            raise ValidationError(_l("Choose an outcome from the list."))

    def validate_end(self, field: Any) -> None:
        """Not before the start."""
        from wtforms.validators import ValidationError

        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end of the range cannot come before its start."))
