"""The administrators' pages: every account and its state, a page at a time."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request

from portal.accounts.blueprint import staff
from portal.accounts.models import User
from portal.accounts.roles import Permission, permission_required
from portal.core.models import utcnow
from portal.extensions import db

USERS_PAGE_SIZE = 50
MAX_PAGE = 100_000


def _page_number() -> int:
    """The page asked for in the URL; anything else (text, 0, huge numbers) is page 1."""
    page = request.args.get("page", 1, type=int) or 1
    return page if 1 <= page <= MAX_PAGE else 1


@staff.get("/users")
@permission_required(Permission.MANAGE_USERS)
def users() -> str:
    """Administrators see every account and its state, by username."""
    pagination = db.paginate(sa.select(User).order_by(User.username, User.id),
                             page=_page_number(), per_page=USERS_PAGE_SIZE, error_out=False)
    return render_template("accounts/users.html", pagination=pagination, now=utcnow())
