"""Flask extensions, created unbound and bound to the app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.core.models import Base

db = SQLAlchemy(model_class=Base)
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# Flask-Limiter's own headers would put its Retry-After on every response of a limited route,
# overriding the portal's own (tracking waits, 503); a 429 gets Retry-After in core/errors.py.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)
# Configured in portal/core/cache.py: each process's memory, or Redis given PORTAL_CACHE_REDIS_URL.
cache = Cache()
