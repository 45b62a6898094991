"""Schemathesis against the running portal: every operation of /api/openapi.json, over HTTP,
with the demo data and a partner's key. No 500, every answer within its schema and media
type, every status and header documented, 405 for methods an operation does not take.

Not checked: that every request the schema allows is accepted, and every one it does not is
refused (schemathesis' positive and negative data checks): some rules join parameters (a range
of at most 90 days, an index below the log's size) or rest on the data (a district with cases),
which a schema cannot say. Bounded: ``PORTAL_FUZZ_EXAMPLES`` examples per operation (25), with
a fixed seed (``PORTAL_FUZZ_SEED``; another seed explores other inputs)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from portal.core.models import utcnow
from portal.extensions import db
from portal.open311 import keys
from tests.page_types import demo_app

EXAMPLES = os.environ.get("PORTAL_FUZZ_EXAMPLES", "25")
SEED = os.environ.get("PORTAL_FUZZ_SEED", "20261129")
CHECKS = "all"
NOT_CHECKED = "positive_data_acceptance,negative_data_rejection"
shared_demo_app = pytest.fixture(scope="module", name="demo_app")(demo_app)


@pytest.fixture(scope="module")
def served(demo_app: Any) -> Iterator[tuple[str, str]]:
    """The portal on a free local port, and a partner's key for filing."""
    with demo_app.app_context():
        _row, key = keys.create("fuzzer", "schemathesis", "测试渠道", utcnow())
        db.session.commit()
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", key
    server.shutdown()


def test_every_operation_answers_as_described(served: tuple[str, str], tmp_path: Path) -> None:
    base, key = served
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"body.api_key" = "{key}"\n', encoding="utf-8")
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config),
               "run", f"{base}/api/openapi.json", "--checks", CHECKS, "--exclude-checks",
               NOT_CHECKED, "--max-examples", EXAMPLES, "--seed", SEED, "--workers", "2",
               "--request-timeout", "30", "--no-color"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "36/36" in result.stdout or "Selected:" in result.stdout
