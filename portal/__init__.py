"""Open Power Service: the application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import load_config

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
TRANSLATIONS = ROOT / "translations"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal with its configuration, extensions, blueprints and commands."""
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC),
                instance_path=str(ROOT / "instance"), instance_relative_config=True)
    settings = load_config(Path(app.instance_path), overrides=overrides)
    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "hide_parameters": True},
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
    _register_blueprints(app)
    return app


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

    from portal import cli, i18n
    from portal.core import errors, formatting, input_guard, request_log, security, templating
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

    i18n.check_catalogues(TRANSLATIONS)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True,
                     compare_type=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = str
    limiter.init_app(app)
    security.init_app(app)
    input_guard.init_app(app)
    request_log.init_app(app)
    formatting.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)


def _register_blueprints(app: Flask) -> None:
    # Import the models of every domain so that metadata (and migrations) see all tables.
    from portal.accounts import models as _accounts_models  # noqa: F401
    from portal.accounts.views import bp as accounts_bp
    from portal.api.views import bp as api_bp
    from portal.complaints import models as _complaints_models  # noqa: F401
    from portal.complaints import staff_views as _complaints_staff  # noqa: F401
    from portal.complaints.views import bp as complaints_bp
    from portal.core.vendor import bp as vendor_bp
    from portal.demo import models as _demo_models  # noqa: F401
    from portal.fees import models as _fees_models  # noqa: F401
    from portal.fees import staff_views as _fees_staff_views  # noqa: F401  (routes on fees bp)
    from portal.fees.views import bp as fees_bp
    from portal.pages.views import bp as pages_bp

    for blueprint in (pages_bp, fees_bp, complaints_bp, api_bp, accounts_bp, vendor_bp):
        app.register_blueprint(blueprint)
