"""Whole public pages and open-data answers for anonymous readers, kept until something public
changes (``portal.core.public_changes``).

A view opts in with ``@cacheable``. Its answer to an anonymous GET is kept under a key made of
the code's build, the state of the public data (the public-changes counter and the moment it
last moved), today's date where the customers live, the language, and the address (scheme,
host, path, and the query ordered by parameter name): a publication, a change of day, a
language or a new deployment each make a new key, and the old entries are never asked for again
(they go after an hour). The state comes from this process's listener on PostgreSQL (no query),
else from one small query instead of the page's own.

What is never kept: a signed-in visitor's page (or one whose browser holds a session with
anything but its language, its CSRF token and keys declared ``not_shown``: a pending message, a
case opened with its code), an answer that is not 200, that sets a cookie or changes the
session, that says ``no-store``, or a HEAD answered without a body. A kept page is served
whole, headers included, after the usual before-request checks (input guard, rate limits), and
the after-request hooks run on it again. A rate limit of a cacheable view must be its
blueprint's or the app's: Flask-Limiter checks a view's own limit only when the view runs.

A page with a form is kept too: while it is built, the form's CSRF token (and any other value
of its own that each visitor must get, ``for_each_visitor``) is a random marker, and each
visitor's own value replaces the marker when the page is served (which is when its session gets
the token). Such a page is ``no-store`` for browsers and proxies, without validators.

A page that changes with time alone (the next meeting, a deadline) says when (``valid_until``),
and is kept no longer.

Every other cacheable answer carries an ``ETag`` (of its body), a ``Last-Modified`` (the last
public change, the start of the day or the start of this process, whichever is latest; the
moment it was built for a page that changes with time; unless the view gave its own) and
``Cache-Control: public, no-cache`` (a proxy may keep it and ask again with ``If-None-Match``:
a 304 costs no page), or ``max-age`` if ``PORTAL_PAGE_CACHE_MAX_AGE`` allows proxies to be that
many seconds late. Pages are kept in each process's memory (``PORTAL_PAGE_CACHE_ENTRIES``
pages) or, with ``PORTAL_CACHE_REDIS_URL``, in the Redis the workers share; an unreachable
Redis means no cache, never an error.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_caching import Cache
from flask_login.config import COOKIE_NAME
from flask_wtf.csrf import generate_csrf
from markupsafe import escape
from werkzeug.wrappers import Response

from portal.core import build, public_changes
from portal.core import cache as shared_cache
from portal.core.clock import local_today

F = TypeVar("F", bound=Callable[..., Any])
MARK = "portal_cacheable"
EXTENSION = "portal.page_cache"
# What an anonymous visitor's session may hold without changing the page: its language, the
# CSRF token of a form it opened elsewhere, Flask-Login's bookkeeping (which it may add while
# the page is built).
BOOKKEEPING = frozenset({"_fresh", "_permanent", "_id"})
HARMLESS_SESSION_KEYS = {"lang", "csrf_token"} | BOOKKEEPING  # more: ``not_shown``
# Headers of one answer only, never kept.
OWN_HEADERS = frozenset({"set-cookie", "date", "x-request-id", "content-length"})
MAX_QUERY = 1024  # a longer query string is answered but not kept
# A page is dropped an hour after it was kept (each change of the public data makes new keys:
# the old pages are never asked for again, and must not fill a shared Redis).
PAGE_SECONDS = 3600
# In the request's environ: this request's own, never shared by an app context that outlives
# it (as a test's may).
NOTED = "portal.page_cache"
COUNTER = "portal.public_generation"
CSRF = "csrf"
pages = Cache()
# Per visitor: a name -> what makes this visitor's value (it may note it in the session).
FILLERS: dict[str, Callable[[], str]] = {}


def not_shown(*keys: str) -> None:
    """Session keys that change no page a visitor is shown (a note of the forms it was
    given): a visitor whose session holds them still gets kept pages."""
    HARMLESS_SESSION_KEYS.update(keys)


def filler(name: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    """Register what makes each visitor's own value ``name`` (at import: any worker may serve
    a page another one kept)."""
    def register(make: Callable[[], str]) -> Callable[[], str]:
        FILLERS[name] = make
        return make
    return register


def for_each_visitor(name: str) -> str:
    """The value of the filler ``name`` for this visitor; while a page is built to be kept, a
    marker that each visitor's own value replaces when the page is served."""
    noted = _noted()
    if noted is None:
        return FILLERS[name]()
    return _marker(noted, name)


def _marker(noted: dict[str, Any], name: str) -> str:
    marker = "pcfill" + secrets.token_hex(16)  # no text on a page can guess it
    noted["fill"][marker] = name
    return marker


@filler(CSRF)
def _csrf_token() -> str:
    g.pop("csrf_token", None)  # the marker Flask-WTF was given
    token: str = generate_csrf()
    return token


def not_kept() -> None:
    """The page being built holds what must not sit in a shared cache for an hour (text a
    link filled into a form): build it for this visitor alone."""
    noted = _noted()
    if noted is not None:
        noted["until"] = datetime.fromtimestamp(0, UTC)
        noted["private"] = True


