"""Structured request log: one JSON line per request, without personal data.

No client address, no query string (it may carry a tracking code), no user agent: only what
operators need to see load, errors and latency.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import time

from flask import Flask, Response, g, request

logger = logging.getLogger("portal.request")
# Changes to accounts made on the command line (second-factor and password resets).
audit_logger = logging.getLogger("portal.audit")


class JsonFormatter(logging.Formatter):
    """Format a record's ``fields`` (or its message) as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                   "level": record.levelname, "logger": record.name}
        payload.update(getattr(record, "fields", {"message": record.getMessage()}))
        return json.dumps(payload, ensure_ascii=False)


# Request ids: unique enough to find a line, without a system call per request (uuid4 reads
# the kernel's random source: a few per cent of a kept page's time). A generator of their own,
# so that ids read by a client tell nothing of the one other code uses; reseeded in each forked
# process, so that gunicorn's workers do not repeat one another.
_IDS = random.Random()  # noqa: S311 (no secret: a log line's name)
os.register_at_fork(after_in_child=_IDS.seed)


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = f"{_IDS.getrandbits(64):016x}"


def _finish(response: Response) -> Response:
    if logger.isEnabledFor(logging.INFO):
        started = g.get("request_started")
        elapsed = round((time.perf_counter() - started) * 1000, 2) if started else None
        endpoint = request.url_rule.rule if request.url_rule else None
        logger.info("request", extra={"fields": {
            "request_id": g.get("request_id"), "method": request.method, "route": endpoint,
            "path": request.path, "status": response.status_code, "duration_ms": elapsed,
        }})
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


_QUERY = re.compile(r"\?\S*")


class DevelopmentServerPrivacy(logging.Filter):
    """``flask run`` (werkzeug) logs each request with the client address and the query
    string; keep its lines like the production ones: neither."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop the address and query string from werkzeug's request lines."""
        message = str(record.msg)
        if " - - [" in message:
            record.msg = "-" + message[message.index(" - - ["):]
            record.args = tuple(_QUERY.sub("", arg) if isinstance(arg, str) else arg
                                for arg in (record.args or ()))
        return True


def init_app(app: Flask) -> None:
    """Attach the JSON handler and the before/after hooks."""
    for each in (logger, audit_logger):
        if not each.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(JsonFormatter())
            each.addHandler(handler)
            each.propagate = False
    logger.setLevel(app.config["LOG_LEVEL"])
    # Flask-Limiter warns there when Redis is unreachable; by default it only has a NullHandler.
    limiter_logger = logging.getLogger("flask-limiter")
    if not any(isinstance(each, logging.StreamHandler) for each in limiter_logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        limiter_logger.addHandler(handler)
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(each, DevelopmentServerPrivacy) for each in werkzeug_logger.filters):
        werkzeug_logger.addFilter(DevelopmentServerPrivacy())
    app.before_request(_start)
    app.after_request(_finish)
