"""Complaint categories and districts: data that the first complaints migration loads.

Deadlines are set per category (first contact in hours, reply in working days).
"""

from __future__ import annotations

# code, zh, en, first contact (hours), reply (working days)
CATEGORIES: list[tuple[str, str, str, int, int]] = [
    ("SVC-ATT", "服务态度与行为", "Staff attitude and conduct", 24, 4),
    ("SVC-CH", "营业窗口与渠道", "Service counters and channels", 24, 4),
    ("BIZ-NEW", "业扩报装", "New connections", 24, 4),
    ("BIZ-READ", "抄表催费", "Meter reading and payment reminders", 24, 4),
    ("BIZ-BILL", "电费电价", "Bills and tariffs", 24, 4),
    ("BIZ-METER", "电能计量", "Metering", 24, 4),
    ("BIZ-FEE", "业务收费（含违规收费）", "Service fees, including unauthorised charges", 24, 4),
    ("OUT-NOTICE", "停电信息与计划", "Outage notices and plans", 24, 4),
    ("OUT-REPAIR", "故障抢修时效", "Repair timeliness", 24, 4),
    ("QUAL", "供电质量", "Supply quality (low voltage, frequent outages)", 24, 4),
    ("GRID", "电网建设", "Grid construction", 24, 4),
]

# code, zh, en, area type, customers (fictitious)
DISTRICTS: list[tuple[str, str, str, str, int]] = [
    ("CENTRAL", "中心城区", "Central District", "urban", 412_000),
    ("EAST", "东城区", "East District", "urban", 268_000),
    ("HITECH", "高新区", "High-Tech Zone", "urban", 154_000),
    ("WEST-SUB", "西郊区", "West Suburbs", "rural", 96_000),
    ("BEISHAN", "北山县", "Beishan County", "rural", 71_000),
    ("NANLING", "南岭乡", "Nanling Township", "remote", 4_800),
]


def seed_rows() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The categories and districts as rows to insert."""
    categories = [{"code": code, "name_zh": zh, "name_en": en, "first_contact_hours": hours,
                   "reply_working_days": days, "position": index}
                  for index, (code, zh, en, hours, days) in enumerate(CATEGORIES)]
    districts = [{"code": code, "name_zh": zh, "name_en": en, "area_type": area,
                  "customers": customers, "position": index}
                 for index, (code, zh, en, area, customers) in enumerate(DISTRICTS)]
    return categories, districts


def load() -> None:
    """Insert the categories and districts (into a database made without the migrations)."""
    import sqlalchemy as sa

    from portal.complaints.models import ComplaintCategory, District
    from portal.extensions import db

    categories, districts = seed_rows()
    db.session.execute(sa.insert(ComplaintCategory), categories)
    db.session.execute(sa.insert(District), districts)
