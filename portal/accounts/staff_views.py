"""The administrators' pages: every account and its state, a page at a time."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from portal.accounts.blueprint import staff
from portal.accounts.models import User
from portal.accounts.roles import Permission, permission_required
from portal.core.models import utcnow
from portal.core.paging import page_of

USERS_PAGE_SIZE = 50

@staff.get("/users")
@permission_required(Permission.MANAGE_USERS)
def users() -> str:
    """Administrators see every account and its state, by username."""
    pagination = page_of(sa.select(User).order_by(User.username, User.id), USERS_PAGE_SIZE)
    return render_template("accounts/users.html", pagination=pagination, now=utcnow())
