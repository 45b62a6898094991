"""Supported languages and how the portal chooses one for a request."""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

# Code used in URLs and the session -> Babel locale identifier.
SUPPORTED_LOCALES: dict[str, str] = {"zh_Hans_CN": "zh_Hans_CN", "en": "en"}
# How each language names itself in the switcher, never translated.
LANGUAGE_NAMES: dict[str, str] = {"zh_Hans_CN": "中文", "en": "English"}
SESSION_KEY = "lang"


def normalize(code: str | None) -> str | None:
    """Map a requested code (``en``, ``zh``, ``zh-CN``, ``zh_Hans_CN``) to a supported one."""
    if not code:
        return None
    value = code.strip().replace("-", "_").lower()
    if value.startswith("zh"):
        return "zh_Hans_CN"
    if value.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    """``?lang=`` > session > Accept-Language > configured default; unknown values are ignored.

    Outside a request (commands, jobs) the configured default is used.
    """
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    requested = normalize(request.args.get("lang"))
    if requested:
        if not request.path.startswith("/api/"):  # the API keeps no session: it is cached
            session[SESSION_KEY] = requested
        return requested
    stored = normalize(session.get(SESSION_KEY))
    if stored:
        return stored
    for value, _quality in request.accept_languages:
        match = normalize(value)
        if match:
            return match
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def current_language() -> str:
    """``en`` or ``zh``: which of a record's bilingual fields to show."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def html_lang(locale: Locale) -> str:
    """The BCP 47 tag for ``<html lang>``, e.g. ``zh-Hans-CN`` or ``en``."""
    parts = [locale.language, locale.script, locale.territory]
    return "-".join(part for part in parts if part)


def check_catalogues(translations: Path) -> None:
    """Fail at start-up, with the command to run, if a language has no compiled catalogue."""
    missing = [
        code for code in SUPPORTED_LOCALES
        if not (translations / code / "LC_MESSAGES" / "messages.mo").is_file()
    ]
    if missing:
        raise RuntimeError(
            f"No compiled translations for {', '.join(missing)} in {translations}: "
            "run `make compile`."
        )
