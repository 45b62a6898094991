"""The cache (Flask-Caching) of what never changes once published, such as a version's prices.

Each process keeps its own entries in memory unless ``PORTAL_CACHE_REDIS_URL`` names a Redis
that the workers share. Keys start with a digest of the database URL, so that two portals on
different databases (staging and production, or two test runs) never read each other's entries
from one Redis. The cache only saves time: if Redis cannot be reached, the value is computed
and a warning logged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar, cast

from flask import Flask, current_app

from portal.extensions import cache

T = TypeVar("T")
TIMEOUT_SECONDS = 24 * 3600
REDIS_TIMEOUT_SECONDS = 0.5
_MISSING = object()


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


def remember(key: str, compute: Callable[[], T]) -> T:
    """The cached value of ``key``, computed and stored on a miss."""
    try:
        value = cache.get(key)
    except Exception:  # an unreachable Redis slows the page down, it does not break it
        current_app.logger.warning("cache unavailable; computing %s", key)
        return compute()
    if value is not None:
        return cast(T, value)
    value = compute()
    try:
        cache.set(key, value)
    except Exception:
        current_app.logger.warning("cache unavailable; %s not stored", key)
    return value


def forget(key: str) -> None:
    """Drop ``key``, so that the next reader computes it again."""
    try:
        cache.delete(key)
    except Exception:
        current_app.logger.warning("cache unavailable; %s not dropped", key)
