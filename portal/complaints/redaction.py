"""Automatic redaction of personal data in text that may be published.

It removes what can be recognised by its form: mainland mobile and landline numbers (with the
country code, area codes in brackets, digit groups and extensions), resident ID numbers, email
addresses (also with a full-width ＠ or spaces around it), QQ and WeChat IDs after their label,
complaint tracking numbers, and long or grouped digit runs such as account and bank card numbers.
Dates, amounts, prices and short numbers such as the 95598 hotline stay.

Matching runs on a normalised copy of the text: each character folded by NFKC (full-width digits
and punctuation become ASCII), every dash and space character made ``-`` and `` ``, invisible
format characters dropped. The copy remembers where each of its characters came from, so the
result is the original text with only the matched spans replaced by ■■■.
Names cannot be recognised reliably, which is why a staff member approves every summary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MASK = "■■■"

_SEP = r"(?:[ \t]{0,2}[-.][ \t]{0,2}|[ \t]{1,2})"  # between phone digit groups
_GAP = r"(?:[ \t]{0,2}-[ \t]{0,2}|[ \t]{1,2})"  # between other digit groups (a dot is a decimal)
_CC = r"(?:(?:(?:\+|00)[ \t]?)?86|\([ \t]?(?:\+|00)?86[ \t]?\))"  # +86, 0086, (+86)
_EXT = r"(?:[ \t]{0,2}(?:-|转|分机|ext\.?|x)[ \t]{0,2}\d{1,5})?"
_YEARS = r"(?:1[89]|20)\d{2}[ \t]*[-~][ \t]*(?:1[89]|20)\d{2}(?!\d)"  # 2024-2026
# Not inside a decimal number, and not an amount or a count followed by its unit.
_NUMBER_START = r"(?<!\d)(?<!\d[.,])"
_NUMBER_END = r"(?!\d)(?![.,]\d)(?![ \t]*(?:元|圆|块|万|亿|千瓦|度|[kKmM][wW]|%|户|人|次))"
_LABEL = (r"(?:QQ|微信|WeChat|户号|账号|帐号|卡号|身份证|证件)[ \t]*(?:号码|号|ID)?[ \t]*"
          r"(?:[:=]|是|为)?[ \t]*")


def _digits(match: re.Match[str]) -> bool:
    return sum(char.isdigit() for char in match.group()) >= 8


def _always(_match: re.Match[str]) -> bool:
    return True


# (pattern on the normalised text, test that a match is personal data)
PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], bool]]] = [
    # Bounded parts (RFC 5321 limits) and a start only at the start of a run: linear time.
    (re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}[ \t]{0,2}(?:@|\[at\]|\(at\))"
                r"[ \t]{0,2}(?:[A-Za-z0-9][A-Za-z0-9-]{0,62}\.){1,8}[A-Za-z]{2,63}"
                r"(?![A-Za-z0-9])", re.IGNORECASE), _always),                  # email
    # A tracking number is half of what opens a case: public pages never show one.
    (re.compile(r"(?<![A-Za-z0-9])TS[ \t]*-?[ \t]*\d{4}[ \t]*-?[ \t]*\d{1,9}(?!\d)",
                re.IGNORECASE), _always),                                        # TS-2026-000123
    (re.compile(rf"(?<!\d)[1-9]\d{{5}}{_GAP}?(?:18|19|20)\d{{2}}{_GAP}?(?:0[1-9]|1[0-2])"
                rf"{_GAP}?(?:0[1-9]|[12]\d|3[01]){_GAP}?\d{{3}}{_GAP}?[\dXx](?!\d)"),
     _always),                                                                   # ID number
    (re.compile(rf"(?<!\d)(?:{_CC}{_SEP}?)?1[3-9]\d{_SEP}?\d{{4}}{_SEP}?\d{{4}}(?!\d)"),
     _always),                                                                   # mobile
    (re.compile(rf"(?<!\d)(?:{_CC}{_SEP}?)?(?:\([ \t]?0\d{{2,3}}[ \t]?\)|0\d{{2,3}}){_SEP}?"
                rf"\d{{3,4}}{_SEP}?\d{{4}}{_EXT}(?!\d)", re.IGNORECASE),
     _always),                                                                   # landline
    (re.compile(rf"(?<!\d){_CC}{_SEP}?(?:\([ \t]?[1-9]\d{{1,2}}[ \t]?\)|[1-9]\d{{1,2}}){_SEP}?"
                rf"\d{{3,4}}{_SEP}?\d{{4}}{_EXT}(?!\d)", re.IGNORECASE),
     _always),                                                                   # +86 10 ...
    (re.compile(rf"{_NUMBER_START}(?!{_YEARS})[2-9]\d{{2,3}}{_GAP}?\d{{4}}{_EXT}{_NUMBER_END}",
                re.IGNORECASE), _always),                                        # local number
    (re.compile(rf"{_NUMBER_START}(?!{_YEARS})\d{{3,}}(?:{_GAP}\d{{3,}})+{_NUMBER_END}"),
     _digits),                                                                   # groups
    (re.compile(rf"{_NUMBER_START}\d{{8,}}{_NUMBER_END}"), _always),             # accounts
    (re.compile(rf"{_LABEL}(?P<value>[A-Za-z0-9][A-Za-z0-9_-]{{4,29}})(?![A-Za-z0-9_-])",
                re.IGNORECASE), _always),                                        # QQ, WeChat
]


def _fold(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Pd" or char in "\u2212\u30fc":  # dashes, minus sign, ー typed as a dash
        return "-"
    if category == "Zs":
        return " "
    if category == "Cf":  # zero-width spaces and joiners, soft hyphens, direction marks
        return ""
    return unicodedata.normalize("NFKC", char)


def normalise(text: str) -> tuple[str, list[int]]:
    """The text as matched, and for each of its characters the index of its original."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        folded = _fold(char)
        chars.append(folded)
        origins.extend([index] * len(folded))
    return "".join(chars), origins


def _spans(text: str) -> list[tuple[int, int]]:
    """Merged spans of the original text that hold personal data."""
    normalised, origins = normalise(text)
    found: list[tuple[int, int]] = []
    for pattern, accept in PATTERNS:
        for match in pattern.finditer(normalised):
            group = "value" if "value" in pattern.groupindex else 0
            start, end = match.span(group)
            if end > start and accept(match):
                found.append((origins[start], origins[end - 1] + 1))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(text: str | None) -> str:
    """The text with recognisable personal data replaced by ■■■."""
    result = text or ""
    parts: list[str] = []
    position = 0
    for start, end in _spans(result):
        parts += [result[position:start], MASK]
        position = end
    parts.append(result[position:])
    return "".join(parts)
