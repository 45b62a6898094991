"""Bilingual text: every record that people read carries ``<field>_zh`` and ``<field>_en``.

The one rule for choosing (documented in docs/ARCHITECTURE.md): the requested language if the
record has text in it, else Chinese, which every record must have. ``language`` is a locale
code ("en", "zh_Hans_CN"...); None means the language of the current request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import Flask
from markupsafe import Markup

from portal.i18n import current_language


def bracketed(text: object) -> str:
    """``text`` in brackets after a word: ``（…）`` in Chinese, `` (…)`` in English."""
    return f"（{text}）" if current_language().startswith("zh") else f" ({text})"


def joined(parts: list[str]) -> str:
    """Parts of one phrase: ``，`` between them in Chinese, ``, `` in English."""
    return ("，" if current_language().startswith("zh") else ", ").join(parts)


def book_title(title: str) -> str:
    """A document's title as Chinese writes it, between 《》 (once); English leaves it plain."""
    if not current_language().startswith("zh") or title.startswith("《"):
        return title
    return f"《{title}》"


def citation(number: str, title: str) -> str:
    """A legal basis: ``《title》（number）`` in Chinese, ``title (number)`` in English."""
    return book_title(title) + bracketed(number) if title else number


def localized(zh: str | None, en: str | None, language: str | None = None) -> str | None:
    """The English text when English is requested and present, else the Chinese."""
    wanted = language if language is not None else current_language()
    return en if wanted.startswith("en") and en else zh


def localized_field(record: Any, field: str, language: str | None = None) -> str | None:
    """``record.<field>_zh`` or ``record.<field>_en``, chosen by ``localized``."""
    return localized(getattr(record, f"{field}_zh"), getattr(record, f"{field}_en", None),
                     language)


class BilingualName:
    """For records with ``name_zh`` and ``name_en``: ``record.name(language)``."""

    name_zh: Any
    name_en: Any

    def name(self, language: str | None = None) -> str:
        """The name in ``language`` (default: the request's), falling back to Chinese."""
        return str(localized(self.name_zh, self.name_en, language))


HAN = re.compile(r"[\u3400-\u9fff]")


def marked(text: object) -> Markup | str:
    """Text in the page, marked with its own language where that differs from the page's
    (WCAG 3.1.2): Chinese data on an English page gets ``lang="zh-Hans"``, so that a screen
    reader reads it as Chinese. Other text is returned as it is."""
    if text is None or text == "":
        return ""
    if not current_language().startswith("zh") and HAN.search(str(text)):
        return Markup('<span lang="zh-Hans">{}</span>').format(text)
    return text if isinstance(text, Markup) else str(text)


# A run of Chinese: from a Han character to the last Han character or full-width punctuation,
# taking in what lies between (digits, Latin letters, hyphens: "UC-2026-007" in a title).
HAN_RUN = re.compile(r"[\u3400-\u9fff](?:[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e0-9A-Za-z-]*"
                     r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e])?")


def marked_runs(text: object) -> Markup:
    """Text of mixed languages (an English sentence quoting a Chinese title), each Chinese run
    marked with ``lang="zh-Hans"`` on a page in another language (WCAG 3.1.2)."""
    if current_language().startswith("zh") or isinstance(text, Markup):
        return Markup.escape(text)
    raw, result, position = str(text), Markup(), 0
    for run in HAN_RUN.finditer(raw):
        result += Markup.escape(raw[position:run.start()])
        result += Markup('<span lang="zh-Hans">{}</span>').format(run.group())
        position = run.end()
    return result + Markup.escape(raw[position:])


def language_of(text: object) -> str | None:
    """The ``lang`` attribute for a form field holding ``text`` (a textarea cannot hold a
    marked span): ``zh-Hans`` for Chinese on a page in another language, else None."""
    if text and not current_language().startswith("zh") and HAN.search(str(text)):
        return "zh-Hans"
    return None


def localized_marked(record: Any, field: str) -> Markup | str:
    """The ``localized`` template filter: the field in the page's language, marked if it had to
    fall back to Chinese."""
    return marked(localized_field(record, field))


def unbroken(text: object, words: Sequence[str]) -> Markup:
    """``text`` with each of ``words`` (a tracking number) kept on one line and left
    untranslated: a phone must not break ``TS-2026-000123`` at its hyphens."""
    result = Markup.escape(text)
    for word in words:
        escaped = Markup.escape(word)
        result = result.replace(
            escaped, Markup('<span class="nowrap" translate="no">{}</span>').format(word))
    return result


def init_app(app: Flask) -> None:
    """Templates write ``{{ record | localized("name") }}`` (the request's language) and
    ``{{ value | marked }}`` for text whose language the data decides (a complaint's words)."""
    app.add_template_filter(localized_marked, "localized")
    app.add_template_filter(localized_field, "localized_text")  # <title>, <textarea>: no tags
    app.add_template_filter(marked, "marked")
    app.add_template_filter(marked_runs, "marked_runs")
    app.add_template_filter(unbroken, "unbroken")
