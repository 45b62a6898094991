"""Statistics fixtures: a few dozen cases over past months, in several types, categories and
districts, each with a known outcome, filed and handled through the complaints' services at
the moments given (local time, Asia/Shanghai), then the figures computed at a fixed ``NOW``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.accounts.models import User
from portal.accounts.services import create_user
from portal.complaints import services
from portal.complaints.enums import ActorKind, ComplaintStatus, ComplaintType, FindingOutcome
from portal.complaints.models import Complaint
from portal.core import transactions
from portal.extensions import db
from portal.stats import refresh, snapshots
from portal.stats.models import StatsRun
from tests.conftest import make_test_app

SHANGHAI = ZoneInfo("Asia/Shanghai")
CJK = re.compile(r"[\u4e00-\u9fff]")
REASONS = "供电公司超过答复时限且未说明原因，投诉成立，责令三日内书面答复。"


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment given in Shanghai's local time, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


# Thursday 10 September 2026, 10:00 in Shanghai: July ended more than 30 days ago (published,
# its counts final), August ended too recently (PORTAL_STATS_SETTLE_DAYS) to be published.
NOW = local(2026, 9, 10, 10)


@dataclass(frozen=True)
class Case:
    """A case to file at ``at`` (local) and the steps taken on it afterwards.

    ``reply``: accepted, taken up and answered then (the first contact is the acceptance at
    ``accepted`` if given, else the reply); ``rating``: (score, resolved) after the reply;
    ``rejected``/``withdrawn``: that step then; ``accepted`` alone: accepted, never answered;
    ``escalated``: taken to the committee then; ``decided``: (moment, outcome)."""

    at: datetime
    type: str = "complaint"
    category: str = "BIZ-FEE"
    district: str = "CENTRAL"
    accepted: datetime | None = None
    reply: datetime | None = None
    rating: tuple[int, bool] | None = None
    rejected: datetime | None = None
    withdrawn: datetime | None = None
    escalated: datetime | None = None
    decided: tuple[datetime, str] | None = None


L = local
# The cases, month by month (local months): 6 in November and 5 in December 2025; 6, 6, 8 and
# 7 from April to July 2026; 2 in August 2026, the month in course at ``NOW``. 40 in all.
CASES: list[Case] = [
    # November 2025: six cases
    Case(L(2025, 11, 3), accepted=L(2025, 11, 3, 14), reply=L(2025, 11, 4), rating=(5, True)),
    Case(L(2025, 11, 4), accepted=L(2025, 11, 4, 15), reply=L(2025, 11, 5), rating=(4, True)),
    Case(L(2025, 11, 5), category="BIZ-BILL", accepted=L(2025, 11, 5, 11),
         reply=L(2025, 11, 7)),
    Case(L(2025, 11, 10), type="report", category="SVC-ATT", district="EAST",
         accepted=L(2025, 11, 11), reply=L(2025, 11, 20), rating=(2, False)),
    Case(L(2025, 11, 12), district="EAST", rejected=L(2025, 11, 12, 16)),
    Case(L(2025, 11, 18), type="suggestion", category="GRID", withdrawn=L(2025, 11, 19)),
    # December 2025: five cases
    Case(L(2025, 12, 1), accepted=L(2025, 12, 1, 11), reply=L(2025, 12, 2), rating=(5, True)),
    Case(L(2025, 12, 2), accepted=L(2025, 12, 2, 11), reply=L(2025, 12, 3)),
    Case(L(2025, 12, 3), district="EAST", accepted=L(2025, 12, 3, 11), reply=L(2025, 12, 4)),
    Case(L(2025, 12, 8), category="BIZ-BILL", accepted=L(2025, 12, 8, 11),
         reply=L(2025, 12, 18)),
    Case(L(2025, 12, 15), accepted=L(2025, 12, 15, 11), reply=L(2025, 12, 16)),
    # April 2026: six cases; the last is registered on Thursday 30 April and answered on
    # Wednesday 6 May, after the Labour Day holidays (1-5 May): one working day.
    Case(L(2026, 4, 7), accepted=L(2026, 4, 7, 11), reply=L(2026, 4, 8), rating=(5, True)),
    Case(L(2026, 4, 8), accepted=L(2026, 4, 8, 11), reply=L(2026, 4, 9), rating=(4, True)),
    Case(L(2026, 4, 9), category="BIZ-BILL", accepted=L(2026, 4, 9, 11), reply=L(2026, 4, 10)),
    Case(L(2026, 4, 14), district="EAST", accepted=L(2026, 4, 14, 11), reply=L(2026, 4, 24)),
    Case(L(2026, 4, 21), type="report", category="SVC-ATT", rejected=L(2026, 4, 21, 15)),
    Case(L(2026, 4, 30), accepted=L(2026, 4, 30, 15), reply=L(2026, 5, 6)),
    # May 2026: six cases, one of them the only case of its category (GRID) that month
    Case(L(2026, 5, 11), accepted=L(2026, 5, 11, 11), reply=L(2026, 5, 12), rating=(5, True)),
    Case(L(2026, 5, 12), accepted=L(2026, 5, 12, 11), reply=L(2026, 5, 13), rating=(3, False)),
    Case(L(2026, 5, 13), accepted=L(2026, 5, 13, 11), reply=L(2026, 5, 14)),
    Case(L(2026, 5, 14), district="EAST", accepted=L(2026, 5, 14, 11), reply=L(2026, 5, 15)),
    Case(L(2026, 5, 18), category="BIZ-BILL", accepted=L(2026, 5, 18, 11),
         reply=L(2026, 5, 19)),
    Case(L(2026, 5, 20), type="suggestion", category="GRID", district="BEISHAN",
         withdrawn=L(2026, 5, 21)),
    # June 2026: eight cases. Friday 12 June answered Monday 15 June: one working day;
    # Thursday 18 June answered Monday 22 June, the Dragon Boat Festival (19-21 June) between:
    # one working day.
    Case(L(2026, 6, 1), accepted=L(2026, 6, 1, 11), reply=L(2026, 6, 2), rating=(5, True)),
    Case(L(2026, 6, 2), accepted=L(2026, 6, 2, 11), reply=L(2026, 6, 3), rating=(4, True)),
    Case(L(2026, 6, 3), accepted=L(2026, 6, 3, 11), reply=L(2026, 6, 4)),
    Case(L(2026, 6, 12), accepted=L(2026, 6, 12, 15), reply=L(2026, 6, 15)),
    Case(L(2026, 6, 18), category="BIZ-BILL", accepted=L(2026, 6, 18, 15),
         reply=L(2026, 6, 22)),
    Case(L(2026, 6, 8), district="EAST", accepted=L(2026, 6, 8, 11), reply=L(2026, 6, 9),
         rating=(1, False), escalated=L(2026, 6, 10),
         decided=(L(2026, 6, 24), FindingOutcome.UPHELD.value)),
    Case(L(2026, 6, 9), district="EAST", accepted=L(2026, 6, 9, 11), reply=L(2026, 6, 25)),
    Case(L(2026, 6, 10), type="report", category="SVC-ATT", accepted=L(2026, 6, 10, 11)),
    # July 2026: seven cases; the first is registered on 30 June at 17:00 UTC, 1 July at
    # 01:00 in Shanghai: a July case.
    Case(datetime(2026, 6, 30, 17, 0, tzinfo=UTC), category="QUAL", district="HITECH",
         accepted=L(2026, 7, 1, 11), reply=L(2026, 7, 2)),
    Case(L(2026, 7, 6), accepted=L(2026, 7, 6, 11), reply=L(2026, 7, 7), rating=(5, True)),
    Case(L(2026, 7, 7), accepted=L(2026, 7, 7, 11), reply=L(2026, 7, 8), rating=(4, True)),
    Case(L(2026, 7, 8), accepted=L(2026, 7, 8, 11), reply=L(2026, 7, 9)),
    Case(L(2026, 7, 13), district="EAST", accepted=L(2026, 7, 13, 11), reply=L(2026, 7, 14),
         rating=(2, False), escalated=L(2026, 7, 15),
         decided=(L(2026, 7, 29), FindingOutcome.NOT_UPHELD.value)),
    Case(L(2026, 7, 14), category="BIZ-BILL", accepted=L(2026, 7, 14, 11),
         reply=L(2026, 7, 15), escalated=L(2026, 7, 20)),
    Case(L(2026, 7, 20), type="report", category="SVC-ATT", district="EAST",
         rejected=L(2026, 7, 20, 15)),
    # August 2026, ended too recently to be published: one answered; September, the month in
    # course: one waiting within its deadline
    Case(L(2026, 8, 3), accepted=L(2026, 8, 3, 11), reply=L(2026, 8, 4)),
    Case(L(2026, 9, 8)),
]


def file_case(case: Case, key: str, member: User | None) -> Complaint:
    """File ``case`` and take its steps through the complaints' services."""
    receipt = services.submit_complaint(services.Filing(
        type=ComplaintType(case.type), category_code=case.category,
        district_code=case.district, subject="统计测试", description="统计测试用的投诉。"),
        key, case.at)
    complaint = receipt.complaint
    staff, S = ActorKind.STAFF, ComplaintStatus
    if case.rejected:
        services.change_status(complaint, S.REJECTED, staff, case.rejected, reason="不属于范围。")
    if case.withdrawn:
        services.change_status(complaint, S.WITHDRAWN, ActorKind.COMPLAINANT, case.withdrawn)
    if case.accepted:
        services.change_status(complaint, S.ACCEPTED, staff, case.accepted)
        services.change_status(complaint, S.IN_PROGRESS, staff, case.accepted)
    if case.reply:
        services.reply(complaint, None, "答复", case.reply)
    if case.rating:
        services.rate(complaint, *case.rating, case.reply or case.at)
    if case.escalated:
        services.change_status(complaint, S.ESCALATED, ActorKind.COMPLAINANT, case.escalated,
                               reason="对答复不满意。")
    if case.decided:
        assert member is not None
        moment, outcome = case.decided
        services.decide(complaint, member, FindingOutcome(outcome), REASONS, moment)
    return complaint


