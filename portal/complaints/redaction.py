"""Automatic redaction of personal data in text that may be published.

It removes what can be recognised by its form: mainland mobile and landline numbers, 18-digit
resident ID numbers, email addresses, and long digit runs such as customer account numbers.
Names cannot be recognised reliably, which is why a staff member approves every summary.
"""

from __future__ import annotations

import re

MASK = "■■■"
PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),                               # email
    re.compile(r"(?<!\d)[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?!\d)"),  # ID card
    re.compile(r"(?<!\d)(\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"),  # mobile
    re.compile(r"(?<!\d)(0\d{2,3}[\s-]?)?[2-9]\d{6,7}(?!\d)"),                # landline
    re.compile(r"(?<!\d)\d{8,}(?!\d)"),                                       # account numbers
]


def redact(text: str | None) -> str:
    """The text with recognisable personal data replaced by ■■■."""
    result = text or ""
    for pattern in PATTERNS:
        result = pattern.sub(MASK, result)
    return result
