"""One demo account of each role, with its second factor already enrolled."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.accounts import services
from portal.accounts.models import User
from portal.accounts.roles import Role

DEMO_ACCOUNTS = [
    ("demo-admin", "演示管理员 Demo Administrator", Role.ADMIN),
    ("demo-staff", "演示客服 Demo Staff Member", Role.STAFF),
    ("demo-committee", "演示委员 Demo Committee Member", Role.COMMITTEE),
]
HEADER = "Demo accounts (fictitious; passwords are shown only now):"


# The accounts exist from before the demo's oldest case (a year back) onwards.
SINCE = timedelta(days=2 * 365)


def create_account(username: str, display_name: str, role: Role,
                   created_at: datetime) -> tuple[User, str]:
    """A demo account with its second factor enrolled, created at ``created_at``; the line that
    shows its password and TOTP secret (other domains' demo data add accounts of their own)."""
    password = services.generate_password()
    user = services.create_user(username, display_name, role, password)
    user.created_at = created_at
    secret = services.enrol(user)
    return user, (f"  {username:<20} role={role.value:<9} password={password}  "
                  f"totp-secret={secret}")


def load(now: datetime) -> list[str]:
    """Create the accounts and return one line per account with its password and TOTP secret."""
    lines = [HEADER]
    for username, display_name, role in DEMO_ACCOUNTS:
        lines.append(create_account(username, display_name, role, now - SINCE)[1])
    lines.append("  A current code: flask --app portal users totp NAME")
    return lines
