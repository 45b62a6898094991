"""Open311 GeoReport v2 for partner channels (hotlines, civic apps): they file complaints with
an API key and read the published cases; staff see each key's use on the partners' page."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.core import domains
from portal.core.domains import NavItem


def init_app(app: Flask) -> None:
    """Register the Open311 endpoint, the partners' page and ``flask apikeys``."""
    from flask import request

    from portal.accounts.roles import Permission
    from portal.open311 import demo, models, staff_views, views  # noqa: F401  (routes, models)
    from portal.open311.blueprint import PREFIX, open311, staff
    from portal.open311.cli import apikeys_cli
    from portal.open311.formats import Open311Error, error_response, format_of

    app.register_blueprint(open311)
    app.register_blueprint(staff)
    app.cli.add_command(apikeys_cli)
    domains.add_private_tables(app, "api_keys")  # each request counts in its key's row
    domains.add_error_body(app, PREFIX, lambda status, message: error_response(
        format_of(request.path), [Open311Error(status, message)]))
    domains.add_navigation(app, NavItem("open311_staff.index", _l("Partners"),
                                        Permission.MANAGE_PARTNERS, position=160))
    domains.add_demo_loader(app, "open311", demo.load)
