"""Statistics: each dashboard view and stats API call, warm and cold, at 10,000 / 100,000 /
1,000,000 complaints, beside ``/healthz`` and beside a raw SQL ``GROUP BY`` of the same figures
over the ``complaints`` table, in the same run.

    .venv/bin/python bench/stats_bench.py                    # 10k, 100k and 1M complaints
    BENCH_QUICK=1 .venv/bin/python bench/stats_bench.py      # 10k only, shorter (make bench)
    .venv/bin/python bench/stats_bench.py --sizes 100000,1000000 --write-results \
        --also /complaints/public                            # an existing page beside them

Each size has its own PostgreSQL database: ``$PORTAL_BENCH_STATS_DATABASE_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/stats_bench``) with ``_10k``, ``_100k``, ``_1m``
appended. A database that does not hold the complaints ``bench/stats_data.py`` generates for
this size (``BENCH_NOW``, seed ``SEED``) is dropped and generated again (a million take about
two minutes); one that does is kept and only migrated. Then ``flask --app portal stats
refresh`` rebuilds the pre-aggregated tables (timed), and the portal is served by gunicorn:

- cold: the first request for a call after gunicorn was restarted with an empty cache (each
  process's memory; with ``PORTAL_CACHE_REDIS_URL`` the portal's keys in that Redis are deleted
  before each start), ``COLD_ROUNDS`` restarts per call, one worker;
- warm: as ``gunicorn.conf.py`` serves (4 sync workers), after each worker has answered the
  call, ``CLIENTS`` keep-alive clients ask for it over and over for ``SECONDS``;
- raw SQL: the nearest single ``GROUP BY`` of the same figures straight on ``complaints``,
  through psycopg, ``RAW_RUNS`` times after one run to warm PostgreSQL's buffers.

A call that answers 404 (not written yet) is reported as missing. Targets (issue): under 300 ms
p95 warm and under 2 s cold for every call at 1,000,000 complaints.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stats_data
from bench._harness import ROOT, get, gunicorn, throughput
from portal.core.cache import key_prefix

Q3 = ("2026-07-01 00:00+08", "2026-10-01 00:00+08")
YEAR_2026 = ("2026-01-01 00:00+08", "2027-01-01 00:00+08")
YEAR_2025 = ("2025-01-01 00:00+08", "2026-01-01 00:00+08")
DISTRICT = "CENTRAL"  # the largest district, for the dashboard of one district
# Raw SQL: what a page computes, as one statement straight on the complaints (periods are
# local, Asia/Shanghai).
BY_CATEGORY_DISTRICT = """
    SELECT category_code, district_code, count(*) FROM complaints
    WHERE registered_at >= %s AND registered_at < %s GROUP BY 1, 2"""


@dataclass(frozen=True)
class Call:
    """A page or API call, and the raw SQL that computes the same figures from ``complaints``."""

    path: str
    sql: str
    parameters: tuple[str, ...]


CALLS = [
    Call("/stats/?period=2026-Q3", """
         SELECT category_code, district_code, count(*),
                count(*) FILTER (WHERE replied_at <= reply_due_at),
                count(*) FILTER (WHERE status IN ('closed', 'withdrawn', 'rejected', 'decided'))
         FROM complaints WHERE registered_at >= %s AND registered_at < %s GROUP BY 1, 2""", Q3),
    Call(f"/stats/?period=2026-Q3&district={DISTRICT}", """
         SELECT category_code, count(*), count(*) FILTER (WHERE replied_at <= reply_due_at),
                count(*) FILTER (WHERE status IN ('closed', 'withdrawn', 'rejected', 'decided'))
         FROM complaints WHERE registered_at >= %s AND registered_at < %s
         AND district_code = %s GROUP BY 1""", (*Q3, DISTRICT)),
    Call("/stats/districts?period=2025", """
         SELECT c.district_code, count(*), count(*) * 10000.0 / d.customers
         FROM complaints c JOIN districts d ON d.code = c.district_code
         WHERE c.registered_at >= %s AND c.registered_at < %s
         GROUP BY c.district_code, d.customers""", YEAR_2025),
    Call("/stats/embed/categories?period=2026-Q3", """
         SELECT category_code, count(*) FROM complaints
         WHERE registered_at >= %s AND registered_at < %s GROUP BY 1""", Q3),
    Call("/api/v1/stats/complaints?group_by=category,district&period=2026-Q3",
         BY_CATEGORY_DISTRICT, Q3),
    Call("/api/v1/stats/complaints.csv?group_by=category,district&period=2026-Q3",
         BY_CATEGORY_DISTRICT, Q3),
    Call("/api/v1/stats/complaints?group_by=district&period=2025-01..2025-12", """
         SELECT district_code, date_trunc('month', registered_at AT TIME ZONE 'Asia/Shanghai'),
                count(*) FROM complaints
         WHERE registered_at >= %s AND registered_at < %s GROUP BY 1, 2""", YEAR_2025),
    Call("/api/v1/stats/times?group_by=category&period=2026-Q3", """
         SELECT category_code, count(replied_at),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY replied_at - registered_at),
                percentile_cont(0.9) WITHIN GROUP (ORDER BY replied_at - registered_at),
                count(*) FILTER (WHERE replied_at <= reply_due_at)
         FROM complaints WHERE registered_at >= %s AND registered_at < %s GROUP BY 1""", Q3),
    # A monthly snapshot: stored once made, served as it is (If-None-Match: 304).
    Call("/api/v1/stats/snapshots/2026-09.zip", BY_CATEGORY_DISTRICT, Q3),
    Call("/api/v1/stats/catalogue", """
         SELECT code, name_zh, name_en FROM complaint_categories
         UNION ALL SELECT code, name_zh, name_en FROM districts""", ()),
]
HEALTHZ = "/healthz"
SIZES = (10_000, 100_000, 1_000_000)
QUICK = os.environ.get("BENCH_QUICK") == "1"
# As gunicorn.conf.py serves: 4 single-threaded workers. Cold requests go to a server of one
# worker: with four, the first one up would answer while the other three still start, on the
# same two cores.
WORKERS, COLD_WORKERS = 4, 1
CLIENTS = 4
SECONDS = 2.0 if QUICK else 5.0
COLD_ROUNDS = 3 if QUICK else 5
RAW_RUNS = 10 if QUICK else 30
DEFAULT_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/stats_bench"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Statistics (`bench/stats_bench.py`)"


@dataclass
class Measured:
    """One call's figures at one size (milliseconds)."""

    path: str
    status: int = 0
    cold: list[float] = field(default_factory=list)
    warm: dict[str, float] = field(default_factory=dict)
    raw: dict[str, float] = field(default_factory=dict)

    @property
    def missing(self) -> bool:
        return self.status == 404


