"""The cache (Flask-Caching) of what never changes once published, such as a version's prices.

Each process keeps its own entries in memory unless ``PORTAL_CACHE_REDIS_URL`` names a Redis
that the workers share. Keys start with a digest of the database URL, so that two portals on
different databases (staging and production, or two test runs) never read each other's entries
from one Redis. The cache only saves time: if Redis cannot be reached, the value is computed
and a warning logged.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar, cast

from flask import Flask, current_app

from portal.extensions import cache

T = TypeVar("T")
TIMEOUT_SECONDS = 24 * 3600
REDIS_TIMEOUT_SECONDS = 0.5
RETRY_SECONDS = 30.0
DOWN_UNTIL = "portal.cache_down_until"


def key_prefix(database_url: str) -> str:
    """``portal:<digest of the database URL>:`` (the URL itself may hold a password)."""
    return f"portal:{hashlib.sha256(database_url.encode()).hexdigest()[:16]}:"


def init_app(app: Flask) -> None:
    """Bind the cache: Redis when configured, else each process's memory."""
    redis_url = app.config.get("CACHE_REDIS_URL") or ""
    app.config.setdefault("CACHE_TYPE", "RedisCache" if redis_url else "SimpleCache")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", TIMEOUT_SECONDS)
    app.config.setdefault("CACHE_THRESHOLD", 2048)  # entries of the in-memory cache
    app.config.setdefault("CACHE_KEY_PREFIX",
                          key_prefix(str(app.config["SQLALCHEMY_DATABASE_URI"])))
    if redis_url:
        app.config.setdefault("CACHE_OPTIONS", {
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_TIMEOUT_SECONDS})
    cache.init_app(app)
    app.extensions[DOWN_UNTIL] = [0.0]  # until when (monotonic clock) Redis is left alone


def usable() -> bool:
    """Whether the cache may be asked (not while Redis is known to be unreachable)."""
    return bool(time.monotonic() >= current_app.extensions[DOWN_UNTIL][0])


def failed(what: str, key: str) -> None:
    """An unreachable cache slows pages down, it never breaks them: note it and stop asking."""
    current_app.extensions[DOWN_UNTIL][0] = time.monotonic() + RETRY_SECONDS
    current_app.logger.warning("cache unavailable (%s %s); not used for %d seconds", what, key,
                               RETRY_SECONDS)


def remember(key: str, compute: Callable[[], T]) -> T:
    """The cached value of ``key``, computed and stored on a miss."""
    if not usable():
        return compute()
    try:
        value = cache.get(key)
    except Exception:
        failed("reading", key)
        return compute()
    if value is not None:
        return cast(T, value)
    value = compute()
    try:
        cache.set(key, value)
    except Exception:
        failed("storing", key)
    return value


def forget(key: str) -> None:
    """Drop ``key``, so that the next reader computes it again."""
    if not usable():
        return
    try:
        cache.delete(key)
    except Exception:
        failed("dropping", key)


def forget_all() -> None:
    """Drop every entry of this portal (its key prefix): after the demo data is reset, new rows
    may get the ids of deleted ones. A process's own memory cache is only its own: restart the
    server after a reset."""
    if not usable():
        return
    try:
        cache.clear()
    except Exception:
        failed("clearing", "*")
