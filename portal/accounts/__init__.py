"""Accounts for staff, committee members and administrators (residents never need one)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.core import domains, redirects
from portal.core.domains import NavItem


def init_app(app: Flask) -> None:
    """Register login and account pages, the administrators' pages and ``flask users``."""
    from portal.accounts import demo, models, services, staff_views, views  # noqa: F401
    from portal.accounts.blueprint import public, staff
    from portal.accounts.cli import users_cli
    from portal.accounts.roles import Permission

    app.register_blueprint(public)
    app.register_blueprint(staff)
    app.cli.add_command(users_cli)
    redirects.moved(app, "/accounts/users", "/staff/accounts/users")
    domains.add_private_tables(app, "users")  # no public page names a staff account
    domains.add_navigation(app, NavItem("accounts_staff.users", _l("Accounts"),
                                        Permission.MANAGE_USERS, position=190))
    domains.add_demo_loader(app, "accounts", demo.load)
    domains.add_key_rotation(app, services.rotate_secrets)
