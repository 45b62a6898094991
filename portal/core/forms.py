"""The base of every form: Flask-WTF with CSRF, plus the portal's checks on all text fields."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations
from wtforms import Field, FieldList, Form, FormField, ValidationError
from wtforms.meta import DefaultMeta

from portal.core.formatting import date_filter
from portal.core.input_guard import CONTROL_CHARACTERS, has_control_characters

CONTROL_CHARACTER_MESSAGE = _l("This text contained invisible control characters (for example "
                               "from a copied document); they have been removed. Please check "
                               "the text and send it again.")


def _leaf_fields(fields: Iterator[Field] | Any) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaf_fields(iter(field.form))
        elif isinstance(field, FieldList):
            yield from _leaf_fields(iter(field.entries))
        else:
            yield field


LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


class PortalForm(FlaskForm):
    """Every form of the portal: text with control characters is an error of its field."""

    def validate(self, extra_validators: Any = None) -> bool:
        """Run the fields' validators, then refuse control characters in any text field.

        Vertical tab and form feed become line breaks first: word processors put them into
        copied text (a manual line or page break), and nobody could find them to delete.
        """
        for field in _leaf_fields(iter(self)):
            if isinstance(field.data, str):
                # A browser sends a textarea's line break as CRLF, which its maxlength counted
                # as one character: so does every length limit here.
                field.data = field.data.replace("\r\n", "\n").translate(LINE_BREAKS)
        valid = super().validate(extra_validators=extra_validators)
        for field in _leaf_fields(iter(self)):
            if isinstance(field.data, str) and has_control_characters(field.data):
                # Shown again without them: no page may carry such a character (not valid HTML),
                # and the person can send the rest as it is.
                field.data = CONTROL_CHARACTERS.sub("", field.data)
                field.raw_data = [field.data]
                field.errors = [*field.errors, str(CONTROL_CHARACTER_MESSAGE)]
                valid = False
        return bool(valid)


FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


class DateWithin:
    """A date between 2000 and 2100: the portal holds nothing outside these years, and a date
    near year 1 or 9999 cannot be turned into a moment in every time zone (a 500 before)."""

    def __init__(self, first: date = FIRST_DAY, last: date = LAST_DAY) -> None:
        self.first, self.last = first, last

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is not None and not self.first <= field.data <= self.last:
            raise ValidationError(_("Enter a date between %(first)s and %(last)s.",
                                    first=date_filter(self.first), last=date_filter(self.last)))


class SubformMeta(DefaultMeta):
    """The messages of WTForms' own validators in the page's language, as FlaskForm gives them
    (a subform of a FieldList is a plain ``Form`` and would answer in English)."""

    def get_translations(self, form: Any) -> Any:
        """Flask-WTF's translations, unless the app turned them off."""
        if not current_app.config.get("WTF_I18N_ENABLED", True):
            return super().get_translations(form)
        return translations


class Subform(Form):
    """A row of a ``RowList`` (one charge of a bill): no CSRF field of its own, translated."""

    Meta = SubformMeta


class RowList(FieldList):
    """A list of rows whose numbers come from the form's field names (``rows-3-amount``).

    WTForms turns any key that ``str.isdigit()`` accepts into ``int()``, so ``rows-²-amount``
    or a row number of 5,000 digits made a 500; only up to four ASCII digits are read here, the
    rest are ignored like any unknown field.
    """

    def _extract_indices(self, prefix: str, formdata: Any) -> Iterator[int]:
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                number = key[offset:].split(self._field_separator, 1)[0]
                if number.isascii() and number.isdigit() and len(number) <= 4:
                    yield int(number)
