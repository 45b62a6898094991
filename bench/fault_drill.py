"""Fault drill (issue 16): a production-like portal (gunicorn, PostgreSQL, Redis for the page
cache and the job queue) under 20 clients that file complaints through the real form (open,
check, send) and track them, while the drill restarts PostgreSQL once and takes Redis away once.

    .venv/bin/python bench/fault_drill.py        # about 80 s; prints a Markdown section

The PostgreSQL and the Redis are the drill's own: a cluster made with ``initdb`` in a temporary
directory (as the ``postgres`` user when run as root) and a ``redis-server``, each on a free
port, so that no shared server is stopped. Timeline: 15 s of load, then ``pg_ctl stop -m
fast`` stops PostgreSQL, which starts again 5 s later; at 40 s Redis is killed, and started
again 10 s later; the load ends at 70 s.

Reported: receipts shown against rows stored (lost must be 0), duplicate numbers (0), answers
other than 2xx, 3xx or 503 with Retry-After (0), and, for each fault, how many answers were
refused, for how long, and the seconds from the fault's end to the next receipt. Each client
does what a person would: after a 503 it waits the Retry-After (at most 2 s) and sends the same
form again, so a send that was refused or whose answer was lost gets its receipt on the next
try (the form's key makes the send idempotent). At the end every receipt is tracked with its
code.
"""

from __future__ import annotations

import http.client
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench._harness import Browser, free_port, fresh_database, gunicorn, hidden_fields
from bench.complaints_bench import FORM

CLIENTS, WORKERS = 20, 4
LOAD_SECONDS = 70.0
PG_RESTART_AT, PG_DOWN_FOR, REDIS_DOWN_AT, REDIS_DOWN_FOR = 15.0, 5.0, 40.0, 10.0
DATA_KEY = "Ak1BDqTHQ0bOdxyXL0vvmsG8h9dmw6hCU2xrvPx0OtI="


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A PostgreSQL cluster of the drill's own, on a free port."""

    def __init__(self, directory: Path) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            raise SystemExit("the drill needs PostgreSQL's server binaries (postgresql)")
        self.bin = found[-1].parent
        self.data = directory / "pg"
        self.port = free_port()
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres")
            shutil.chown(self.data, "postgres")
        subprocess.run(_as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U",
                                     "postgres", "--auth=trust", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL)
        self.options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                        f"-c unix_socket_directories={self.data}")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *arguments: str, check: bool = True) -> None:
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w",
                                     "-l", str(self.data / "log"), *arguments]),
                       check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        self._ctl("-o", self.options, "start")

    def restart(self, pause: float) -> None:
        """Stop (fast: open sessions are ended), wait ``pause`` seconds, start again."""
        self._ctl("-m", "fast", "stop")
        time.sleep(pause)
        self.start()

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop", check=False)


class PrivateRedis:
    """A Redis server of the drill's own, on a free port, that the drill can kill."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None


@dataclass
class Log:
    """What the clients saw: each answer (moment, step, status, Retry-After given) and each
    receipt shown."""

    started: float = field(default_factory=time.monotonic)
    answers: list[tuple[float, str, int, bool]] = field(default_factory=list)
    receipts: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, step: str, status: int, retry_after: bool) -> None:
        with self.lock:
            self.answers.append((time.monotonic() - self.started, step, status, retry_after))

    def receipt(self, number: str, code: str) -> None:
        with self.lock:
            self.receipts.append((time.monotonic() - self.started, number, code))


class Client:
    """One person filing and tracking, again and again, until the drill ends."""

    def __init__(self, port: int, log: Log, stop: threading.Event) -> None:
        self.browser, self.log, self.stop = Browser(port), log, stop

    def ask(self, step: str, method: str, path: str, form: dict[str, str] | None = None
            ) -> tuple[int, str]:
        """One request, repeated after each 503 (waiting its Retry-After) until answered."""
        while not self.stop.is_set():
            try:
                status, page, _ = self.browser.request(method, path, form)
                headers = self.browser.last_headers
                retry_after = headers.get("Retry-After") if headers is not None else None
            except (OSError, http.client.HTTPException):
                self.browser.conn.close()
                self.log.answer(step, 0, False)  # no answer at all: counts as bad
                time.sleep(0.5)
                continue
            self.log.answer(step, status, retry_after is not None)
            if status != 503:
                return status, page
            time.sleep(min(2.0, float(retry_after or 1)))
        return 0, ""

    def file_and_track(self) -> None:
        status, page = self.ask("form", "GET", "/complaints/new")
        if status != 200:
            return
        status, page = self.ask("check", "POST", "/complaints/new/check",
                                {**hidden_fields(page), **FORM, "check": "1"})
        if status != 200:
            return
        status, page = self.ask("send", "POST", "/complaints/new/send",
                                {**hidden_fields(page), "confirm": "1"})
        number = re.search(r"TS-\d{4}-\d{6}", page)
        code = re.search(r'class="big code-display"[^>]*>([^<]+)<', page)
        if status != 201 or not number or not code:
            return
        self.log.receipt(number.group(0), code.group(1))
        status, page = self.ask("track form", "GET", "/complaints/track")
        if status == 200:
            self.ask("track", "POST", "/complaints/track",
                     {**hidden_fields(page), "number": number.group(0), "code": code.group(1)})

    def run(self) -> None:
        while not self.stop.is_set():
            self.file_and_track()
        self.browser.close()


def _faults(postgres: PrivatePostgres, redis: PrivateRedis, log: Log) -> dict[str, tuple[
        float, float]]:
    """Inject the faults on the timeline; each fault's (start, end) in drill seconds."""
    def at(moment: float) -> None:
        time.sleep(max(0.0, moment - (time.monotonic() - log.started)))

    def now() -> float:
        return time.monotonic() - log.started

    windows = {}
    at(PG_RESTART_AT)
    begun = now()
    postgres.restart(PG_DOWN_FOR)
    windows[f"PostgreSQL stopped (fast), started again {PG_DOWN_FOR:.0f} s later"] = (
        begun, now())
    at(REDIS_DOWN_AT)
    begun = now()
    redis.kill()
    at(REDIS_DOWN_AT + REDIS_DOWN_FOR)
    redis.start()
    windows[f"Redis killed, started again {REDIS_DOWN_FOR:.0f} s later"] = (begun, now())
    return windows


