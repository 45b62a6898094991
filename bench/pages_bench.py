"""Public pages and open-data calls against their floors, in the same run (issue 15).

    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_pages \\
        .venv/bin/python bench/pages_bench.py      # its tables are replaced
    .venv/bin/python bench/pages_bench.py          # SQLite in a temporary folder

The portal (demo data, statistics refreshed) and a bare Flask page of the same size (one Jinja
template, no database: ``bench/bare``) are served by gunicorn with the same settings (4 workers
x 4 threads). Each measure runs its floor and its target in turn, three times, 20 keep-alive
anonymous clients for a few seconds each; the ratio of their throughputs is reported as the
median of the three with its spread. Pages are measured against the bare page, the APIs against
the portal's ``/healthz``. Then the SQL statements each page runs (counted in process) and the
resident memory of each worker after the load. Prints a Markdown section; bench/RESULTS.md
keeps the last one.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench._harness import fresh_database, get, gunicorn, throughput, worker_rss_mib
from portal import create_app
from portal.extensions import db

CLIENTS = int(os.environ.get("PORTAL_BENCH_CLIENTS", "20"))
SECONDS = float(os.environ.get("PORTAL_BENCH_SECONDS", "6"))
ROUNDS, WORKERS, THREADS = 3, 4, 4
PAGES = {
    "home": ["/"],
    "tariff index": ["/tariffs/"],
    "tariff page": ["/tariffs/RES-TIER-ZJ", "/tariffs/RES-TOU-ZJ", "/tariffs/LI-DEM-10KV"],
    "fee list": ["/fees/"],
    "abolished fees": ["/fees/abolished"],
    "public cases (page 1)": ["/complaints/public"],
    "about": ["/about"],
}
APIS = {
    "calculator API": [f"/api/v1/tariffs/RES-TIER-ZJ/bill?kwh={k}" for k in range(0, 8000, 37)],
    "`/api/v1/tariffs`": ["/api/v1/tariffs"],
}
LANGUAGE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def populate(url: str) -> None:
    """Migrations, demo data and statistics, as ``make run`` does."""
    fresh_database(url, ("db", "upgrade"), ("demo", "load"), ("stats", "refresh"))


def statements(url: str, paths: dict[str, list[str]]) -> dict[str, tuple[int, int]]:
    """SQL statements of the first request for each page (built; the categories, districts and
    prices that each process reads once are read by then) and of the next one (kept), counted
    on every engine, with the public-changes counter read from the database on each request
    (as on SQLite, or while a process is not listening)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
                      "PAGE_CACHE_LISTEN": False})
    counts: dict[str, tuple[int, int]] = {}
    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    client = app.test_client()
    for group in paths.values():  # what each process reads once
        client.get(group[0] + ("&" if "?" in group[0] else "?") + "warm=1", headers=LANGUAGE)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        for name, group in paths.items():
            seen[0] = 0
            client.get(group[0], headers=LANGUAGE)
            built = seen[0]
            seen[0] = 0
            client.get(group[0], headers=LANGUAGE)
            counts[name] = (built, seen[0])
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    with app.app_context():
        db.engine.dispose()
    return counts


@contextmanager
def servers(url: str) -> Iterator[tuple[int, int, list[int]]]:
    """(portal port, bare page port, [portal master pid])."""
    pids: list[int] = []
    with gunicorn(url, WORKERS, THREADS, pids=pids) as portal, \
            gunicorn(url, WORKERS, THREADS, app="bench.bare:create_app()") as bare:
        yield portal, bare, pids


def compare(floor: tuple[int, list[str]], target: tuple[int, list[str]]
            ) -> dict[str, Any]:
    """Floor and target in turn, ROUNDS times: the median ratio, its spread and the target's
    last figures."""
    ratios, last = [], {}
    for _ in range(ROUNDS):
        low = throughput(floor[0], floor[1], CLIENTS, SECONDS, headers=LANGUAGE)
        last = throughput(target[0], target[1], CLIENTS, SECONDS, headers=LANGUAGE)
        if last["failures"]:
            raise RuntimeError(f"{target[1][0]}: {last['failures']} failures")
        ratios.append(last["rps"] / low["rps"])
    return {"ratio": statistics.median(ratios), "low": min(ratios), "high": max(ratios),
            "floor_rps": low["rps"], **last}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        populate(url)
        counts = statements(url, {**PAGES, **APIS})
        results: dict[str, dict[str, Any]] = {}
        with servers(url) as (portal, bare, pids):
            for group in [*PAGES.values(), *APIS.values(), ["/healthz"]]:
                get(portal, group[0])
            get(bare, "/")
            for name, paths in PAGES.items():
                results[name] = compare((bare, ["/"]), (portal, paths))
            for name, paths in APIS.items():
                results[name] = compare((portal, ["/healthz"]), (portal, paths))
            memory = worker_rss_mib(pids[0])
    report(url, results, counts, memory)


def report(url: str, results: dict[str, dict[str, Any]], counts: dict[str, tuple[int, int]],
           memory: list[float]) -> None:
    """The Markdown section."""
    backend = url.split(":", 1)[0]
    print(f"### Public pages ({backend}, {date.today().isoformat()})\n")
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; gunicorn "
          f"{WORKERS} workers x {THREADS} threads for both servers; {CLIENTS} keep-alive "
          f"anonymous clients on the same machine, {SECONDS:.0f} s per run, {ROUNDS} rounds "
          "of floor then target.\n")
    print("| What | Floor | Ratio (median) | Spread | Requests/s | p50 ms | p95 ms "
          "| SQL built / kept |")
    print("|---|---|---|---|---|---|---|---|")
    for name, result in results.items():
        floor = "`/healthz`" if name in APIS else "bare page"
        print(f"| {name} | {floor} | **{result['ratio']:.2f}** | "
              f"{result['low']:.2f}–{result['high']:.2f} | {result['rps']:.0f} | "
              f"{result['p50_ms']:.1f} | {result['p95_ms']:.1f} | "
              f"{counts[name][0]} / {counts[name][1]} |")
    print(f"\nResident memory per worker after the load: "
          f"{', '.join(f'{size:.0f}' for size in memory)} MiB.")


if __name__ == "__main__":
    main()
