"""Shared benchmark helpers: serve the portal with gunicorn and measure requests over loopback.

Only 127.0.0.1 is ever contacted; every loop is bounded in time and count.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


FLASK = Path(sys.executable).parent / "flask"


def fresh_database(url: str, *commands: tuple[str, ...]) -> None:
    """Drop every table of ``url``, then run ``flask --app portal <command>`` for each command
    (default: the migrations), as a deployment would."""
    from portal import create_app  # the harness itself loads no app
    from portal.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "bench",
           "PORTAL_ENV": "development", "PORTAL_LOG_LEVEL": "WARNING"}
    for command in commands or (("db", "upgrade"),):
        subprocess.run([str(FLASK), "--app", "portal", *command], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(database_url: str, workers: int = 2, threads: int = 1,
             extra_env: dict[str, str] | None = None, app: str = "portal:create_app()",
             pids: list[int] | None = None) -> Iterator[int]:
    """Run the portal (or ``app``) under gunicorn on a free port; yields the port. The master's
    process id is appended to ``pids`` if given."""
    port = free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "bench",
           "PORTAL_LOG_LEVEL": "WARNING", "PORTAL_RATELIMIT_ENABLED": "false",
           **(extra_env or {})}
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", str(workers), "--threads", str(threads), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL)  # gunicorn.conf.py's access log
    if pids is not None:
        pids.append(process.pid)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _ = get(port, "/healthz")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def get(port: int, path: str, connection: http.client.HTTPConnection | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, float]:
    """(status, seconds) of one GET."""
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if connection is None:
        conn.close()
    return response.status, elapsed


def throughput(port: int, paths: list[str], clients: int, seconds: float,
               max_requests: int = 200_000, headers: dict[str, str] | None = None
               ) -> dict[str, float]:
    """Requests per second and latency percentiles with ``clients`` keep-alive clients."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        nonlocal failures
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        index = offset
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop_at and len(mine) < max_requests // clients:
            status, elapsed = get(port, paths[index % len(paths)], conn, headers)
            index += 1
            mine.append(elapsed)
            bad += status >= 400
        conn.close()
        with lock:
            latencies.extend(mine)
            failures += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    latencies.sort()
    return {"requests": len(latencies), "failures": failures, "rps": len(latencies) / wall,
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000}


class Browser:
    """A keep-alive HTTP client on loopback that keeps cookies and reads CSRF tokens."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.last_headers: http.client.HTTPMessage | None = None  # the last answer's

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[int, str, float]:
        """(status, body, seconds); form fields are sent url-encoded."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        elapsed = time.perf_counter() - started
        self.last_headers = response.headers
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text, elapsed

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' in tag and (name := re.search(r'name="([^"]+)"', tag)):
            value = re.search(r'value="([^"]*)"', tag)
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def worker_rss_mib(master: int) -> list[float]:
    """Resident memory (MiB) of each worker process of a gunicorn master (Linux /proc)."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master):
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def percentiles(latencies: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(latencies)
    return {"p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000}
