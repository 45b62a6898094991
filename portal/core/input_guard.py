"""Control characters are refused at the door: in paths, query strings and form fields.

NUL and the other C0 control characters (all but tab, line feed and carriage return, which
text areas send) cannot be stored by PostgreSQL or written into XML, and no person types them;
nor does anyone type the direction overrides that make a text show what it does not hold.
Paths and query strings that carry one get a 400 page here, before any view runs; form fields
get a form error from ``PortalForm`` (``portal/core/forms.py``), which uses the same check.
"""

from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.exceptions import BadRequest

# C0 controls but tab, line feed and return; the invisible direction controls (embeddings,
# overrides, isolates: U+202A-U+202E, U+2066-U+2069), with which "Trojan Source" text shows
# something else than it holds (a title that reads backwards); and the noncharacters
# (U+FDD0-U+FDEF and the last two code points of every plane), which XML does not allow and
# HTML calls a parse error: one stored in a case broke the Open311 XML feed.
NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069" + NONCHARACTERS + "]")


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a control character other than tab, line feed or return."""
    return CONTROL_CHARACTERS.search(text) is not None


def _refuse_control_characters() -> None:
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if any(has_control_characters(text) for text in texts):
        raise BadRequest()


def init_app(app: Flask) -> None:
    """Check every request's path and query string before routing reaches a view."""
    app.before_request(_refuse_control_characters)