@dataclass
class SizeResult:
    """Everything measured on one database."""

    size: int
    generated: str
    refresh: str
    rows: list[Measured]


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50 and p95 in ms; p95 by nearest rank (of 5 cold requests, the slowest)."""
    ordered = sorted(seconds)
    return {"p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[math.ceil(len(ordered) * 0.95) - 1] * 1000}


def label(size: int) -> str:
    """10000 -> 10k, 1000000 -> 1m (the database's suffix)."""
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def _env(url: str) -> dict[str, str]:
    return {**os.environ, **stats_data.BENCH_ENV, "PORTAL_DATABASE_URL": url}


def prepare(url: str, size: int) -> str:
    """Generate the database unless it holds this size's complaints already; migrate it."""
    wanted = stats_data.marker(size, stats_data.BENCH_NOW, stats_data.SEED)
    if stats_data.generated_with(url) == wanted:
        stats_data.migrate(url)  # tables that came after the generation (the stats domain's)
        return "reused"
    stats_data.ensure_database(url, fresh=True)
    seconds = stats_data.generate(url, size, stats_data.BENCH_NOW, stats_data.SEED)
    return f"{seconds:.1f} s"


def refresh(url: str) -> str:
    """Time ``flask --app portal stats refresh`` twice: on a database whose figures were
    computed before or not (the first run after a generation computes every year), then again
    as the hourly schedule would, nothing having changed (each year's digest is the same)."""
    first = _refresh_once(url)
    if not first.endswith(" s"):
        return first
    return f"{first}, then {_refresh_once(url)} run again"


def _refresh_once(url: str) -> str:
    """Time one refresh; 'missing' if the command does not exist."""
    started = time.perf_counter()
    done = subprocess.run([str(stats_data.FLASK), "--app", "portal", "stats", "refresh"],
                          cwd=ROOT, env=_env(url), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode == 0:
        return f"{seconds:.1f} s"
    if "No such command" in done.stderr:
        return "missing"
    print(done.stderr[-2000:], file=sys.stderr)
    return f"failed (exit {done.returncode})"


def forget_cache(url: str) -> None:
    """Delete this portal's keys from the shared Redis cache, if one is configured."""
    redis_url = os.environ.get("PORTAL_CACHE_REDIS_URL")
    if not redis_url:
        return  # each process's memory: a restart empties it
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{key_prefix(url)}*", count=1000))
    if keys:
        client.delete(*keys)


def raw_sql(url: str, rows: list[Measured]) -> None:
    """Time each call's raw SQL (one run first to warm the buffers)."""
    sql_of = {call.path: call for call in CALLS}
    with psycopg.connect(stats_data.conninfo(url)) as conn:
        for row in rows:
            call = sql_of.get(row.path)
            if call is None:
                continue  # /healthz, or a page measured for comparison (--also)
            timings = []
            for run in range(RAW_RUNS + 1):
                started = time.perf_counter()
                conn.execute(call.sql, call.parameters).fetchall()
                if run:
                    timings.append(time.perf_counter() - started)
            row.raw = percentiles(timings)


def cold(url: str, rows: list[Measured]) -> None:
    """The first request for each call after a restart with an empty cache."""
    for _round in range(COLD_ROUNDS):
        for row in rows:
            if row.missing:
                continue
            forget_cache(url)
            with gunicorn(url, workers=COLD_WORKERS, extra_env=stats_data.BENCH_ENV) as port:
                status, seconds = get(port, row.path)
            row.status = status if row.status in {0, 200} else row.status
            row.cold.append(seconds)


def warm(url: str, rows: list[Measured]) -> None:
    """Many requests for each call, once every worker has answered it."""
    forget_cache(url)
    with gunicorn(url, workers=WORKERS, extra_env=stats_data.BENCH_ENV) as port:
        for row in rows:
            if row.missing:
                continue
            throughput(port, [row.path], WORKERS, 60, max_requests=WORKERS * 3)
            row.warm = throughput(port, [row.path], CLIENTS, SECONDS)


def measure(base: str, size: int, also: list[str]) -> SizeResult:
    """Prepare the database of ``size`` complaints and measure every call on it (and the
    paths ``also``, without raw SQL)."""
    url = f"{base}_{label(size)}"
    print(f"== {size:,} complaints ({make_url(url).render_as_string()})", file=sys.stderr)
    generated = prepare(url, size)
    refreshed = refresh(url)
    rows = [Measured(path) for path in [HEALTHZ, *also, *(call.path for call in CALLS)]]
    raw_sql(url, rows)
    cold(url, rows)
    warm(url, rows)
    return SizeResult(size, generated, refreshed, rows)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "–"
    return f"{value / base:.1f}" if value / base < 10 else f"{value / base:,.0f}"


def _row(row: Measured, health_p95: float | None) -> str:
    raw_p50, raw_p95 = row.raw.get("p50_ms"), row.raw.get("p95_ms")
    if row.missing:  # the raw SQL still says what the figures cost the database
        return (f"| `{row.path}` | missing (404) | – | – | – | – | {_ms(raw_p50)} | "
                f"{_ms(raw_p95)} | – | – | – |")
    cold_p = percentiles(row.cold) if row.cold else {}
    warm_p50, warm_p95 = row.warm.get("p50_ms"), row.warm.get("p95_ms")
    failures = int(row.warm.get("failures", 0))
    status = f"{row.status}" + (f", {failures} failed" if failures else "")
    return (f"| `{row.path}` | {status} | {_ms(cold_p.get('p50_ms'))} | "
            f"{_ms(cold_p.get('p95_ms'))} | {_ms(warm_p50)} | {_ms(warm_p95)} | "
            f"{_ms(raw_p50)} | {_ms(raw_p95)} | {_ratio(warm_p95, health_p95)} | "
            f"{_ratio(warm_p95, raw_p95)} | {_ratio(cold_p.get('p95_ms'), raw_p95)} |")


def report(results: list[SizeResult], server: str) -> str:
    """The Markdown section for bench/RESULTS.md."""
    lines = [f"### Statistics (postgresql+psycopg, {date.today().isoformat()})", "",
             f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"PostgreSQL {server} on the same machine; gunicorn {WORKERS} sync workers; "
             f"warm: {CLIENTS} keep-alive Python clients for {SECONDS:.0f} s per call; cold: "
             f"first request after a restart ({COLD_WORKERS} worker) with an empty cache, "
             f"{COLD_ROUNDS} restarts per call; raw SQL: {RAW_RUNS} runs through psycopg; "
             f"complaints generated by `bench/stats_data.py` for "
             f"{stats_data.BENCH_NOW.isoformat()}, seed {stats_data.SEED}.", ""]
    for result in results:
        health = next(row for row in result.rows if row.path == HEALTHZ)
        lines += [f"#### {result.size:,} complaints", "",
                  f"Generated: {result.generated}; `flask --app portal stats refresh`: "
                  f"{result.refresh}.", "",
                  "| Call | HTTP | Cold p50 ms | Cold p95 ms | Warm p50 ms | Warm p95 ms | "
                  "Raw SQL p50 ms | Raw SQL p95 ms | Warm p95 / `/healthz` p95 | "
                  "Warm p95 / raw SQL p95 | Cold p95 / raw SQL p95 |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        lines += [_row(row, health.warm.get("p95_ms")) for row in result.rows]
        lines.append("")
    lines += _verdict(results)
    return "\n".join(lines).rstrip() + "\n"


def _verdict(results: list[SizeResult]) -> list[str]:
    """Worst warm p95 and cold p95 of the stats calls at each size, against the targets."""
    lines = []
    for result in results:
        stats_paths = {call.path for call in CALLS}
        calls = [row for row in result.rows if row.path in stats_paths]
        present = [row for row in calls if not row.missing and row.warm]
        missing = len(calls) - len(present)
        if not present:
            lines.append(f"- {result.size:,}: no stats call answered yet ({missing} missing).")
            continue
        worst_warm = max(row.warm["p95_ms"] for row in present)
        worst_cold = max(percentiles(row.cold)["p95_ms"] for row in present)
        met = worst_warm < 300 and worst_cold < 2000 and not missing
        lines.append(f"- {result.size:,}: worst warm p95 {worst_warm:.0f} ms (target 300), "
                     f"worst cold p95 {worst_cold:.0f} ms (target 2,000)"
                     + (f", {missing} of {len(calls)} calls missing" if missing else "")
                     + (": **met**." if met else ": **not met**."))
    return lines


def write_results(section: str, path: Path = RESULTS) -> None:
    """Put ``section`` into RESULTS.md in place of the last statistics run (or add it)."""
    text = path.read_text(encoding="utf-8")
    if SECTION not in text:
        text = text.rstrip() + f"\n\n{SECTION}\n\nWhat it does: see the docstring of " \
            "`bench/stats_bench.py`.\n\n"
    head, _sep, tail = text.partition(SECTION)
    start = tail.find("### Statistics (")
    if start < 0:
        tail = tail.rstrip() + "\n\n" + section
    else:
        # The run ends where the notes, the next run or the next benchmark begin.
        ends = [tail.find(marker, start + 1) for marker in ("\nNotes:", "\n### ", "\n## ")]
        end = min((index for index in ends if index >= 0), default=len(tail))
        tail = tail[:start] + section + tail[end:]
    path.write_text(head + SECTION + tail, encoding="utf-8")


def _server(base: str) -> str | None:
    """PostgreSQL's version, or None if the server does not answer."""
    server, _name = stats_data._maintenance(f"{base}_probe")
    try:
        with psycopg.connect(server, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.OperationalError:
        return None
    return str(row[0]).split()[0] if row else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")],
                        default=[SIZES[0]] if QUICK else list(SIZES),
                        help="comma-separated counts (default 10000,100000,1000000; "
                             "BENCH_QUICK=1: 10000)")
    parser.add_argument("--database-url", default=os.environ.get(
        "PORTAL_BENCH_STATS_DATABASE_URL"),
        help=f"base URL, the size's suffix is appended (default {DEFAULT_BASE})")
    parser.add_argument("--also", action="append", default=[], metavar="PATH",
                        help="measure this path too, for comparison (repeatable)")
    parser.add_argument("--write-results", action="store_true",
                        help="also put the section into bench/RESULTS.md")
    args = parser.parse_args()
    base = args.database_url or DEFAULT_BASE
    server = _server(base)
    if server is None:
        if args.database_url:
            raise SystemExit(f"PostgreSQL does not answer at {base}")
        print("Statistics benchmark skipped: it needs PostgreSQL (set "
              "PORTAL_BENCH_STATS_DATABASE_URL).")
        return
    results = [measure(base, size, args.also) for size in args.sizes]
    section = report(results, server)
    print(section)
    if args.write_results:
        write_results(section)


if __name__ == "__main__":
    main()
