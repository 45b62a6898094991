"""One demo account of each role, with its second factor already enrolled."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.accounts import services
from portal.accounts.roles import Role

DEMO_ACCOUNTS = [
    ("demo-admin", "演示管理员 Demo Administrator", Role.ADMIN),
    ("demo-staff", "演示客服 Demo Staff Member", Role.STAFF),
    ("demo-committee", "演示委员 Demo Committee Member", Role.COMMITTEE),
]


# The accounts exist from before the demo's oldest case (a year back) onwards.
SINCE = timedelta(days=2 * 365)


def load(now: datetime) -> list[str]:
    """Create the accounts and return one line per account with its password and TOTP secret."""
    lines = ["Demo accounts (fictitious; passwords are shown only now):"]
    for username, display_name, role in DEMO_ACCOUNTS:
        password = services.generate_password()
        user = services.create_user(username, display_name, role, password)
        user.created_at = now - SINCE
        secret = services.enrol(user)
        lines.append(f"  {username:<15} role={role.value:<9} password={password}  "
                     f"totp-secret={secret}")
    lines.append("  A current code: flask --app portal users totp NAME")
    return lines
