"""Transparency log: append rate, proof latency and `audit verify` time at growing log sizes,
beside the physical floor measured in the same run: `sha256sum` over the same entry bytes.

    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python bench/transparency_bench.py            # its tables are replaced
    BENCH_LOG_SIZES=10000,100000,1000000 .venv/bin/python bench/transparency_bench.py

Entries are appended in batches of 1,000 through `services.append_entries` (the path every
publication takes, one head lock per batch) and committed, so that a checkpoint is signed per
batch. Proofs are `services.inclusion_proof` / `consistency_proof` for random indexes, read
from the stored complete subtrees. Goals (issue 10): verify 1,000,000 entries in under 60 s and
100,000 in under 10 s on a 2-core machine; proofs under 20 ms.
"""

from __future__ import annotations

import base64
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app
from portal.extensions import db
from portal.transparency import audit, services

BATCH = 1000
PROOFS = 200
SIZES = [int(size) for size in os.environ.get("BENCH_LOG_SIZES", "10000,100000").split(",")]


def _entry(index: int) -> tuple[str, str, datetime, bytes]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    record = {"code": f"BENCH-{index}", "name_zh": "演示收费", "name_en": "Bench fee",
              "amount": f"{index % 1000}.00", "effective_from": "2026-01-01"}
    return "bench", f"bench:{index}", at, services.envelope("bench", f"bench:{index}", at, record)


def _grow(target: int, size: int) -> tuple[int, float]:
    """Append entries up to ``target``; the seconds it took."""
    started = time.perf_counter()
    while size < target:
        count = min(BATCH, target - size)
        services.append_entries([_entry(index) for index in range(size, size + count)])
        db.session.commit()
        size += count
    return size, time.perf_counter() - started


def _proof_ms(size: int) -> tuple[float, float]:
    """p50 and p95 of one inclusion and one consistency proof, in ms."""
    rng = random.Random(size)
    timings = []
    for _ in range(PROOFS):
        started = time.perf_counter()
        services.inclusion_proof(rng.randrange(size), size)
        services.consistency_proof(rng.randrange(1, size), size)
        timings.append((time.perf_counter() - started) * 1000 / 2)
        db.session.rollback()  # a fresh read each time, nothing cached by the session
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def _floor_seconds(size: int, folder: Path) -> float:
    """sha256sum over a file of the same bytes as the first ``size`` entries."""
    path = folder / "entries.bin"
    with path.open("wb") as out:
        for index in range(size):
            out.write(_entry(index)[3])
    started = time.perf_counter()
    subprocess.run([shutil.which("sha256sum") or "sha256sum", str(path)], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
                          "LOG_SIGNING_KEY": base64.b64encode(b"bench-signing-seed".ljust(32, b"."))
                          .decode()})
        rows = []
        with app.app_context():
            db.drop_all()
            db.create_all()
            services.create_head()
            db.session.commit()
            size = 0
            for target in SIZES:
                before = size
                size, seconds = _grow(target, size)
                p50, p95 = _proof_ms(size)
                started = time.perf_counter()
                summary = audit.verify()
                verify_seconds = time.perf_counter() - started
                assert summary.entries == size, summary
                rows.append((size, (size - before) / seconds, p50, p95, verify_seconds,
                             _floor_seconds(size, Path(tmp))))
            db.session.remove()
            db.engine.dispose()
    backend = url.split(":", 1)[0]
    print(f"### Transparency log ({backend}, {date.today().isoformat()})\n")
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; appends in "
          f"batches of {BATCH}, each committed with its signed checkpoint; {PROOFS} random "
          "inclusion and consistency proofs per size.\n")
    print("| Entries | Appends/s | Proof p50 ms | Proof p95 ms | `audit verify` s | "
          "`sha256sum` s (floor) | verify / floor |")
    print("|---|---|---|---|---|---|---|")
    for size, rate, p50, p95, verify_seconds, floor in rows:
        print(f"| {size:,} | {rate:,.0f} | {p50:.2f} | {p95:.2f} | {verify_seconds:.2f} | "
              f"{floor:.3f} | {verify_seconds / max(floor, 1e-6):.0f} |")


if __name__ == "__main__":
    main()
