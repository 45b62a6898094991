"""Fee standards: versioned tariffs, service fee items, the bill calculator and bill check."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.core import domains
from portal.core.domains import NavItem


def init_app(app: Flask) -> None:
    """Register the public, staff and API pages of fee standards and ``flask fees``."""
    from portal.accounts.roles import Permission
    from portal.fees import api, bill_views, demo, models, staff_views, views  # noqa: F401
    from portal.fees.blueprint import api as api_blueprint
    from portal.fees.blueprint import public, staff
    from portal.fees.cli import fees_cli

    for blueprint in (public, staff, api_blueprint):
        app.register_blueprint(blueprint)
    app.cli.add_command(fees_cli)
    domains.add_navigation(
        app,
        NavItem("fees.list_tariffs", _l("Tariffs"), position=20),
        NavItem("fees.list_fee_items", _l("Service charges"), position=30),
        NavItem("fees.my_bill", _l("My bill"), position=40),  # short: one header row
        NavItem("fees_staff.index", _l("Manage fees"), Permission.MANAGE_FEES, position=130))
    domains.add_demo_loader(app, "fees", demo.load)