def valid_until(moment: datetime | None) -> None:
    """The page being built shows what changes at ``moment`` (a meeting begins, a deadline
    passes): keep it no longer than that. None: nothing to change."""
    noted = _noted()
    if noted is None or moment is None:
        return
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    noted["until"] = min(noted.get("until", moment), moment)


def cacheable(view: F) -> F:
    """Let the page cache keep this view's answers to anonymous GETs (the view's answer must
    depend only on its path, query, language, today's date and public data)."""
    setattr(view, MARK, True)
    return view


def _noted() -> dict[str, Any] | None:
    if not has_request_context():  # a command, a job: nothing is kept
        return None
    found: dict[str, Any] | None = request.environ.get(NOTED)
    return found


def in_use() -> bool:
    """Whether this request's answer may be kept (a blueprint that marks its pages
    ``no-store`` leaves such an answer alone)."""
    return _noted() is not None


def _build_id() -> tuple[str, datetime]:
    """The build's digest, and the moment this app started: no page it answers is older, so a
    copy kept from before a deployment (or a rollback) is never confirmed with a 304 by its
    date alone."""
    return build.digest(), datetime.now(UTC)


def remember_cookie_sent() -> bool:
    """Whether the request carries Flask-Login's remember-me cookie."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies


def _anonymous() -> bool:
    if remember_cookie_sent():
        return False
    return set(session.keys()) <= HARMLESS_SESSION_KEYS


def _wanted() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    # In debug mode templates change under the running process: nothing is kept.
    return (current_app.config["PAGE_CACHE"] and not current_app.debug
            and request.method in ("GET", "HEAD")
            and getattr(view, MARK, False) and len(request.query_string) <= MAX_QUERY
            and _anonymous())


def _key(counter: int, changed_at: datetime) -> str:
    """The address as the page is built from it: scheme and host (links in feeds and the API
    name them when ``PORTAL_PUBLIC_URL`` does not), path, and the query's parameters in the
    order of their names (``?b=2&a=1`` is ``?a=1&b=2``; repeated ones keep their order, the
    first is the one a view reads); with the state of the public data."""
    query = urlencode(sorted(request.args.items(multi=True), key=lambda item: item[0]))
    where = "\0".join((request.scheme, request.host, request.path, query))
    digest = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()
    build = current_app.extensions[EXTENSION][0]
    state = _state_key(counter, changed_at)
    return f"page:{build}:{state}:{local_today().isoformat()}:{get_locale()}:{digest}"


def _last_modified(changed_at: datetime) -> datetime:
    """The latest of the last public change, the start of today (pages show today's prices)
    and the deployment, in whole seconds as HTTP dates are."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    midnight = datetime.combine(local_today(), time(), zone).astimezone(UTC)
    moment = changed_at if changed_at.tzinfo else changed_at.replace(tzinfo=UTC)
    built: datetime = current_app.extensions[EXTENSION][1]
    return max(moment, midnight, built).replace(microsecond=0)


def _state() -> tuple[int, datetime] | None:
    """The public-changes counter and its moment, as this request first read it."""
    if not has_request_context():  # a command may publish, then read: ask each time
        return public_changes.current()
    if COUNTER not in request.environ:
        request.environ[COUNTER] = public_changes.current(listen=True)
    found: tuple[int, datetime] | None = request.environ[COUNTER]
    return found


def _state_key(counter: int, changed_at: datetime) -> str:
    moment = changed_at if changed_at.tzinfo else changed_at.replace(tzinfo=UTC)
    return f"{counter}@{moment.timestamp():.6f}"


def public_state() -> str | None:
    """The state of the public data, as a part of a cache key for anything derived from it
    (the counter and the moment it last moved: a counter that went back with a restored
    backup is another state); None: unknown, do not cache."""
    state = _state()
    return _state_key(*state) if state is not None else None


def _fetch() -> Response | None:
    """Before the view: the kept answer, if any. Notes what ``_keep`` needs."""
    if not _wanted():
        return None
    state = _state()
    if state is None:
        return None
    counter, changed_at = state
    noted = request.environ[NOTED] = {"key": _key(counter, changed_at),
                                      "modified": _last_modified(changed_at),
                                      "session": _session_state(), "fill": {}}
    kept = _read(noted["key"])
    if kept is None:
        if "csrf_token" not in g:  # Flask-WTF's token of this request: a marker
            g.csrf_token = noted["csrf"] = _marker(noted, CSRF)
        return None
    noted["hit"] = True
    status, headers, body, noted["fill"] = kept
    return current_app.response_class(body, status=status, headers=headers)


Kept = tuple[int, list[tuple[str, str]], bytes, dict[str, str]]


def _read(key: str) -> Kept | None:
    if not shared_cache.usable():
        return None
    try:
        value = pages.get(key)
    except Exception:
        shared_cache.failed("reading", "a page")
        return None
    return value if isinstance(value, tuple) and len(value) == 4 else None


def _session_state() -> dict[str, Any]:
    return {key: value for key, value in session.items() if key not in BOOKKEEPING}


def _storable(response: Response, noted: dict[str, Any]) -> bool:
    """A 200, the same for every anonymous reader of this language but for its markers: it
    set no cookie, left the session as it was, and its CSRF token is a marker."""
    return (response.status_code == 200 and not response.direct_passthrough
            and not response.is_streamed and "Set-Cookie" not in response.headers
            and "no-store" not in (response.headers.get("Cache-Control") or "")
            and g.get("csrf_token") == noted.get("csrf")
            and _session_state() == noted["session"])


def _headers(response: Response) -> None:
    """Validators and caching headers of a cacheable answer."""
    noted = request.environ[NOTED]
    if noted["fill"]:  # each visitor's own: no browser or proxy keeps it
        response.headers["Cache-Control"] = "no-store"
        return
    if noted.get("private"):  # built for this visitor alone
        response.headers["Cache-Control"] = "private, no-cache"
    elif "Cache-Control" not in response.headers:  # the API and some views give their own
        seconds = current_app.config["PAGE_CACHE_MAX_AGE"]
        if "until" in noted:  # a proxy must not serve it past the moment it changes
            seconds = max(0, min(seconds, int(_seconds_left(noted))))
        response.headers["Cache-Control"] = (f"public, max-age={seconds}" if seconds
                                             else "public, no-cache")
    response.vary.update(("Accept-Language", "Cookie"))
    # A view's own stays: a statistics download's is when its figures were extracted, which
    # readers cite (its ETag still changes with its bytes, after a deployment too).
    if response.last_modified is None:
        # A page that changes with time alone changed, at the latest, now.
        timed = "until" in noted
        response.last_modified = datetime.now(UTC) if timed else noted["modified"]
    if "ETag" not in response.headers:
        response.add_etag()


def _keep(response: Response) -> Response:
    """After every other hook: store a fresh cacheable answer, and answer a conditional
    request with 304."""
    noted = _noted()
    if noted is None:
        return response
    if not noted.get("hit"):
        _keep_markers_shown(response, noted)
        if response.status_code != 200 or not _storable(response, noted):
            return _fill(response, noted)
        _headers(response)
        if request.method == "GET":  # a HEAD's answer has the headers but not the body
            _write(noted, response)
    if noted["fill"]:
        return _fill(response, noted)
    if session.modified:  # ?lang= in a new session: this answer sets a cookie
        response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


def _keep_markers_shown(response: Response, noted: dict[str, Any]) -> None:
    """Forget the markers the page does not show (a visitor gets no token it was not
    shown)."""
    if not noted["fill"]:
        return
    body = b"" if response.direct_passthrough or response.is_streamed else response.get_data()
    noted["fill"] = {marker: name for marker, name in noted["fill"].items()
                     if marker.encode() in body}


def _fill(response: Response, noted: dict[str, Any]) -> Response:
    """Each marker replaced by this visitor's own value."""
    if not noted["fill"]:
        return response
    body = response.get_data()
    for marker, name in noted["fill"].items():
        body = body.replace(marker.encode(), str(escape(FILLERS[name]())).encode())
    response.set_data(body)
    return response


def _seconds_left(noted: dict[str, Any]) -> float:
    left: float = (noted["until"] - datetime.now(UTC)).total_seconds()
    return left


def _write(noted: dict[str, Any], response: Response) -> None:
    seconds = PAGE_SECONDS
    if "until" in noted:  # whole seconds left, never a moment past it
        seconds = min(seconds, int(_seconds_left(noted)))
    if seconds <= 0 or not shared_cache.usable():
        return
    headers = [(name, value) for name, value in response.headers.items()
               if name.lower() not in OWN_HEADERS]
    try:
        pages.set(noted["key"], (response.status_code, headers, response.get_data(),
                                 noted["fill"]), timeout=seconds)
    except Exception:
        shared_cache.failed("storing", "a page")


def init_app(app: Flask) -> None:
    """Bind the page store. Call before other after-request hooks are added (``_keep`` must
    run last, so it sees the answer as sent); ``install`` adds the look-up once the domains'
    hooks are in place."""
    redis_url = app.config.get("CACHE_REDIS_URL") or ""
    prefix = shared_cache.key_prefix(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    config: dict[str, Any] = {
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_KEY_PREFIX": prefix, "CACHE_DEFAULT_TIMEOUT": PAGE_SECONDS,
        "CACHE_THRESHOLD": app.config["PAGE_CACHE_ENTRIES"]}
    if redis_url:
        config.update(CACHE_REDIS_URL=redis_url, CACHE_OPTIONS={
            "socket_connect_timeout": shared_cache.REDIS_TIMEOUT_SECONDS,
            "socket_timeout": shared_cache.REDIS_TIMEOUT_SECONDS})
    pages.init_app(app, config=config)
    app.extensions[EXTENSION] = _build_id()
    app.after_request(_keep)


def install(app: Flask) -> None:
    """Add the look-up after every other before-request hook of the app."""
    app.before_request(_fetch)
