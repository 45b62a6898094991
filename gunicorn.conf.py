"""gunicorn settings for the portal behind a reverse proxy (gunicorn reads ./gunicorn.conf.py).

    .venv/bin/gunicorn                      # from the repository root
    .venv/bin/gunicorn -c /path/to/portal/gunicorn.conf.py

Environment: WORKERS (default 4), BIND (default 127.0.0.1:8000), FORWARDED_ALLOW_IPS
(default 127.0.0.1,::1). Options given on the command line override this file.

Privacy: the access log has the time, method, path without query string, status, size, duration
and the request id that also marks the portal's own JSON request log line. It has no client
address, user agent, referer or query string (which can carry a tracking number or prefilled
complaint text). The reverse proxy in front must not log them either.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

wsgi_app = "portal:create_app()"


def _workers() -> int:
    raw = os.environ.get("WORKERS", "4")
    if not raw.strip().isdigit() or int(raw) < 1:
        raise RuntimeError(f"WORKERS must be a whole number of 1 or more (got {raw!r})")
    return int(raw)


# Only the reverse proxy on this host talks to gunicorn. gunicorn's own default would bind to
# 0.0.0.0:$PORT when PORT is set, which would let clients bypass the proxy.
bind = [os.environ.get("BIND", "127.0.0.1:8000")]
workers = _workers()
worker_class = "sync"  # short requests; the proxy buffers slow clients
# X-Forwarded-Proto is trusted from these addresses only; the portal itself trusts
# X-Forwarded-For from PORTAL_PROXY_COUNT proxies (ProxyFix).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 30  # time to finish requests on restart or shutdown
keepalive = 5  # seconds, for the proxy's keep-alive connections (threaded workers)
max_requests = 10_000  # recycle workers now and then
max_requests_jitter = 1_000  # ... but not all at once
# The master builds the portal once and each worker, new or recycled, is a fork of it: a worker
# starts in milliseconds instead of a second and a half of CPU taken from the others (at 2,000
# requests a second a worker is recycled every few seconds), and every worker dates its pages
# from the same start. A HUP therefore starts workers of the code already loaded: a new version
# needs a restart (which also migrates: deploy/systemd/portal-web.service).
preload_app = True

# gunicorn 27's control socket is one path per user (~/.gunicorn): a second server would take
# it over and remove it; the portal does not use it.
control_socket_disable = True

accesslog = "-"  # stdout
errorlog = "-"  # stderr
loglevel = "info"  # "debug" would log request details; keep it off in production
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'

_ADDRESS = re.compile(r"\bip=\S+?(?=:?\s|:?$)")
_QUERY = re.compile(r"\?\S*")


class _NoAddressOrQuery(logging.Filter):
    """Strip client addresses and query strings from gunicorn's error log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        # "Invalid request from ip=...: <request line>" and "Error handling request <uri>"
        if text.startswith(("Invalid request from", "Error handling request")):
            message = _QUERY.sub("?-", _ADDRESS.sub("ip=-", record.getMessage()))
            record.msg, record.args = message, None
        return True


def _metrics_directory() -> str | None:
    """With PORTAL_METRICS_TOKEN, the directory where the workers write their metrics for
    ``/metrics`` to sum (PROMETHEUS_MULTIPROC_DIR, set here before the workers start; by
    default a private directory of this run, removed at exit)."""
    if not os.environ.get("PORTAL_METRICS_TOKEN", "").strip():
        return None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portal-metrics-")
    return os.environ["PROMETHEUS_MULTIPROC_DIR"]


METRICS_DIRECTORY = _metrics_directory()


def on_starting(server: Any) -> None:
    """Install the filter in the master before it forks the workers; start the metrics of
    this run afresh (files left by an earlier run would be summed too), but for those the
    master wrote as it built the app (``preload_app``: the exporter's info)."""
    logging.getLogger("gunicorn.error").addFilter(_NoAddressOrQuery())
    if METRICS_DIRECTORY:
        for stale in Path(METRICS_DIRECTORY).glob("*.db"):
            if not stale.name.endswith(f"_{os.getpid()}.db"):
                stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker that ended: its live gauges no longer count (prometheus-client)."""
    if METRICS_DIRECTORY:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """Remove the metrics directory this run made."""
    if METRICS_DIRECTORY and Path(METRICS_DIRECTORY).name.startswith("portal-metrics-"):
        shutil.rmtree(METRICS_DIRECTORY, ignore_errors=True)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
BIG_ALLOCATION = 1 << 20


def return_big_allocations() -> bool:
    """Give every allocation of 1 MiB or more its own mapping, handed back to the system when
    freed (glibc's default threshold rises to 32 MiB after the first big free). Otherwise a
    slow hash (an old complaint code's scrypt needs 16 MiB) leaves its memory in the heap of
    each thread that computed one, for the life of the worker. False where the C library is
    not glibc."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return bool(libc is not None and libc.mallopt(M_MMAP_THRESHOLD, BIG_ALLOCATION) == 1)
    except (OSError, AttributeError):
        return False


def _built_portal(server: Any) -> tuple[Any, Any] | None:
    """(the portal package, the app the master built), or None under another app
    (bench/bare)."""
    app = getattr(server.app, "callable", None)
    portal = sys.modules.get("portal")
    return (portal, app) if app is not None and portal is not None else None


def when_ready(server: Any) -> None:
    """The app is built: its templates are loaded, and what the master holds now is kept out
    of the garbage collector's way, so that the workers' collections do not copy the pages
    they share with it."""
    if (built := _built_portal(server)) is not None:
        built[0].before_fork(built[1])
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """In each worker, before it serves."""
    return_big_allocations()
    if (built := _built_portal(server)) is not None:
        built[0].after_fork(built[1])