def _check(url: str, receipts: list[tuple[float, str, str]]) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        stored = Counter(connection.execute(sa.text(
            "SELECT tracking_number FROM complaints")).scalars())
    engine.dispose()
    shown: dict[str, set[str]] = {}
    for _moment, number, code in receipts:
        shown.setdefault(number, set()).add(code)
    return {"receipts shown": len(receipts), "numbers shown": len(shown),
            "rows stored": sum(stored.values()),
            "lost (shown, not stored)": len(set(shown) - set(stored)),
            "stored, receipt never shown": len(set(stored) - set(shown)),
            "duplicate numbers": sum(1 for codes in shown.values() if len(codes) > 1)
            + sum(1 for count in stored.values() if count > 1)}


def _track_all(port: int, receipts: list[tuple[float, str, str]]) -> int:
    """Track every receipt with its code after the drill; how many did not open."""
    browser, failed = Browser(port), 0
    for number, code in sorted({(number, code) for _moment, number, code in receipts}):
        status, page, _ = browser.request("GET", "/complaints/track")
        status, _page, _ = browser.request("POST", "/complaints/track", {
            **hidden_fields(page), "number": number, "code": code})
        failed += status != 302
    browser.close()
    return failed


def _window_report(log: Log, windows: dict[str, tuple[float, float]]) -> list[str]:
    rows = []
    for name, (begun, ended) in windows.items():
        refused = [moment for moment, _step, status, _ra in log.answers
                   if begun <= moment and status == 503 and moment <= ended + 30]
        after = [moment for moment, _n, _c in log.receipts if moment > ended]
        during = sum(1 for moment, _n, _c in log.receipts if begun <= moment <= ended)
        recovered = (after[0] - ended) if after else float("nan")
        span = (max(refused) - min(refused)) if refused else 0.0
        rows.append(f"| {name} | {ended - begun:.1f} | {during} | {len(refused)} | "
                    f"{span:.1f} | {recovered:.1f} |")
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="portal-drill-") as tmp:
        postgres, redis = PrivatePostgres(Path(tmp)), PrivateRedis()
        try:
            postgres.start()
            redis.start()
            fresh_database(postgres.url)
            env = {"PORTAL_DATA_KEY": DATA_KEY, "PORTAL_CODE_PEPPER": "drill-pepper",
                   "PORTAL_CACHE_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
                   "PORTAL_QUEUE_URL": f"redis://127.0.0.1:{redis.port}/1"}
            with gunicorn(postgres.url, workers=WORKERS, extra_env=env) as port:
                log, stop = Log(), threading.Event()
                clients = [Client(port, log, stop) for _ in range(CLIENTS)]
                threads = [threading.Thread(target=client.run) for client in clients]
                for thread in threads:
                    thread.start()
                windows = _faults(postgres, redis, log)
                time.sleep(max(0.0, LOAD_SECONDS - (time.monotonic() - log.started)))
                stop.set()
                for thread in threads:
                    thread.join(timeout=60)
                untracked = _track_all(port, log.receipts)
            checked = _check(postgres.url, log.receipts)
        finally:
            redis.kill()
            postgres.stop()
    _print(log, windows, checked, untracked)


def _print(log: Log, windows: dict[str, tuple[float, float]], checked: dict[str, int],
           untracked: int) -> None:
    statuses = Counter(status for _m, _s, status, _ra in log.answers)
    bad = [(moment, step, status) for moment, step, status, retry_after in log.answers
           if not (200 <= status < 400 or (status == 503 and retry_after))]
    print(f"### Fault drill ({date.today().isoformat()})\n")
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; gunicorn "
          f"{WORKERS} workers on the drill's own PostgreSQL and Redis (page cache and job "
          f"queue); {CLIENTS} clients filing (form, check, send) and tracking for "
          f"{LOAD_SECONDS:.0f} s.\n")
    print("| Measure | Value |")
    print("|---|---|")
    for name, value in checked.items():
        print(f"| {name} | {value} |")
    print(f"| receipts that did not open with their code afterwards | {untracked} |")
    counted = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    print(f"| answers (status: count; 0 is no answer) | {len(log.answers)} ({counted}) |")
    print(f"| answers other than 2xx, 3xx or 503 with Retry-After | {len(bad)} |")
    print("\n| Fault | Took s | Receipts during it | 503 answers | From first to last 503, s "
          "| Fault's end to next receipt, s |")
    print("|---|---|---|---|---|---|")
    for row in _window_report(log, windows):
        print(row)
    for moment, step, status in bad[:20]:
        print(f"\n- bad answer at {moment:.1f} s: {step} {status}")


if __name__ == "__main__":
    main()
