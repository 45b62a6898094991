"""Fictitious demo data of the committee (演示数据，虚构): a past and a current term of 11 seats
apportioned from invented fee totals (industry about two thirds, commerce ~17 %, residents ~15 %,
agriculture ~1.5 %, which has no whole seat and sits only through the minimum), candidates with
their votes, the elected members, and one resignation with its replacement.

Everything goes through the services, dated before the moment of loading as it would have
happened (a term is published a month before it starts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import User
from portal.committee import services
from portal.committee.enums import MemberRole
from portal.committee.models import Term
from portal.extensions import db
from portal.fees.enums import CustomerClass

D = Decimal
SOURCE = "示范供电公司《{year}年度分类电费收入统计表》（演示数据，虚构）"
# Fees paid in each term's reference year (yuan, invented).
PAST_FEES = {"residential": D("1398000000.00"), "agricultural": D("161500000.00"),
             "general": D("1587200000.00"), "large_industrial": D("6353300000.00")}
CURRENT_FEES = {"residential": D("1512340000.00"), "agricultural": D("148900000.00"),
                "general": D("1706250000.00"), "large_industrial": D("6632510000.00")}
BUSINESS = "在本公司供电区域内经营企业（演示数据，虚构）。"
STEMS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午申酉戌"
CLASS_WORDS = {"residential": "居民", "agricultural": "农业", "general": "工商业",
               "large_industrial": "大工业"}


@dataclass(frozen=True)
class Plan:
    """One term of the demo."""

    starts_on: date
    ends_on: date
    fees: dict[str, Decimal]
    prefix: str


def _moment(day: date) -> datetime:
    """10:00 local time on ``day``, as a UTC-aware datetime."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return datetime.combine(day, time(10), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _term(plan: Plan, now: datetime) -> Term:
    data = services.TermData(
        plan.starts_on, plan.ends_on, 11, 1, plan.starts_on.year - 1,
        tuple(services.ClassFees(key, amount, SOURCE.format(year=plan.starts_on.year - 1))
              for key, amount in plan.fees.items()))
    term = services.create_term(data, None)
    services.publish_term(term, None, now,
                          published_at=min(_moment(plan.starts_on - timedelta(days=30)), now))
    return term


def _elect(term: Term, plan: Plan, counter: list[int]) -> dict[str, list[int]]:
    """Candidates (one or two more than the seats) and the elected members, per class;
    returns the ids of the candidates who were not elected, best first, per class."""
    seats = services.apportionment_of(term).totals()
    runners_up: dict[str, list[int]] = {}
    roles = {"residential": MemberRole.CHAIR, "general": MemberRole.VICE_CHAIR}
    for key, count in seats.items():
        customer_class = CustomerClass(key)
        candidates = []
        for place in range(count + 1 + count // 3):
            stem = STEMS[counter[0] % len(STEMS)]
            counter[0] += 1
            votes = 4000 - 600 * place + 37 * (counter[0] % 7)
            candidates.append(services.record_candidate(
                term, customer_class, f"{plan.prefix}{stem}", max(votes, 120)))
        for place, candidate in enumerate(candidates[:count]):
            role = roles.get(key, MemberRole.MEMBER) if place == 0 else MemberRole.MEMBER
            services.elect_member(term, services.MemberData(
                name=candidate.name, customer_class=customer_class, role=role,
                starts_on=term.starts_on, candidate_id=candidate.id,
                biography=f"{CLASS_WORDS[key]}用户代表（演示数据，虚构）。",
                interests="无" if place % 2 == 0 else BUSINESS))
        runners_up[key] = [c.id for c in candidates[count:]]
    return runners_up


def load(now: datetime) -> list[str]:
    """Load the two demo terms, their elections and members."""
    today = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    current = Plan(date(today.year - 1, 1, 1), date(today.year + 1, 12, 31), CURRENT_FEES,
                   "演示委员")
    past = Plan(date(today.year - 4, 1, 1), date(today.year - 2, 12, 31), PAST_FEES,
                "演示前委员")
    counter = [0]
    lines = []
    for plan in (past, current):
        term = _term(plan, now)
        runners_up = _elect(term, plan, counter)
        totals = services.apportionment_of(term).totals()
        lines.append(f"Demo committee term {plan.starts_on}..{plan.ends_on}: seats "
                     + ", ".join(f"{key} {count}" for key, count in totals.items()))
    # One industrial member of the current term resigned; the best runner-up replaced them.
    leaver = next(m for m in term.members
                  if m.customer_class is CustomerClass.LARGE_INDUSTRIAL
                  and m.role is MemberRole.MEMBER)
    left_on = max(term.starts_on + timedelta(days=60), today - timedelta(days=150))
    services.resign_member(leaver, left_on)
    replacement = next(c for c in term.candidates if c.id == runners_up["large_industrial"][0])
    services.replace_member(leaver, services.MemberData(
        name=replacement.name, customer_class=CustomerClass.LARGE_INDUSTRIAL,
        role=MemberRole.MEMBER, starts_on=left_on + timedelta(days=14),
        candidate_id=replacement.id, biography="大工业用户代表，递补当选（演示数据，虚构）。",
        interests="无"))
    account = db.session.scalar(sa.select(User).where(User.username == "demo-committee"))
    chair = next(m for m in term.members if m.role is MemberRole.CHAIR)
    if account is not None:
        services.link_account(chair, account)
    lines.append(f"Demo committee: {len(term.members)} members in the current term "
                 "(one resignation and its replacement).")
    return lines
