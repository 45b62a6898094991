"""Anonymised statistics and open data: figures computed by the database from the complaints,
published through one disclosure-control module, as a dashboard, downloads, an API and monthly
snapshots."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.core import domains
from portal.core.domains import NavItem


def _demo(now: datetime) -> list[str]:
    """Compute the figures of the demo data (the complaints' demo cases)."""
    from portal.stats import refresh, snapshots

    run = refresh.refresh(now)
    snapshots.take_due(run, now)
    return []


def init_app(app: Flask) -> None:
    """Register the dashboard, the open-data API, ``flask stats`` and the snapshots' log kind."""
    from portal.stats import (  # noqa: F401
        api,
        catalogue,
        models,
        opendata,
        panels,
        query,
        refresh,
        snapshots,
        views,
    )
    from portal.stats.blueprint import api as api_blueprint
    from portal.stats.blueprint import public
    from portal.stats.cli import stats_cli
    from portal.stats.forms import period_name

    for blueprint in (public, api_blueprint):
        app.register_blueprint(blueprint)
    app.cli.add_command(stats_cli)
    snapshots.register(app)
    app.add_template_global(period_name, "period_label")
    app.add_template_global(lambda dim: str(catalogue.DIMENSIONS[dim].title), "dimension_title")
    app.add_template_global(opendata.rate, "stats_rate")
    app.add_template_global(panels.times_rows, "times_rows")
    app.add_template_filter(panels.embed_args, "embed_args")
    app.add_template_global(panels.scope, "stats_scope")
    app.add_template_global(opendata.citation, "stats_citation")
    app.add_template_global(query.granularity_names, "granularity_text")
    domains.add_navigation(app, NavItem("stats.dashboard", _l("Statistics"), position=58))
    domains.add_demo_loader(app, "stats", _demo)
    domains.add_listing_hold(app, refresh.holds_listing)
