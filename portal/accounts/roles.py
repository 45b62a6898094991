"""Roles, the permissions each grants, and the check every protected view uses."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])


class Role(enum.Enum):
    """What kind of account a person has."""

    STAFF = "staff"
    COMMITTEE = "committee"
    ADMIN = "admin"

    @property
    def title(self) -> str:
        """The role's name in the current language."""
        return str(ROLE_TITLES[self])


ROLE_TITLES = {
    Role.STAFF: _l("Utility staff"),
    Role.COMMITTEE: _l("Committee member"),
    Role.ADMIN: _l("Administrator"),
}


class Permission(enum.StrEnum):
    """Something a protected view lets a person do."""

    USE_ACCOUNT = "use_account"
    MANAGE_USERS = "manage_users"
    HANDLE_COMPLAINTS = "handle_complaints"
    MANAGE_FEES = "manage_fees"
    MANAGE_COMMITMENTS = "manage_commitments"
    COMMITTEE_BUSINESS = "committee_business"
    MANAGE_COMMITTEE = "manage_committee"
    MANAGE_PARTNERS = "manage_partners"  # Open311 partners' API keys


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.STAFF: frozenset({Permission.USE_ACCOUNT, Permission.HANDLE_COMPLAINTS,
                           Permission.MANAGE_FEES, Permission.MANAGE_COMMITMENTS}),
    Role.COMMITTEE: frozenset({Permission.USE_ACCOUNT, Permission.COMMITTEE_BUSINESS}),
    Role.ADMIN: frozenset(Permission),
}


def has_permission(role: Role | str, permission: Permission) -> bool:
    """Whether a role grants a permission."""
    return permission in ROLE_PERMISSIONS[Role(role)]


def permission_required(permission: Permission) -> Callable[[F], F]:
    """Protect a view: anonymous people go to the login page, others without it get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if not session.get("_flashes"):  # e.g. "logged out after 30 minutes" says it
                    flash(_("Please log in to open this page."), "info")
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]  # read by tests
        return wrapped  # type: ignore[return-value]

    return decorator


def open_to_all(view: F) -> F:
    """Mark a view that anyone may use, without an account (checked by tests/core/test_access.py:
    every route is either this or protected)."""
    view.open_to_all = True  # type: ignore[attr-defined]
    return view
