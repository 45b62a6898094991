"""The filters of the log's entry list, read from the query string."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from portal.core.forms import DateWithin, PortalForm
from portal.transparency.queries import EntryFilters
from portal.transparency.records import kinds


class EntryFilterForm(PortalForm):
    """Kind and dates of the entries listed (GET: no CSRF token)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of record"), choices=[], default="")
    since = DateField(_l("Entered on or after"), validators=[Optional(), DateWithin()])
    until = DateField(_l("Entered on or before"), validators=[Optional(), DateWithin()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", str(_l("All")))] + [
            (kind.name, str(kind.title)) for kind in kinds().values()]

    def validate(self, extra_validators: Any = None) -> bool:
        """The dates must be in order."""
        valid = super().validate(extra_validators)
        if valid and self.since.data and self.until.data and self.since.data > self.until.data:
            self.until.errors = [*self.until.errors, str(_l(
                "The end date cannot be before the start date."))]
            valid = False
        return valid

    def to_filters(self) -> EntryFilters:
        """The filters the query string names correctly (a refused one narrows nothing)."""
        kind = self.kind.data if self.kind.data in kinds() and not self.kind.errors else None
        return EntryFilters(kind=kind, since=self.since.data if not self.since.errors else None,
                            until=self.until.data if not self.until.errors else None)
