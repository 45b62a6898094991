"""Fictitious notices of irregular service (演示数据，虚构), each resting on one of the demo
decisions of the current term: five notices, of which one is overdue, two are closed (one after
its deadline) and two are under way; with their follow-up updates.

Each step goes through the services at the moment it would have happened: a member drafts the
notice a few working days after the decision is published, another member publishes it, and
updates follow, each drafted by one member and published by another. Deadlines are set from
the day of loading, so that the states hold whenever the demo is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal.accounts.services import get_user
from portal.committee import notices
from portal.committee.demo_work import ACCOUNTS
from portal.committee.demo_work_content import (
    CHAIR,
    DECISIONS,
    FICTITIOUS_EN,
    FICTITIOUS_ZH,
    MEMBER,
    VICE_CHAIR,
)
from portal.committee.enums import DecisionOutcome
from portal.committee.models import Decision
from portal.complaints.workdays import add_working_days, is_working_day
from portal.core.publication import PublicationStatus
from portal.extensions import db


@dataclass(frozen=True)
class DemoUpdate:
    """A follow-up: ``share`` of the way from the notice's publication to the deadline (for a
    notice closed in time) or to the last working day before loading; its text; whether it
    closes the notice."""

    body_zh: str
    body_en: str
    share: float = 0.5
    closes: bool = False


@dataclass(frozen=True)
class DemoNotice:
    """A notice of the demo, resting on the demo decision ``decision`` (a key of DECISIONS)."""

    decision: str
    title_zh: str
    title_en: str
    unit_zh: str
    unit_en: str
    facts_zh: str
    facts_en: str
    finding_zh: str
    finding_en: str
    action_zh: str
    action_en: str
    due: int  # days from the day of loading (negative: in the past), unless ``in_time``
    drafter: str
    publisher: str
    updates: tuple[DemoUpdate, ...] = ()
    # a notice closed in time: its deadline is this many days after the decision, and its
    # updates come before it
    in_time: int | None = None


NOTICES = (
    DemoNotice(
        "reconnection", "某供电所缴清欠费后超时复电并收取复电费",
        "A supply office reconnected late after arrears were paid, and charged for it",
        "北山县某供电所", "A supply office in Beishan County",
        "一位居民客户缴清欠费后，供电所在第三天才恢复供电，并收取复电费50元。",
        "After a residential customer paid the arrears, the supply office restored the supply "
        "only on the third day and charged a reconnection fee of 50 yuan.",
        "欠费缴清后应在24小时内复电，复电不收费。超时复电和收取复电费均违反委员会决定。",
        "Supply is to be restored within 24 hours of payment, free of charge. Both the delay "
        "and the fee break the committee's decision.",
        "退还所收复电费；复电工单纳入24小时时限考核；向委员会报告全县同类情况的自查结果。",
        "Refund the fee; hold reconnection orders to the 24-hour limit; report to the committee "
        "on a county-wide review of similar cases.",
        0, MEMBER, VICE_CHAIR,
        (DemoUpdate("供电所已退还复电费，并完成全县自查：另发现两起同类收费，均已退还。",
                    "The office refunded the fee and reviewed the county: two more such fees "
                    "were found and refunded.", 0.3),
         DemoUpdate("复电工单已纳入24小时时限考核，委员会抽查十份工单均按时复电。通报办结。",
                    "Reconnection orders are now held to the 24-hour limit; ten orders checked "
                    "by the committee were all on time. The notice is closed.", 0.8,
                    closes=True)), in_time=45),
    DemoNotice(
        "complaints_repair", "城区抢修班组多次超时到达故障现场",
        "City repair crews repeatedly reached faults later than promised",
        "城区供电抢修班组", "The city's repair crews",
        "今年夏季用电高峰期间，城区有十余起故障抢修超过45分钟才到达现场，最长的超过两小时。",
        "During this summer's peak, more than ten repairs in the city arrived later than 45 "
        "minutes; the longest took over two hours.",
        "到达时限是公开承诺，高峰期也不例外。抢修力量安排不足是主要原因。",
        "The arrival time is a public promise that holds at peaks too. Too few crews on duty "
        "were the main cause.",
        "高峰期增加值班抢修力量；每月公布到达现场时限的执行情况。",
        "Add repair crews on duty at peaks; publish each month how arrival times were kept.",
        -90, VICE_CHAIR, CHAIR,
        (DemoUpdate("已增设两个高峰期值班抢修班组，到达时限执行情况开始按月公布。",
                    "Two more crews are on duty at peaks; arrival times are published monthly.",
                    0.3),
         DemoUpdate("连续两个月到达现场时限达标率超过98%，整改完成，但晚于规定期限。通报办结。",
                    "For two months in a row over 98 % of repairs arrived in time: the "
                    "correction is done, though later than required. The notice is closed.",
                    0.8, closes=True))),
    DemoNotice(
        "complaints_bills", "营业厅向客户收取已取消的电能表校验费",
        "A service hall charged a customer the abolished meter-checking fee",
        "城东供电营业厅", "The Chengdong service hall",
        "一位客户申请校验电能表，营业厅收取了已经取消的校验费。",
        "A customer asked for a meter check and the service hall charged the fee that was "
        "abolished.",
        "该项收费早已取消，不得以任何名义收取。",
        "The fee was abolished long ago and may not be charged under any name.",
        "退还所收费用；清理收费系统中已取消的收费项目；对窗口人员进行培训。",
        "Refund the fee; remove abolished items from the billing system; train counter staff.",
        36, CHAIR, MEMBER),
    DemoNotice(
        "complaints_meters", "更换电能表未事先告知客户",
        "Meters were replaced without telling the customers first",
        "北山县某供电所", "A supply office in Beishan County",
        "供电所批量更换电能表时，没有提前告知客户，也没有请客户确认旧表读数。",
        "When the supply office replaced meters in bulk, it neither told the customers in "
        "advance nor asked them to confirm the old meters' readings.",
        "换表前应告知客户，并由客户确认旧表底数，否则客户无从核对电量。",
        "Customers are to be told before a meter is replaced and to confirm the old reading; "
        "otherwise they cannot check what they are billed.",
        "补发换表告知书并请客户确认旧表底数；今后换表一律提前三天告知。",
        "Send the notices late and have the customers confirm the old readings; from now on, "
        "announce every replacement three days ahead.",
        -3, MEMBER, CHAIR,
        (DemoUpdate("已补发约六成换表告知书，其余正在补发。",
                    "About six in ten notices have been sent; the rest are under way.", 0.5),)),
    DemoNotice(
        "hall_hours_beishan", "营业厅未按公布的时间开门营业",
        "A service hall did not open at the hours it publishes",
        "某县城供电营业厅", "A county-town service hall",
        "委员会暗访发现，该营业厅连续三个工作日上午推迟半小时开门。",
        "The committee's unannounced visits found the hall opening half an hour late on three "
        "working days in a row.",
        "营业时间是对客户的公开承诺，推迟开门违反委员会关于营业厅营业时间的决定。",
        "Opening hours are a public promise; opening late breaks the committee's decision on "
        "the halls' hours.",
        "按公布时间开门；在门口和网上公布营业时间；委员会将再次暗访。",
        "Open at the published hours; post them at the door and online; the committee will "
        "visit again.",
        15, VICE_CHAIR, MEMBER,
        (DemoUpdate("营业厅已调整排班，并在门口和网上公布营业时间，等待委员会再次暗访。",
                    "The hall changed its rota and posted its hours at the door and online; the "
                    "committee's next visit is awaited.", 0.6),)),
)


def _working_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _last_working_day_before(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


class _Loader:
    """Publishes the demo notices at the moments they would have happened."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.zone = ZoneInfo(str(current_app.config["TIMEZONE"]))
        self.today = now.astimezone(self.zone).date()
        self.last = _last_working_day_before(self.today)

    def at(self, day: date, hour: int) -> datetime:
        moment = datetime.combine(min(day, self.last), time(hour), self.zone)
        return moment.astimezone(ZoneInfo("UTC"))

    def decision(self, key: str) -> Decision:
        title = next(d.title_zh for d in DECISIONS if d.key == key)
        found = db.session.scalar(sa.select(Decision).where(
            Decision.title_zh == title, Decision.status == PublicationStatus.PUBLISHED))
        if found is None or found.outcome is not DecisionOutcome.ADOPTED:
            raise RuntimeError(f"the demo notices need the adopted demo decision {key!r}")
        return found

    def due(self, spec: DemoNotice, decision: Decision) -> date:
        """The deadline: set from the decision for a notice closed in time, else from today
        (never before the decision)."""
        if spec.in_time is not None:
            return decision.decided_on + timedelta(days=spec.in_time)
        return max(self.today + timedelta(days=spec.due), decision.decided_on)

    def notice(self, spec: DemoNotice) -> bool:
        decision = self.decision(spec.decision)
        published = (decision.published_at or self.now).astimezone(self.zone).date()
        drafted_on = add_working_days(published, 2)
        out_on = add_working_days(published, 4)
        data = notices.NoticeData(
            decision_number=str(decision.number), title_zh=spec.title_zh,
            title_en=spec.title_en, unit_zh=spec.unit_zh, unit_en=spec.unit_en,
            happened_on=decision.decided_on - timedelta(days=20),
            facts_zh=f"{FICTITIOUS_ZH}{spec.facts_zh}", facts_en=f"{FICTITIOUS_EN} {spec.facts_en}",
            finding_zh=spec.finding_zh, finding_en=spec.finding_en, action_zh=spec.action_zh,
            action_en=spec.action_en,
            action_due=self.due(spec, decision))
        drafter, publisher = get_user(ACCOUNTS[spec.drafter]), get_user(ACCOUNTS[spec.publisher])
        draft = notices.create_draft(data, drafter, self.at(drafted_on, 10))
        draft.created_at = self.at(drafted_on, 10)
        notices.publish_notice(draft, publisher, self.at(out_on, 15))
        until = min(data.action_due, self.last) if spec.in_time else self.last
        span = (until - min(out_on, until)).days
        for step, update in enumerate(spec.updates):
            day = _working_on_or_after(min(out_on, until)
                                       + timedelta(days=max(1, round(span * update.share))))
            text = notices.UpdateData(update.body_zh, update.body_en, update.closes)
            written = notices.draft_update(draft, text, publisher, self.at(day, 9 + step))
            written.created_at = self.at(day, 9 + step)
            notices.publish_update(written, drafter, self.at(day, 16))
        return draft.closed_on is not None


def load(now: datetime) -> list[str]:
    """Add the five demo notices with their updates."""
    loader = _Loader(now)
    closed = sum(loader.notice(spec) for spec in NOTICES)
    return [f"Demo notices of irregular service: {len(NOTICES)} ({closed} closed)."]
