"""Open Power Service: the application factory."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import load_config
from portal.core import page_cache, public_changes, templating
from portal.core.transactions import TransactionalFlask

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
TRANSLATIONS = ROOT / "translations"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The domains, in the order their demo data is loaded (navigation is ordered by each link's
# position). A new domain is a package with ``init_app(app)`` (docs/ARCHITECTURE.md) and one
# line here, before "portal.demo".
DOMAINS = (
    "portal.pages",
    "portal.accounts",
    "portal.fees",
    "portal.complaints",
    "portal.open311",
    "portal.transparency",
    "portal.committee",
    "portal.stats",
    "portal.commitments",
    "portal.demo",
)


# A database that does not answer is reported (503) well before gunicorn's 30 s worker timeout:
# connecting gives up after 5 s, a connection whose packets go unanswered after 10 s, a web
# request's statement after 20 s (commands, such as a statistics refresh, may run longer).
CONNECT_TIMEOUT_SECONDS, TCP_USER_TIMEOUT_MS, STATEMENT_TIMEOUT_MS = 5, 10_000, 20_000


def _engine_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"pool_pre_ping": settings["DATABASE_PRE_PING"],
                               "hide_parameters": True, "pool_timeout": 10}
    if str(settings["DATABASE_URL"] or "").startswith("postgresql"):
        connect: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS,
                                   "tcp_user_timeout": TCP_USER_TIMEOUT_MS}
        if "gunicorn" in sys.modules:
            connect["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
        options["connect_args"] = connect
    return options


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal with its configuration, extensions, blueprints and commands."""
    app = TransactionalFlask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC),
                instance_path=str(ROOT / "instance"), instance_relative_config=True)
    settings = load_config(Path(app.instance_path), overrides=overrides)
    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        BABEL_DEFAULT_LOCALE=settings["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE=settings["TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        WTF_CSRF_TIME_LIMIT=None if settings["ENV"] == "development" else 3600 * 8,
        DEBUG=settings["ENV"] == "development" and settings.get("DEBUG", False),
        # Absolute links (feeds, API, emails) use the public address, never the Host header.
        SERVER_NAME=urlsplit(settings["PUBLIC_URL"]).netloc or None,
        PREFERRED_URL_SCHEME=urlsplit(settings["PUBLIC_URL"]).scheme or "http",
        TRUSTED_HOSTS=[host.strip() for host in str(settings["TRUSTED_HOSTS"]).split(",")
                       if host.strip()] or None,
        **_rate_limit_settings(settings),
    )
    if settings["PROXY_COUNT"]:
        count = settings["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    _init_extensions(app)
    for name in DOMAINS:
        import_module(name).init_app(app)
    page_cache.install(app)  # its look-up runs after every other check of a request
    templating.never_fold(app)  # after every domain's filters
    public_changes.listen()  # after the domains' own commit hooks
    return app


def before_fork(app: Flask) -> None:
    """In a process about to fork workers from ``app`` (gunicorn's ``preload_app``): load
    every template, so that each worker, new or recycled, renders the templates of the code
    it runs (files updated in place before a restart are not read) and compiles none."""
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)


def after_fork(app: Flask) -> None:
    """In a process forked from the one that built ``app`` (gunicorn's ``preload_app``): leave
    the parent's pooled database connections to the parent (closing them here would close them
    under it) and open this process's own."""
    from portal.extensions import db

    if "sqlalchemy" not in getattr(app, "extensions", {}):  # another app under these settings
        return
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def _rate_limit_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Limits fall back to each process's memory while the shared store is unreachable."""
    timeout = settings["RATELIMIT_STORAGE_TIMEOUT"]
    options = ({"socket_connect_timeout": timeout, "socket_timeout": timeout}
               if str(settings["RATELIMIT_STORAGE_URI"]).startswith(("redis", "rediss"))
               else {})
    return {"RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True, "RATELIMIT_STORAGE_OPTIONS": options,
            "RATELIMIT_SWALLOW_ERRORS": True}


def _init_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from portal import i18n
    from portal.core import (
        backup_cli,
        cache,
        domains,
        duties_cli,
        errors,
        formatting,
        input_guard,
        jobs_cli,
        jobs_views,
        keys,
        request_log,
        security,
        templating,
        text,
        vendor,
    )
    from portal.extensions import babel, csrf, db, limiter, login_manager

    i18n.check_catalogues(TRANSLATIONS)
    db.init_app(app)
    page_cache.init_app(app)  # first: its after-request hook runs last
    public_changes.init_app(app)
    if "gunicorn" not in sys.modules:
        # ``flask db ...`` and the tests need Flask-Migrate; a gunicorn worker never migrates,
        # and Alembic would hold about 11 MiB in each worker.
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.use_request_catalogue(app, babel)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = str
    limiter.init_app(app)
    cache.init_app(app)
    security.init_app(app)
    input_guard.init_app(app)
    request_log.init_app(app)
    if app.config["METRICS_TOKEN"]:  # else no worker loads prometheus-client
        from portal.core import metrics

        metrics.init_app(app)
    formatting.init_app(app)
    templating.init_app(app)
    text.init_app(app)
    errors.init_app(app)
    app.register_blueprint(vendor.bp)
    app.cli.add_command(keys.data_key_cli)
    app.cli.add_command(jobs_cli.jobs_cli)
    app.cli.add_command(jobs_cli.worker_command)
    app.cli.add_command(duties_cli.duties_cli)
    for command in (backup_cli.backup_command, backup_cli.restore_command,
                    backup_cli.backup_secrets_command):
        app.cli.add_command(command)
    # Work to do and the duties' runs: no public page shows them.
    domains.add_private_tables(app, "jobs", "duties")
    jobs_views.init_app(app)
