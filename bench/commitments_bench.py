"""Service commitments: the overview page's latency with the demo's commitments and 24 months of
figures in every district, and with 100 times the history (2,400 months), beside ``/healthz``
in the same run.

    .venv/bin/python bench/commitments_bench.py            # SQLite in a temporary folder
    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/commitments_bench.py        # PostgreSQL (its tables are replaced)

The overview reads only the last twelve months of each commitment, so more history should cost
nothing; disclosure control runs when figures are imported (here: when they are generated), so a
request only reads what it decided. Prints a Markdown section; bench/RESULTS.md
keeps the last one.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench._harness import get, gunicorn, throughput
from portal import create_app
from portal.commitments import demo, performance
from portal.commitments.models import Measurement, MeasurementState
from portal.complaints.models import District
from portal.complaints.reference import load as load_reference
from portal.core.models import utcnow
from portal.extensions import db

CLIENTS, SECONDS, COLD_ROUNDS = 4, 6.0, 3
LAST = date(2026, 10, 1)


def _months(count: int) -> list[date]:
    found, year, month = [], LAST.year, LAST.month
    for _ in range(count):
        found.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def populate(url: str, months: int) -> int:
    """The demo's commitments, and ``months`` months of figures in every district."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference()
        demo.publish_commitments(utcnow())  # the versions; the figures follow in bulk
        db.session.flush()
        districts = list(db.session.scalars(sa.select(District.code)))
        commitments = db.session.execute(sa.text(
            "SELECT id FROM commitments WHERE source = 'imported'")).scalars().all()
        chance = random.Random(7)
        rows = []
        for commitment_id in commitments:
            for month in _months(months):
                for district in districts:
                    cases = chance.randint(0, 400)
                    median = chance.randint(10, 60)
                    rows.append({"commitment_id": commitment_id, "month": month,
                                 "district_code": district, "cases": cases,
                                 "within_target": chance.randint(0, cases), "median": median,
                                 "p90": median + chance.randint(0, 40)})
        for start in range(0, len(rows), 20_000):
            db.session.execute(sa.insert(Measurement), rows[start:start + 20_000])
        # How each count is published: disclosure control for the last 24 months, as an
        # import decides it; older months (which the overview never reads) get a state row per
        # district in bulk, so that the table is as large as a real history makes it.
        recent = _months(24)
        states = []
        for commitment_id in commitments:
            for month in _months(months):
                if month in recent:
                    performance.restate(commitment_id, month, {})
                else:
                    states.extend({"commitment_id": commitment_id, "month": month,
                                   "area": area, "state": "published"}
                                  for area in ["", *districts])
        for start in range(0, len(states), 20_000):
            db.session.execute(sa.insert(MeasurementState), states[start:start + 20_000])
        db.session.commit()
        db.engine.dispose()
        return len(rows)


def cold(url: str) -> list[float]:
    """The overview's first request after each start of a fresh single worker."""
    found = []
    for _ in range(COLD_ROUNDS):
        with gunicorn(url, workers=1) as port:
            get(port, "/healthz")
            started = time.perf_counter()
            status, _ = get(port, "/commitments/")
            assert status == 200, status
            found.append((time.perf_counter() - started) * 1000)
    return found


def measure(url: str, months: int) -> dict[str, object]:
    count = populate(url, months)
    cold_ms = cold(url)
    with gunicorn(url, workers=2) as port:
        for path in ("/healthz", "/commitments/", "/commitments/?lang=en"):
            get(port, path)
        health = throughput(port, ["/healthz"], CLIENTS, SECONDS)
        overview = throughput(port, ["/commitments/", "/commitments/?lang=en"], CLIENTS,
                              SECONDS)
    return {"months": months, "rows": count, "cold": cold_ms, "health": health,
            "overview": overview}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        results = [measure(url, months) for months in (24, 2_400)]
    backend = url.split(":", 1)[0]
    print(f"### Service commitments ({backend}, {date.today().isoformat()})\n")
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; gunicorn "
          f"2 sync workers; {CLIENTS} keep-alive clients for {SECONDS:.0f} s per call; cold: "
          f"the first request after a fresh start of one worker, {COLD_ROUNDS} starts.\n")
    print("| History | Figures | `/healthz` p50 ms | Overview p50 ms | Overview p95 ms | "
          "Overview p50 / `/healthz` p50 | Overview cold ms (median) |")
    print("|---|---|---|---|---|---|---|")
    for result in results:
        health, overview = result["health"], result["overview"]
        assert isinstance(health, dict) and isinstance(overview, dict)
        cold_ms = sorted(result["cold"])  # type: ignore[call-overload]
        print(f"| {result['months']:,} months | {result['rows']:,} | {health['p50_ms']:.1f} | "
              f"{overview['p50_ms']:.1f} | {overview['p95_ms']:.1f} | "
              f"{overview['p50_ms'] / health['p50_ms']:.1f} | {cold_ms[len(cold_ms) // 2]:.0f} |")


if __name__ == "__main__":
    main()
