"""Lists at scale (issue 15): the public cases (page 1, and filtered by a category) and the staff
inbox (page 1; pages 200 and 500, the deepest it numbers, reached by the previous page's link;
page 200 typed as ``?page=200``) at 1,000, 100,000 and 1,000,000 complaints, each size's p95
against the p95 at 1,000. PostgreSQL only (its tables are replaced):

    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_lists \\
        .venv/bin/python bench/lists_bench.py
    PORTAL_BENCH_SIZES=1000,100000 ...            # fewer sizes

The complaints are written with COPY (a million in about a minute): five years of cases, 3 % still
open or with the committee, a quarter of the finished ones published. The pages are asked in
process (Flask's test client, one at a time) with the page cache off, so that each request
runs the list's queries: what a reader gets after each publication, and what the staff inbox
always costs. Prints a Markdown section; bench/RESULTS.md keeps the last one.
"""

from __future__ import annotations

import html
import os
import platform
import random
import re
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench._harness import fresh_database, percentiles
from portal import create_app
from portal.accounts import services as accounts
from portal.extensions import db
from tests.conftest import TEST_DATA_KEY, AuthActions

SIZES = tuple(int(n) for n in os.environ.get(
    "PORTAL_BENCH_SIZES", "1000,100000,1000000").split(","))
REQUESTS = int(os.environ.get("PORTAL_BENCH_REQUESTS", "200"))
OPEN = ("registered", "accepted", "in_progress", "reopened", "escalated")
COLUMNS = ("id", "tracking_number", "year", "sequence", "submission_digest", "code_hash", "type",
           "category_code", "district_code", "subject", "description", "consent_contact",
           "consent_publish", "language", "status", "registered_at", "first_contact_due_at",
           "reply_due_at", "replied_at", "closed_at", "reopen_count", "public_summary",
           "summary_approved_at", "public_id", "listed_at")


def _row(n: int, rng: random.Random, codes: tuple[list[str], list[str]], now: datetime
         ) -> tuple[Any, ...]:
    registered = now - timedelta(seconds=rng.randrange(5 * 365 * 86400))
    recent = now - registered < timedelta(days=30)
    still_open = (recent and rng.random() < 0.6) or rng.random() < 0.01
    status = rng.choice(OPEN) if still_open else "closed"
    published = status == "closed" and rng.random() < 0.25
    replied = None if still_open else registered + timedelta(days=rng.randint(1, 9))
    return (n, f"BENCH{n:012d}", registered.year, n, f"{n:064x}", "-", "complaint",
            rng.choice(codes[0]), rng.choice(codes[1]), "基准测试工单", "基准测试用的虚构描述。",
            False, published, "zh_Hans_CN", status, registered, registered + timedelta(days=1),
            registered + timedelta(days=10), replied, replied, 0,
            "基准测试的公开摘要。" if published else None,
            replied + timedelta(hours=1) if published and replied else None,
            f"B{n:011d}" if published else None,
            replied + timedelta(hours=1) if published and replied else None)


