"""What every template can use: the language switcher, navigation, hotlines."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache, pass_context
from jinja2.bccache import Bucket
from jinja2.filters import FILTERS as DEFAULT_FILTERS
from markupsafe import Markup

from portal.accounts.roles import Permission
from portal.core import build, domains
from portal.core.markdown import render_markdown
from portal.core.tables import stacked_table
from portal.core.text import book_title, citation, language_of, marked
from portal.i18n import LANGUAGE_NAMES, SUPPORTED_LOCALES, current_language, html_lang


def query_args(**changes: Any) -> dict[str, Any]:
    """The request's query, safe to hand to ``url_for``: keys that ``url_for`` treats as its
    own options (``_external``, ``_scheme``...) or that name a URL variable are dropped."""
    reserved = set(request.view_args or {})
    args: dict[str, Any] = {key: values for key, values in request.args.to_dict(flat=False).items()
                            if not key.startswith("_") and key not in reserved}
    args.update(changes)
    return args


PATH_SAFE = "/-._~!$&'()*+,;=:@"


def _page_to_switch() -> str | None:
    """For a page answering a POST to an address that takes no GET (a confirmation, a form
    shown again), the page the form was sent from (this site's only; else home), without its
    ``lang``: a link to the POST's own address would be a 405. None: the page itself."""
    rule = request.url_rule
    if request.method in ("GET", "HEAD") or rule is None or "GET" in (rule.methods or ()):
        return None
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return url_for("pages.home")
    query = [(k, v) for k, v in parse_qsl(referrer.query, keep_blank_values=True) if k != "lang"]
    path = quote(unquote(referrer.path).lstrip("/\\"), safe=PATH_SAFE)
    return "/" + path + ("?" + urlencode(query) if query else "")


def language_links() -> list[dict[str, Any]]:
    """One link per language to the current page and query, with ``lang`` replaced (built once
    per request: the page's head and its switcher both use them)."""
    built = request.environ.get("portal.language_links")
    if built is None:
        built = request.environ["portal.language_links"] = _language_links()
    return list(built)


def _language_links() -> list[dict[str, Any]]:
    current = str(get_locale())
    args = query_args()
    links = []
    back = _page_to_switch()
    for code in SUPPORTED_LOCALES:
        query: dict[str, Any] = {**args, "lang": code}
        view_args = request.view_args or {}
        if back is not None:
            href = back + ("&" if "?" in back else "?") + urlencode({"lang": code})
        elif request.endpoint and request.endpoint != "static":
            href = url_for(request.endpoint, **view_args, **query)
        else:
            # A page without a route (404): its own path, which must stay on this site even
            # when it is "//evil.example" or "/\\evil.example".
            href = "/" + quote(request.path.lstrip("/\\"), safe=PATH_SAFE) + "?lang=" + code
        links.append({"code": code, "name": LANGUAGE_NAMES[code], "href": href,
                      "current": code == current, "hreflang": code.split("_")[0]})
    return links


def visible_navigation() -> list[dict[str, Any]]:
    """Navigation items the visitor may open, marking the current one; ``work``: a working page
    (one that needs a permission), which a desktop shows in a row of its own."""
    items = []
    for item in domains.registry().navigation:
        if item.permission is not None and not (
                current_user.is_authenticated and current_user.can(item.permission)):
            continue
        items.append({"href": url_for(item.endpoint), "label": item.label, "current": False,
                      "work": item.permission is not None})
    # The current section is the longest link that the page's path starts with.
    matches = [entry for entry in items if request.path == entry["href"]
               or (entry["href"] != "/" and request.path.startswith(entry["href"]))]
    if matches:
        max(matches, key=lambda entry: len(entry["href"]))["current"] = True
    return items


def working_pages() -> list[dict[str, Any]]:
    """The working pages (navigation items that need a permission) the visitor may open: what
    the account page offers after login."""
    return [{"href": url_for(item.endpoint), "label": item.label}
            for item in domains.registry().navigation
            if item.permission is not None and current_user.is_authenticated
            and current_user.can(item.permission)]


def _context() -> dict[str, Any]:
    locale = get_locale()
    return {
        "html_lang": html_lang(locale) if locale else "zh-Hans-CN",
        "language_links": language_links,
        "navigation": visible_navigation,
        "working_pages": working_pages,
        "Permission": Permission,
        "query_args": query_args,
        "lang": current_language(),
    }


def colon() -> str:
    """What stands between a label and its value: Chinese takes the full-width colon."""
    return "：" if current_language().startswith("zh") else ": "


def paren(text: object) -> Markup:
    """``text`` in brackets after what precedes it: full-width in Chinese, with no space."""
    if current_language().startswith("zh"):
        return Markup("（{}）").format(text)
    return Markup(" ({})").format(text)


def comma() -> str:
    """What separates the parts of one phrase: the full-width comma in Chinese."""
    return "，" if current_language().startswith("zh") else ", "


def full_stop() -> str:
    """The end of a sentence that a template closes itself: 。 in Chinese."""
    return "。" if current_language().startswith("zh") else "."


def gap() -> str:
    """What stands between two sentences: nothing after a Chinese full stop, a space in
    English."""
    return "" if current_language().startswith("zh") else " "


def list_comma() -> str:
    """What separates the items of a list of names: the enumeration comma 、 in Chinese."""
    return "、" if current_language().startswith("zh") else ", "


def _per_request(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def applied(_context: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)
    return pass_context(applied)


def never_fold(app: Flask) -> None:
    """Make the portal's filters run when a page is rendered, never when it is compiled.

    Jinja works out a filter applied to a constant (``"年累计电量" | marked``, ``0 | money``)
    once, as it compiles the template, unless the filter takes the context. Ours depend on the
    request (its language, its time zone): folded, the first request's language would stay in
    the compiled template for every later page (and, with the template cache, for every
    worker). Jinja's own filters depend on nothing else and may still be folded."""
    for name, function in list(app.jinja_env.filters.items()):
        if name not in DEFAULT_FILTERS and not hasattr(function, "jinja_pass_arg"):
            app.jinja_env.filters[name] = _per_request(function)


class _CompiledTemplates(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, which a directory gone or full only slows down: the
    template is compiled for this process instead (a page is never an error for it)."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            logging.getLogger(__name__).warning("A compiled template was not kept: %s", exc)


def _own_directory(directory: Path) -> None:
    """Make ``directory`` the portal's own (0700), or say why it cannot be: Jinja runs what it
    finds there, so nobody else may write to it."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = directory.stat()
    if found.st_uid != os.getuid():
        raise PermissionError(f"{directory} belongs to another user")
    if found.st_mode & 0o077:
        directory.chmod(0o700)


def _keep_compiled(app: Flask) -> None:
    """Keep compiled templates in ``PORTAL_TEMPLATE_CACHE_DIR``, under the build's digest: Jinja
    checks a compiled template against its source only, not against the filters and settings
    it was compiled with (another build's are removed). Jinja writes each file whole, so
    workers may share the directory."""
    where = app.config["TEMPLATE_CACHE_DIR"]
    if where == "off":
        return
    directory, prefix = Path(where), f"portal-{build.digest()}-"
    try:
        _own_directory(directory)
        for stale in directory.glob("portal-*.cache"):
            if not stale.name.startswith(prefix):
                stale.unlink(missing_ok=True)
    except OSError as exc:
        logging.getLogger(__name__).warning("Templates are compiled by each worker: %s", exc)
        return
    app.jinja_env.bytecode_cache = _CompiledTemplates(str(directory), prefix + "%s.cache")


def init_app(app: Flask) -> None:
    """Register the context processor, the table filter (templates/_tables.html) and the
    ``markdown`` filter (portal/core/markdown.py)."""
    _keep_compiled(app)
    app.context_processor(_context)
    app.add_template_filter(stacked_table, "stacked_table")
    app.add_template_filter(render_markdown, "markdown")
    app.jinja_env.globals["colon"] = colon  # globals, so that imported macros see them too
    app.jinja_env.globals["paren"] = paren
    app.jinja_env.globals["language_of"] = language_of
    app.jinja_env.globals["comma"] = comma
    app.jinja_env.globals["gap"] = gap
    app.jinja_env.globals["full_stop"] = full_stop
    app.jinja_env.globals["list_comma"] = list_comma
    app.jinja_env.globals["book_title"] = lambda title: marked(book_title(title))
    app.jinja_env.globals["citation"] = lambda number, title: marked(citation(number, title))
