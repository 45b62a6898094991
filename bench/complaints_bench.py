"""Complaints: filing and tracking throughput and p95 latency at 20 concurrent clients, through
gunicorn, beside /healthz in the same run.

    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python bench/complaints_bench.py      # its tables are replaced
    .venv/bin/python bench/complaints_bench.py          # SQLite in a temporary folder

A filing is what a person does: open the form, check, send (3 requests); its latency is the
"send" request, which stores the complaint and its code's keyed hash. Tracking posts a number
and code: the right one, a wrong one for a real number, and any code for an unknown number (the
last two must cost the same, so that timing does not tell which numbers exist).
"""

from __future__ import annotations

import itertools
import os
import platform
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import Browser, gunicorn, hidden_fields, percentiles, throughput
from portal import create_app
from portal.complaints.models import ComplaintCategory, District
from portal.complaints.reference import seed_rows
from portal.extensions import db

# As gunicorn.conf.py serves: 4 single-threaded workers (threads in one worker fight over
# the GIL: with 4 x 5 the send step's p95 doubled).
CLIENTS, SECONDS, WORKERS, THREADS = 20, 10.0, 4, 1
FORM = {"type": "complaint", "category": "OUT-REPAIR", "district": "CENTRAL",
        "subject": "报修后三小时无人到场", "description": "昨晚报修停电，三小时无人到场。" * 5,
        "contact_phone": "13800001111", "consent_contact": "y"}


def prepare(url: str) -> None:
    """Empty tables with the reference data the migrations load."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        categories, districts = seed_rows()
        db.session.execute(ComplaintCategory.__table__.insert(), categories)
        db.session.execute(District.__table__.insert(), districts)
        db.session.commit()
        db.engine.dispose()


def file_one(browser: Browser) -> tuple[float, str, str] | None:
    """File a complaint; returns (latency of the send, number, code) or None on failure."""
    status, page, _ = browser.request("GET", "/complaints/new")
    fields = {**hidden_fields(page), **FORM, "check": "1"}
    status, page, _ = browser.request("POST", "/complaints/new/check", fields)
    if status != 200:
        return None
    fields = {**hidden_fields(page), "confirm": "1"}
    status, page, elapsed = browser.request("POST", "/complaints/new/send", fields)
    if status != 201:
        return None
    number = re.search(r"TS-\d{4}-\d{6}", page)
    code = re.search(r'class="big code-display"[^>]*>([^<]+)<', page)
    return elapsed, number.group(0) if number else "", code.group(1) if code else ""


def run(port: int, seconds: float, job) -> tuple[list[float], int, float]:  # type: ignore[no-untyped-def]
    """Run ``job(browser)`` from CLIENTS threads until time is up; (latencies, failures, wall)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        browser = Browser(port)
        mine, bad = [], 0
        while time.monotonic() < stop_at and len(mine) < 5000:
            result = job(browser)
            if result is None:
                bad += 1
            else:
                mine.append(result)
        browser.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures[0], time.monotonic() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        prepare(url)
        env = {"PORTAL_DATA_KEY": "Ak1BDqTHQ0bOdxyXL0vvmsG8h9dmw6hCU2xrvPx0OtI=",
               "PORTAL_CODE_PEPPER": "bench-pepper"}
        with gunicorn(url, workers=WORKERS, threads=THREADS, extra_env=env) as port:
            health = throughput(port, ["/healthz"], CLIENTS, SECONDS)
            receipts: list[tuple[str, str]] = []

            def filing(browser: Browser) -> float | None:
                result = file_one(browser)
                if result is None:
                    return None
                receipts.append(result[1:])
                return result[0]

            filed, filing_failures, filing_wall = run(port, SECONDS, filing)
            index = itertools.count()  # next() is atomic: each look-up its own number

            def tracking(browser: Browser) -> float | None:
                number, code = receipts[next(index) % len(receipts)]
                status, page, _ = browser.request("GET", "/complaints/track")
                fields = {**hidden_fields(page), "number": number, "code": code}
                status, _page, elapsed = browser.request("POST", "/complaints/track", fields)
                return elapsed if status == 302 else None

            tracked, tracking_failures, tracking_wall = run(port, SECONDS, tracking)

            def refused(number_of: Callable[[int], str]) -> Callable[[Browser], float | None]:
                def job(browser: Browser) -> float | None:
                    status, page, _ = browser.request("GET", "/complaints/track")
                    fields = {**hidden_fields(page), "number": number_of(next(index)),
                              "code": "0000-0000-0000-0000"}
                    status, _page, elapsed = browser.request("POST", "/complaints/track", fields)
                    return elapsed if status == 400 else None
                return job

            wrong, wrong_failures, wrong_wall = run(
                port, SECONDS / 2, refused(lambda n: receipts[n % len(receipts)][0]))
            unknown, unknown_failures, unknown_wall = run(
                port, SECONDS / 2, refused(lambda n: f"TS-2099-{n:06d}"))
    backend = url.split(":", 1)[0]
    print(f"### Complaints ({backend}, {date.today().isoformat()})\n")
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; gunicorn "
          f"{WORKERS} workers x {THREADS} threads; {CLIENTS} concurrent keep-alive Python "
          f"clients on the same machine for {SECONDS:.0f} s each (refused look-ups "
          f"{SECONDS / 2:.0f} s); codes kept as HMAC-SHA-256.\n")
    print("| What | Done | Failures | Per second | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    print(f"| `/healthz` | {health['requests']} | {health['failures']} | {health['rps']:.0f} | "
          f"{health['p50_ms']:.1f} | {health['p95_ms']:.1f} |")
    for name, values, failures, wall in (
            ("filing (form, check, send; latency of send)", filed, filing_failures, filing_wall),
            ("tracking (number + code)", tracked, tracking_failures, tracking_wall),
            ("tracking, wrong code for a real number", wrong, wrong_failures, wrong_wall),
            ("tracking, unknown number", unknown, unknown_failures, unknown_wall)):
        p = percentiles(values)
        print(f"| {name} | {len(values)} | {failures} | {len(values) / wall:.1f} | "
              f"{p['p50_ms']:.1f} | {p['p95_ms']:.1f} |")


if __name__ == "__main__":
    main()
