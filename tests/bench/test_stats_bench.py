"""``bench/stats_bench.py``: database names per size, and its section of bench/RESULTS.md."""

from __future__ import annotations

from bench import stats_bench
from bench.stats_bench import SECTION, Measured, SizeResult, label, report, write_results

OTHER = "# Benchmark results\n\nIntro.\n\n## Complaints (`bench/complaints_bench.py`)\n\nText.\n"


def _run(day: str) -> str:
    return f"### Statistics (postgresql+psycopg, {day})\n\nMachine: 2 cores.\n\n| a |\n|---|\n"


def test_sizes_name_their_databases():
    assert [label(size) for size in stats_bench.SIZES] == ["10k", "100k", "1m"]
    assert label(2500) == "2500"


def test_results_section_is_added_then_replaced(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text(OTHER, encoding="utf-8")
    write_results(_run("2026-11-27"), path)
    first = path.read_text(encoding="utf-8")
    assert first.startswith(OTHER.rstrip()) and SECTION in first and "2026-11-27" in first
    # Notes written by hand below the run, and a later benchmark, stay.
    path.write_text(first + "\nNotes:\n- kept\n\n## Later (`bench/later_bench.py`)\n",
                    encoding="utf-8")
    write_results(_run("2026-12-01"), path)
    second = path.read_text(encoding="utf-8")
    assert "2026-11-27" not in second and second.count("### Statistics (") == 1
    assert "2026-12-01" in second and "- kept" in second and "## Later" in second
    assert second.index("2026-12-01") < second.index("Notes:") < second.index("## Later")


def test_report_marks_missing_calls_and_targets():
    rows = [Measured("/healthz", 200, [0.01], {"p50_ms": 5.0, "p95_ms": 8.0}),
            Measured("/complaints/public", 200, [3.0], {"p50_ms": 900.0, "p95_ms": 990.0}),
            Measured("/stats/?period=2026-Q3", 200, [0.5, 0.7],
                     {"p50_ms": 40.0, "p95_ms": 80.0, "failures": 0},
                     {"p50_ms": 20.0, "p95_ms": 25.0}),
            Measured("/api/v1/stats/times?group_by=category&period=2026-Q3", 404,
                     raw={"p50_ms": 30.0, "p95_ms": 31.0})]
    text = report([SizeResult(10_000, "reused", "1.2 s", rows)], "15.2")
    assert "| `/api/v1/stats/times?group_by=category&period=2026-Q3` | missing (404) | – | – | " \
           "– | – | 30.0 | 31.0 | – | – | – |" in text
    assert "| `/stats/?period=2026-Q3` | 200 | 600 | 700 | 40.0 | 80.0 | 20.0 | 25.0 | 10 | " \
           "3.2 | 28 |" in text
    assert "| `/complaints/public` | 200 | 3000 | 3000 | 900 | 990 | – | – | 124 | – | – |" in text
    # Only the statistics calls count for the targets (not /healthz, not --also pages).
    assert "worst warm p95 80 ms (target 300), worst cold p95 700 ms (target 2,000), " \
           "1 of 2 calls missing: **not met**" in text
