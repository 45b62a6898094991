"""The transparency log: every publication appended to an RFC 9162 Merkle tree whose signed
checkpoints (C2SP tlog-checkpoint) anyone can keep and check (``docs/ARCHITECTURE.md``)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.core import domains
from portal.core.domains import NavItem


def init_app(app: Flask) -> None:
    """Register the log's pages, API and ``flask audit``, and append every publication."""
    from portal.core import publication
    from portal.transparency import api, models, queries, records, services, views  # noqa: F401
    from portal.transparency.blueprint import api as api_blueprint
    from portal.transparency.blueprint import public
    from portal.transparency.cli import audit_cli

    services.configure(app)
    services.install_signing_hook()
    records.register_fee_kinds(app)
    publication.published.connect(records.on_published)
    for blueprint in (public, api_blueprint):
        app.register_blueprint(blueprint)
    app.cli.add_command(audit_cli)
    # Pages of published records show their entry: {{ entry_link(log_entries_for(items)...) }}
    app.add_template_global(queries.entries_of, "log_entries_for")
    app.add_template_global(records.page_of, "record_page")
    domains.add_navigation(app, NavItem("transparency.index", _l("Public record"), position=80))
    domains.add_reference_data(app, ["transparency_log_head"], services.create_head)
    domains.add_reference_reset(app, services.empty_head)