def compute(now: datetime = NOW) -> StatsRun:
    """Refresh the figures and take the snapshots due at ``now``, as ``stats refresh`` does."""
    run = refresh.refresh(now)
    snapshots.take_due(run, now)
    transactions.commit()
    return run


@pytest.fixture
def add_cases(app: Flask, make_user: Callable[..., Any]) -> Callable[[list[Case]], None]:
    """File cases (and a committee member to decide them)."""
    counter = iter(range(100_000))
    member_id: list[int] = []

    def factory(cases: list[Case]) -> None:
        if not member_id and any(case.decided for case in cases):
            member_id.append(make_user("stats-member", role="committee")[0].id)
        with app.app_context():
            member = db.session.get(User, member_id[0]) if member_id else None
            for case in cases:
                file_case(case, f"stats-{next(counter)}", member)
            db.session.commit()

    return factory


@pytest.fixture
def stats(app: Flask, add_cases: Callable[[list[Case]], None]) -> dict[str, Any]:
    """The cases above, with the figures computed at ``NOW`` (suppression and its audit)."""
    add_cases(CASES)
    with app.app_context():
        run = compute()
        return {"run_id": run.id, "cases": len(CASES)}


def count_complaints() -> int:
    """How many cases the database holds."""
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) or 0)


def shared_stats_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app whose database holds ``CASES`` and their figures, shared by the tests of one
    module that only read (as ``tests.page_types.demo_app``): use as ``app =
    pytest.fixture(scope="module", name="shared_app")(shared_stats_app)`` and let the module's
    ``app`` fixture return it."""
    app = make_test_app(tmp_path_factory.mktemp("stats"))
    with app.app_context():
        services_user = create_user("stats-member", "stats-member", "committee",
                                    "correct horse battery")
        for number, case in enumerate(CASES):
            file_case(case, f"shared-{number}", services_user)
        db.session.commit()
        compute()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
