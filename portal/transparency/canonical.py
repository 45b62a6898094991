"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) of what the portal publishes.

The subset the portal produces, and nothing else: objects with string keys, arrays, strings,
booleans, null, and integers of at most 2**53 - 1 in size (which ECMAScript prints as
integers too). Decimals are written as strings (``"0.5380"``, exactly as stored), dates and
times as ISO 8601 strings. Floats are refused: the portal never publishes a binary fraction,
and RFC 8785's number printing (ECMAScript's shortest round trip) is not needed without them.

As RFC 8785 requires: keys sorted by their UTF-16 code units, no whitespace, strings escaped
as ECMAScript's JSON.stringify does (``\\"``, ``\\\\``, ``\\b\\f\\n\\r\\t``, other controls as
``\\u00xx``, everything else as itself), UTF-8 bytes. A lone surrogate is refused.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from json.encoder import encode_basestring
from typing import Any

SAFE_INTEGER = 2**53 - 1
# What json.dumps(value, ensure_ascii=False) uses for a string (C-accelerated), called directly.
_encode_string = encode_basestring


class CanonicalError(ValueError):
    """A value outside the supported subset of JSON."""


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value``."""
    parts: list[str] = []
    _write(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError("a string holds a lone surrogate") from None


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, list | tuple):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise CanonicalError("object keys must be strings")
        out.append("{")
        for position, key in enumerate(sorted(value, key=_utf16)):
            if position:
                out.append(",")
            out.append(_encode_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        out.append(_scalar(value))


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, Enum):
        return _scalar(value.value)
    if isinstance(value, int):
        if abs(value) > SAFE_INTEGER:
            raise CanonicalError(f"integer {value} is too large for JSON numbers")
        return str(value)
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CanonicalError("a decimal must be finite")
        return json.dumps(str(value))
    if isinstance(value, datetime | date):
        return json.dumps(value.isoformat())
    raise CanonicalError(f"{type(value).__name__} is not part of canonical JSON here")


def json_string(value: str) -> str:
    """A string as RFC 8785 writes it (the escapes of ``json.dumps`` without ``ensure_ascii``,
    by its C encoder)."""
    return _encode_string(value)


def _utf16(key: str) -> bytes:
    try:
        return key.encode("utf-16-be")
    except UnicodeEncodeError:
        raise CanonicalError("a key holds a lone surrogate") from None
