"""The administrators' pages: every account and its state."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from portal.accounts.blueprint import staff
from portal.accounts.models import User
from portal.accounts.roles import Permission, permission_required
from portal.core.models import utcnow
from portal.extensions import db


@staff.get("/users")
@permission_required(Permission.MANAGE_USERS)
def users() -> str:
    """Administrators see every account and its state."""
    accounts = db.session.scalars(sa.select(User).order_by(User.username)).all()
    return render_template("accounts/users.html", users=accounts, now=utcnow())
