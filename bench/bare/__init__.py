"""The floor of the page benchmark: a bare Flask page of about 4 KB from one Jinja template, no
database, served by the same gunicorn settings as the portal (``bench/pages_bench.py``)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template


def create_app() -> Flask:
    """A Flask app with one page."""
    app = Flask(__name__, template_folder=str(Path(__file__).parent))
    items = [f"Item {n}: a line of text about the portal's fee standards" for n in range(60)]

    @app.get("/")
    def page() -> str:
        return render_template("page.html", items=items)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
