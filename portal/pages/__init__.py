"""Public pages that belong to no single domain: home, about and privacy, health checks."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.core import domains
from portal.core.domains import NavItem


def init_app(app: Flask) -> None:
    """Register the pages and their navigation links."""
    from portal.pages import api_views, views  # noqa: F401  (the routes of the blueprint)
    from portal.pages.blueprint import public

    app.register_blueprint(public)
    # About and privacy is in every page's footer: the header keeps to what people came for.
    domains.add_navigation(app, NavItem("pages.home", _l("Home"), position=10))
