"""Service commitments: each promise with its target, versioned like tariffs, beside the
measured performance (imported monthly figures, or computed from the complaints)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.core import domains
from portal.core.domains import NavItem


def init_app(app: Flask) -> None:
    """Register the public, staff and API pages of commitments and ``flask commitments``."""
    from portal.accounts.roles import Permission
    from portal.commitments import (  # noqa: F401
        api,
        computed,
        demo,
        models,
        records,
        staff_views,
        views,
    )
    from portal.commitments.blueprint import api as api_blueprint
    from portal.commitments.blueprint import public, staff
    from portal.commitments.cli import commitments_cli

    for blueprint in (public, staff, api_blueprint):
        app.register_blueprint(blueprint)
    app.cli.add_command(commitments_cli)
    records.register(app)
    app.add_template_global(computed.times_measured, "commitment_times")
    domains.add_navigation(
        app,
        NavItem("commitments.overview", _l("Commitments"), position=45),
        NavItem("commitments_staff.index", _l("Manage commitments"),
                Permission.MANAGE_COMMITMENTS, position=135))
    domains.add_demo_loader(app, "commitments", demo.load)