def generate(url: str, count: int) -> float:
    """Replace the complaints with ``count`` generated ones (COPY); returns the seconds taken."""
    started = time.monotonic()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("TRUNCATE complaints CASCADE"))
            codes = ([c for (c,) in connection.execute(sa.text(
                "SELECT code FROM complaint_categories ORDER BY code"))],
                [d for (d,) in connection.execute(sa.text(
                    "SELECT code FROM districts ORDER BY code"))])
            rng, now = random.Random(count), datetime.now(UTC)
            cursor = connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY complaints ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for n in range(1, count + 1):
                    copy.write_row(_row(n, rng, codes, now))
            # Written behind the portal's back: say that the public data changed.
            connection.execute(sa.text("UPDATE public_changes SET generation = generation + 1, "
                                       "changed_at = now() WHERE id = 1"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE complaints"))
            # The writes flushed now, not while the lists are measured.
            connection.execute(sa.text("CHECKPOINT"))
    finally:
        engine.dispose()
    return time.monotonic() - started


def prepare(url: str) -> tuple[Flask, FlaskClient, FlaskClient]:
    """The portal without its page cache, an anonymous reader and a signed-in staff member."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
                      "RATELIMIT_ENABLED": False, "PAGE_CACHE": False,
                      "DATA_KEY": TEST_DATA_KEY, "CODE_PEPPER": "bench"})
    with app.app_context():
        user = accounts.create_user("bench-staff", "Bench", "staff", "correct horse battery")
        accounts.enrol(user)
        db.session.commit()
    public, staff = app.test_client(), app.test_client()
    signed_in = AuthActions(app, staff).login("bench-staff")
    if signed_in.status_code != 302:
        raise RuntimeError(f"the bench's staff account could not log in ({signed_in.status_code})")
    return app, public, staff


def _reached(staff: FlaskClient, number: int) -> str:
    """Page ``number`` of the inbox as a reader reaches it: the "next page" link of the page
    before (found by its place in the list). A shorter inbox has no such link: its page
    ``number`` is its last page, asked by number."""
    before = staff.get(f"/staff/complaints/?page={number - 1}").get_data(as_text=True)
    link = re.search(r'rel="next" href="([^"]+)"', before)
    return html.unescape(link.group(1)) if link else f"/staff/complaints/?page={number}"


def measure(app: Flask, public: FlaskClient, staff: FlaskClient) -> dict[str, dict[str, float]]:
    """p50/p95 of each list, and its SQL statements, asked one at a time."""
    with app.app_context():
        category = db.session.scalar(sa.text(
            "SELECT category_code FROM complaints GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"))
        engine = db.engine
    lists = {"public cases": (public, "/complaints/public"),
             "public cases by category": (public, f"/complaints/public?category={category}"),
             "staff inbox": (staff, "/staff/complaints/"),
             "staff inbox page 200": (staff, _reached(staff, 200)),
             # The deepest page the inbox numbers (it counts 10,000 cases at most).
             "staff inbox page 500": (staff, _reached(staff, 500)),
             "staff inbox ?page=200 typed": (staff, "/staff/complaints/?page=200")}
    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    results = {}
    for name, (client, path) in lists.items():
        for _ in range(20):  # warm: the index pages read, the templates compiled
            answer = client.get(path)
            if answer.status_code != 200:
                raise RuntimeError(f"{path}: {answer.status_code}")
        sa.event.listen(engine, "before_cursor_execute", count)
        seen[0] = 0
        client.get(path)
        statements = seen[0]
        sa.event.remove(engine, "before_cursor_execute", count)
        latencies = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            client.get(path)
            latencies.append(time.perf_counter() - started)
        results[name] = {**percentiles(latencies), "sql": statements}
    return results


def main() -> None:
    url = os.environ.get("PORTAL_BENCH_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        print("Lists at scale: skipped; set PORTAL_BENCH_DATABASE_URL to a PostgreSQL "
              "database (its tables are replaced).")
        return
    fresh_database(url)
    app, public, staff = prepare(url)
    by_size, took = {}, {}
    for size in SIZES:
        took[size] = generate(url, size)
        by_size[size] = measure(app, public, staff)
    print(f"### Lists at scale (postgresql, {date.today().isoformat()})\n")
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; in process, "
          f"one request at a time, {REQUESTS} requests per list, page cache off. Generated "
          "with COPY in " + ", ".join(f"{took[s]:.0f} s ({s:,})" for s in SIZES) + ".\n")
    sizes = " | ".join(f"p95 ms at {s:,}" for s in SIZES)
    print(f"| List | {sizes} | p95 at {SIZES[-1]:,} / at {SIZES[0]:,} | p50 ms at each size "
          f"| p50 ratio | SQL |")
    print("|---|" + "---|" * len(SIZES) + "---|---|---|---|")
    for name in by_size[SIZES[0]]:
        cells = " | ".join(f"{by_size[s][name]['p95_ms']:.1f}" for s in SIZES)
        ratio = by_size[SIZES[-1]][name]["p95_ms"] / by_size[SIZES[0]][name]["p95_ms"]
        medians = " / ".join(f"{by_size[s][name]['p50_ms']:.1f}" for s in SIZES)
        median_ratio = by_size[SIZES[-1]][name]["p50_ms"] / by_size[SIZES[0]][name]["p50_ms"]
        counts = "/".join(str(by_size[s][name]["sql"]) for s in SIZES)
        print(f"| {name} | {cells} | **{ratio:.2f}** | {medians} | {median_ratio:.2f} "
              f"| {counts} |")


if __name__ == "__main__":
    main()
