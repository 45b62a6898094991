"""Clearly fictitious demo data, loaded by ``flask --app portal demo load``.

Each domain registers its own loader (``domains.add_demo_loader``); this package keeps track of
which data sets a database holds and refuses to touch real data.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register ``flask demo``."""
    from portal.demo import models  # noqa: F401  (the table of loaded data sets)
    from portal.demo.cli import demo_cli

    app.cli.add_command(demo_cli)
