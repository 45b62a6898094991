"""The base of every form: Flask-WTF with CSRF, plus the portal's checks on all text fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField

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
                field.data = field.data.translate(LINE_BREAKS)
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
