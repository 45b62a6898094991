"""A gunicorn worker loads only what serving needs (each library stays in every worker's
memory: issue 15's 120 MiB a worker). Alembic came back once through the backup command's
import, and prometheus-client through the metrics."""

from __future__ import annotations

import subprocess
import sys

from portal import ROOT

HEAVY = ("alembic", "flask_migrate", "prometheus_client", "prometheus_flask_exporter", "numpy",
         "scipy", "highspy", "PIL", "pypdf")


def test_a_web_worker_loads_no_heavy_library(tmp_path):
    script = (
        "import sys, gunicorn\n"  # as in a worker: create_app sees gunicorn loaded
        "from portal import create_app\n"
        f"create_app({{'SECRET_KEY': 'x', 'DATABASE_URL': 'sqlite:///{tmp_path}/w.sqlite3'}})\n"
        f"print(sorted(name for name in {HEAVY!r} if name in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
