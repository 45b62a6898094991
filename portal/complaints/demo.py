"""A few hundred fictitious complaints over the last 18 months, in every state."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from portal.accounts.models import User
from portal.accounts.services import get_user
from portal.complaints import services
from portal.complaints.enums import ActorKind, ComplaintStatus, ComplaintType
from portal.complaints.models import Complaint
from portal.complaints.reference import CATEGORIES, DISTRICTS
from portal.core.models import utcnow
from portal.extensions import db

COUNT = 300
SUBJECTS = {
    "SVC-ATT": ("营业厅工作人员态度生硬", "上门抄表人员未出示工作证"),
    "SVC-CH": ("营业厅排队超过一小时", "网上营业厅无法提交申请"),
    "BIZ-NEW": ("新装电表超过承诺时限未接电", "报装时被要求提供不必要的材料"),
    "BIZ-READ": ("抄表数据明显偏高", "已缴费仍收到催费短信"),
    "BIZ-BILL": ("阶梯电价计算有误", "峰谷电费与预期不符"),
    "BIZ-METER": ("电能表走字过快", "申请校验后迟迟没有结果"),
    "BIZ-FEE": ("被收取临时接电费", "复电时被要求缴纳复电费"),
    "OUT-NOTICE": ("计划停电没有提前通知", "停电时间与公告不符"),
    "OUT-REPAIR": ("故障报修后三小时无人到场", "抢修人员到场后未修复即离开"),
    "QUAL": ("晚高峰电压过低，空调无法启动", "一周内停电四次"),
    "GRID": ("新建变电站选址未征求居民意见", "线路改造长期占用人行道"),
}
NAMES = ["演示用户甲", "演示用户乙", "演示用户丙", "演示用户丁"]
# status to reach, and its share of the cases
OUTCOMES = [("closed", 52), ("replied", 10), ("in_progress", 8), ("accepted", 5),
            ("registered", 5), ("rejected", 3), ("withdrawn", 4), ("escalated", 5),
            ("decided", 4), ("reopened", 4)]


def _staff() -> User:
    staff = get_user("demo-staff")
    if staff is None:
        raise RuntimeError("The demo complaints need the demo accounts, which load first.")
    return staff


def load() -> list[str]:
    """Create the cases with a fixed random seed, moving each along the workflow."""
    rng = random.Random(2026)
    staff = _staff()
    now = utcnow()
    weights = [share for _status, share in OUTCOMES]
    sample = None
    # Oldest first, so that tracking numbers follow the order of registration.
    times = sorted(now - timedelta(days=rng.uniform(0, 548), hours=rng.uniform(0, 10))
                   for _case in range(COUNT))
    for index, registered in enumerate(times):
        category = rng.choice(CATEGORIES)[0]
        district = rng.choices([d[0] for d in DISTRICTS], weights=[40, 25, 15, 12, 7, 1])[0]
        outcome = rng.choices([status for status, _share in OUTCOMES], weights=weights)[0]
        if registered > now - timedelta(days=12) and outcome in {"closed", "decided"}:
            outcome = "in_progress"
        contact = rng.random() < 0.7
        subject = rng.choice(SUBJECTS[category])
        filing = services.Filing(
            type=rng.choices(list(ComplaintType), weights=[80, 8, 12])[0],
            category_code=category, district_code=district, subject=subject,
            description=f"（演示数据，虚构）{subject}。请尽快核实处理。联系电话 138"
                        f"{rng.randint(0, 99999999):08d}。",
            location=rng.choice(["小区配电房附近", "营业厅", "家中", None]),
            account_number=f"{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.5 else None,
            contact_name=rng.choice(NAMES) if contact else None,
            contact_phone=f"1380000{rng.randint(0, 9999):04d}" if contact else None,
            consent_contact=contact, consent_publish=rng.random() < 0.3)
        receipt = services.submit_complaint(filing, f"demo-{index}", registered)
        complaint = receipt.complaint
        _advance(complaint, outcome, registered, staff, rng)
        if complaint.consent_publish and complaint.replied_at and rng.random() < 0.8:
            services.approve_summary(complaint, staff, services.suggested_summary(complaint),
                                     complaint.replied_at + timedelta(hours=2))
        if outcome == "replied" and sample is None:
            sample = receipt
    db.session.flush()
    lines = [f"Demo complaints: {COUNT} fictitious cases over the last 18 months."]
    if sample is not None:
        lines.append(f"  Track one: {sample.complaint.tracking_number} with code "
                     f"{sample.formatted_code}")
    return lines


class _Walk:
    """Moves one case along with plausible times, late in about one case in eight."""

    def __init__(self, complaint: Complaint, start: datetime, staff: User,
                 rng: random.Random) -> None:
        self.complaint, self.clock, self.staff, self.rng = complaint, start, staff, rng
        self.late = rng.random() < 0.12

    def wait(self, hours: float) -> datetime:
        self.clock = min(self.clock + timedelta(hours=hours), utcnow())
        return self.clock

    def move(self, target: ComplaintStatus, actor: ActorKind = ActorKind.STAFF,
             reason: str | None = None) -> None:
        services.change_status(self.complaint, target, actor, self.clock,
                               actor=self.staff if actor is ActorKind.STAFF else None,
                               reason=reason)

    def withdraw(self) -> None:
        self.wait(self.rng.uniform(1, 20))
        self.move(ComplaintStatus.WITHDRAWN, ActorKind.COMPLAINANT)

    def reject(self) -> None:
        self.wait(self.rng.uniform(2, 40 if self.late else 20))
        self.move(ComplaintStatus.REJECTED, reason="不属于供电服务范围，已告知向相关部门反映。")

    def accept(self) -> None:
        self.wait(self.rng.uniform(2, 40 if self.late else 20))
        self.move(ComplaintStatus.ACCEPTED)

    def start(self) -> None:
        self.wait(self.rng.uniform(1, 24))
        self.move(ComplaintStatus.IN_PROGRESS)

    def escalate_unanswered(self) -> None:
        if self.wait(24 * 16) > self.complaint.reply_due_at:
            self.move(ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                      reason="超过答复期限仍未答复。")

    def reply(self) -> None:
        self.wait(self.rng.uniform(24, 24 * (9 if self.late else 4)))
        services.reply(self.complaint, self.staff,
                       "经核实，已安排人员处理，问题已整改。感谢您的监督。", self.clock)

    def rate_resolved(self) -> None:
        self.wait(self.rng.uniform(2, 72))
        services.rate(self.complaint, self.rng.choice([3, 4, 5, 5]), True, self.clock)

    def rate_unresolved(self) -> None:
        self.wait(self.rng.uniform(2, 72))
        services.rate(self.complaint, self.rng.choice([1, 2]), False, self.clock)

    def reopen(self) -> None:
        self.move(ComplaintStatus.REOPENED, ActorKind.COMPLAINANT, reason="问题仍未解决。")

    def escalate(self) -> None:
        self.move(ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT, reason="对答复不满意。")

    def decide(self) -> None:
        self.wait(self.rng.uniform(24, 24 * 10))
        services.change_status(self.complaint, ComplaintStatus.DECIDED, ActorKind.COMMITTEE,
                               self.clock,
                               reason="委员会认为供电企业答复基本合理，建议加强回访。")


HANDLED = ("accept", "start")
ANSWERED = (*HANDLED, "reply")
UNRESOLVED = (*ANSWERED, "rate_unresolved")
# The steps that lead to each outcome ("escalated" when late: escalated unanswered).
PATHS: dict[str, tuple[str, ...]] = {
    "registered": (), "withdrawn": ("withdraw",), "rejected": ("reject",),
    "accepted": ("accept",), "in_progress": HANDLED, "late escalated": (*HANDLED,
                                                                          "escalate_unanswered"),
    "replied": ANSWERED, "closed": (*ANSWERED, "rate_resolved"),
    "reopened": (*UNRESOLVED, "reopen"), "escalated": (*UNRESOLVED, "escalate"),
    "decided": (*UNRESOLVED, "escalate", "decide"),
}


def _advance(complaint: Complaint, outcome: str, start: datetime, staff: User,
             rng: random.Random) -> None:
    """Walk the case to ``outcome``."""
    walk = _Walk(complaint, start, staff, rng)
    path = PATHS["late escalated" if outcome == "escalated" and walk.late else outcome]
    for step in path:
        getattr(walk, step)()
