"""Rights-protection complaints: filing without an account, tracking with a secret code,
handling by staff within working-day deadlines, escalation to the users' committee."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.core import domains, redirects
from portal.core.domains import NavItem


def init_app(app: Flask) -> None:
    """Register the public, staff and committee pages of complaints, their daily duties and
    ``flask complaints``."""
    from portal.accounts.roles import Permission
    from portal.complaints import (  # noqa: F401  (routes and models)
        committee_views,
        demo,
        models,
        publicity,
        reference,
        reminders,
        services,
        staff_views,
        views,
    )
    from portal.complaints.blueprint import committee, public, staff
    from portal.complaints.cli import complaints_cli

    for blueprint in (public, staff, committee):
        app.register_blueprint(blueprint)
    app.cli.add_command(complaints_cli)
    redirects.moved(app, "/complaints/staff/", "/staff/complaints/")
    redirects.moved(app, "/complaints/committee/", "/staff/complaints/committee/")
    domains.add_navigation(
        app,
        NavItem("complaints.index", _l("Complaints"), position=50),
        NavItem("complaints.public_cases", _l("Public cases"), position=55),
        NavItem("complaints_staff.inbox", _l("Complaint inbox"), Permission.HANDLE_COMPLAINTS,
                position=110),
        NavItem("complaints_committee.cases", _l("Escalated cases"),
                Permission.COMMITTEE_BUSINESS, position=120))
    domains.add_demo_loader(app, "complaints", demo.load)
    domains.add_reference_data(app, ["complaint_categories", "districts"], reference.load)
    domains.add_key_rotation(app, services.rotate_data_key)
    domains.add_private_tables(app, "complaint_attachments", "tracking_throttles",
                               "year_counters")
    for table in ("complaints", "complaint_events"):
        domains.add_public_judge(app, table, publicity.public_row, publicity.listed_now)
