"""The users' committee: terms and seats apportioned by the fees each customer class pays,
elections and members, meetings, numbered decisions and notices of irregular service. (The
committee's findings on escalated complaints live in ``portal.complaints``.)"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.core import domains
from portal.core.domains import NavItem


def decimal_of(value: Fraction | Decimal | int, places: int) -> Decimal:
    """An exact fraction as a decimal with ``places`` decimals, rounded half up (for display
    and the API only: the calculation keeps the fraction)."""
    fraction = Fraction(value)
    exact = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def class_title(key: str) -> str:
    """The translated name of a customer class given by its value."""
    from portal.fees.enums import CustomerClass

    return CustomerClass(key).title


def init_app(app: Flask) -> None:
    """Register the committee's public, administrators' and API pages and its demo data."""
    from portal.accounts.roles import Permission
    from portal.committee import (  # noqa: F401
        api,
        decision_views,
        decisions,
        demo,
        demo_notices,
        demo_work,
        models,
        notice_views,
        notice_workspace_views,
        records,
        staff_views,
        views,
        workspace_views,
    )
    from portal.committee.blueprint import api as api_blueprint
    from portal.committee.blueprint import public, staff, workspace

    for blueprint in (public, staff, workspace, api_blueprint):
        app.register_blueprint(blueprint)
    records.register(app)
    app.add_template_filter(decimal_of, "exact")
    app.add_template_filter(class_title, "class_title")
    app.add_template_global(class_title, "class_title")
    app.add_template_global(decisions.citing, "decisions_citing")
    domains.add_navigation(
        app,
        NavItem("committee.index", _l("Users' committee"), position=60),
        NavItem("committee_staff.index", _l("Manage the committee"),
                Permission.MANAGE_COMMITTEE, position=140),
        NavItem("committee_workspace.index", _l("Committee work"),
                Permission.COMMITTEE_BUSINESS, position=135))
    domains.add_demo_loader(app, "committee", demo.load)
    # a data set of its own, so that `demo load` adds it to a demo database loaded before it
    domains.add_demo_loader(app, "committee_work", demo_work.load)
    domains.add_demo_loader(app, "committee_notices", demo_notices.load)
