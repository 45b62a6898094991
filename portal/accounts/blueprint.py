"""The blueprints of accounts: login and one's own account, and the administrators' pages."""

from __future__ import annotations

from flask import Blueprint

public = Blueprint("accounts", __name__, url_prefix="/accounts")
staff = Blueprint("accounts_staff", __name__, url_prefix="/staff/accounts")
