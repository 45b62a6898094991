"""Supported languages and how the portal chooses one for a request."""

from __future__ import annotations

from pathlib import Path

import flask_babel
from babel import Locale, support
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, get_locale

# Code used in URLs and the session -> Babel locale identifier.
SUPPORTED_LOCALES: dict[str, str] = {"zh_Hans_CN": "zh_Hans_CN", "en": "en"}
# How each language names itself in the switcher, never translated.
LANGUAGE_NAMES: dict[str, str] = {"zh_Hans_CN": "中文", "en": "English"}
SESSION_KEY = "lang"
# In the request's ``g``: the locale and the catalogue looked up for it.
CATALOGUE = "portal_catalogue"


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
        # The API keeps no session; a session that has this language already is left as it
        # is (a page that sets no cookie can be kept for others).
        if not request.path.startswith("/api/") and session.get(SESSION_KEY) != requested:
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


class RequestDomain(flask_babel.Domain):  # type: ignore[misc,name-defined]  # not in its stubs
    """Flask-Babel's domain, looking the catalogue up once per request rather than for every
    string (its own lookup costs a few context look-ups and the locale's name each time). A
    ``force_locale`` inside a request (an email in the complainant's language) has another
    locale, so it gets its own catalogue, and the page's is looked up again after it."""

    def get_translations(self) -> support.NullTranslations:
        if not has_request_context():
            outside: support.NullTranslations = super().get_translations()
            return outside
        locale = get_locale()
        found = g.get(CATALOGUE)
        if found is None or found[0] is not locale:
            found = (locale, super().get_translations())
            setattr(g, CATALOGUE, found)
        translations: support.NullTranslations = found[1]
        return translations


def use_request_catalogue(app: Flask, babel: Babel) -> None:
    """Make Python's and the templates' gettext use ``RequestDomain`` (call after
    ``babel.init_app``)."""
    domain = RequestDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    # Flask-Babel's own domain is a cached property: replaced.
    babel.domain_instance = domain  # type: ignore[attr-defined]
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # jinja2.ext.i18n
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True)
