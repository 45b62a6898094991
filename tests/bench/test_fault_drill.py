"""``bench/fault_drill.py``: what it counts as lost, duplicated and bad, checked on made-up
answers (the drill itself takes 80 s and a PostgreSQL of its own)."""

from __future__ import annotations

import sqlalchemy as sa

from bench import fault_drill


def test_lost_and_duplicate_receipts_are_counted(tmp_path):
    url = f"sqlite:///{tmp_path / 'drill.sqlite3'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE complaints (tracking_number TEXT)"))
        for number in ("TS-2026-000001", "TS-2026-000002", "TS-2026-000003"):
            connection.execute(sa.text("INSERT INTO complaints VALUES (:n)"), {"n": number})
    engine.dispose()
    receipts = [(1.0, "TS-2026-000001", "AAAA"), (1.5, "TS-2026-000001", "AAAA"),  # shown again
                (2.0, "TS-2026-000002", "BBBB"), (2.5, "TS-2026-000002", "CCCC"),  # two codes
                (3.0, "TS-2026-000009", "DDDD")]  # never stored
    checked = fault_drill._check(url, receipts)
    assert checked["lost (shown, not stored)"] == 1
    assert checked["duplicate numbers"] == 1
    assert checked["stored, receipt never shown"] == 1  # 000003


def test_a_503_without_retry_after_and_no_answer_are_bad(capsys):
    log = fault_drill.Log(started=0.0)
    log.answers = [(1.0, "form", 200, False), (2.0, "send", 503, True),
                   (2.1, "send", 503, False), (2.2, "check", 0, False), (3.0, "send", 201, False)]
    log.receipts = [(3.0, "TS-2026-000001", "AAAA")]
    fault_drill._print(log, {"a fault": (1.5, 2.5)}, {"receipts shown": 1}, 0)
    out = capsys.readouterr().out
    assert "| answers other than 2xx, 3xx or 503 with Retry-After | 2 |" in out
    assert "| a fault | 1.0 | 0 | 2 | 0.1 | 0.5 |" in out
