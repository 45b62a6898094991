"""Open311's two formats: every answer as JSON or as XML with the specification's element
names, and its error format (``[{"code": 400, "description": "..."}]`` /
``<errors><error><code>…``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from flask import Response, json

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# A list inside an element: the name of each of its items (the specification's plurals).
ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute",
         "values": "value", "services": "service", "service_requests": "request",
         "errors": "error"}


class Open311Error(Exception):
    """A request answered in Open311's error format; ``description`` is translated."""

    def __init__(self, status: int, description: str, parameter: str | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameter = status, description, parameter


# The W3C note's profile of ISO 8601: a day, or a moment with its zone.
W3C = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?")


def parse_w3c(text: str, zone: str) -> datetime | None:
    """A W3C moment with its zone, or a day taken from its midnight in ``zone``; None if the
    text is neither (or no such day or time exists)."""
    value = text.strip()
    if not W3C.fullmatch(value):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(zone))


def w3c(moment: datetime | None) -> str | None:
    """A moment as the W3C note's profile of ISO 8601, in UTC: ``2026-11-05T08:15:30Z``."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# What XML 1.0 cannot carry (controls, surrogates, U+FFFE/U+FFFF): written as U+FFFD, so that
# a document stays well-formed whatever a stored text or an echoed parameter holds.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("\ufffd", str(value))


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for name, inner in value.items():
            _fill(ElementTree.SubElement(element, name), inner)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for inner in value:
            _fill(ElementTree.SubElement(element, ITEMS[element.tag]), inner)
    else:
        element.text = _text(value)


def xml_document(root: str, value: Any) -> bytes:
    """``value`` under the element ``root``, with the XML declaration the specification asks."""
    element = ElementTree.Element(root)
    _fill(element, value)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + ElementTree.tostring(element, encoding="unicode").encode("utf-8"))


def respond(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """``value`` as JSON (as it is) or as XML under ``root``."""
    if fmt == "xml":
        body = xml_document(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return Response(body, status=status, content_type=FORMATS.get(fmt, FORMATS["json"]))


def error_response(fmt: str, errors: Sequence[Open311Error]) -> Response:
    """Errors in the specification's format; the status is that of the first."""
    return respond(fmt, "errors", [{"code": e.status, "description": e.description}
                                   for e in errors], errors[0].status)


def format_of(path: str) -> str:
    """The format a path asks for (its extension), JSON when it names none we serve."""
    extension = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return extension if extension in FORMATS else "json"
