"""Fictitious demo commitments (演示数据，虚构) after the State Grid "10 Promises" targets in
DOMAIN.md, with 24 months of measurements per district imported through the importer (so the
demo shows an import in the transparency log): some months missed, the remote district small
enough for "not enough data"."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from portal.commitments import importer, services
from portal.commitments.enums import Measure, Source, Unit
from portal.commitments.services import Target, VersionDraft
from portal.complaints.enums import AreaType
from portal.core.clock import local_today

U, R, X = AreaType.URBAN, AreaType.RURAL, AreaType.REMOTE
BASIS = ("示范供电〔2024〕1号", "示范供电公司供电服务承诺（演示，虚构）")
START = date(2024, 1, 1)

# code, source, measure, unit, compliance, targets, zh title, en title, zh, en, monthly cases
# per urban district (rural about half, the remote one a few)
COMMITMENTS: list[tuple[Any, ...]] = [
    ("OUTAGE-NOTICE", Measure.MIN_NOTICE, Unit.DAYS, 100, [(None, 7)],
     "计划停电提前公告", "Planned outages announced in advance",
     "计划停电至少提前 7 天向社会公告。", "Planned outages are announced at least 7 days ahead.",
     30),
    ("REPAIR-ARRIVAL", Measure.MAX_DURATION, Unit.MINUTES, 50, [(U, 45), (R, 90), (X, 120)],
     "故障抢修到达现场", "Repair crews on site",
     "抢修人员到达现场的时间：城区一般不超过 45 分钟，农村 90 分钟，偏远地区 120 分钟。",
     "Repair crews reach the site within 45 minutes in urban areas as a rule, 90 minutes in "
     "rural areas and 120 in remote ones.", 300),
    ("REPAIR-RESTORE", Measure.MAX_DURATION, Unit.HOURS, 100, [(U, 3), (R, 4), (X, 4)],
     "到达现场后恢复供电", "Supply restored after arrival",
     "抢修人员到达现场后恢复供电的时间：城区不超过 3 小时，农村及偏远地区不超过 4 小时。",
     "Supply is restored within 3 hours of the crew's arrival in urban areas and within 4 hours "
     "in rural and remote ones.", 280),
    ("CONNECT-RES", Measure.MAX_DURATION, Unit.WORKING_DAYS, 100, [(None, 5)],
     "居民新装接电", "New residential connections",
     "居民客户新装用电，自受理之日起 5 个工作日内装表接电。",
     "A new residential connection is made within 5 working days of the application.", 120),
    ("CONNECT-LV", Measure.MAX_DURATION, Unit.WORKING_DAYS, 100, [(None, 6)],
     "低压非居民新装接电", "New low-voltage non-residential connections",
     "低压非居民客户新装用电，6 个工作日内装表接电。",
     "A new low-voltage non-residential connection is made within 6 working days.", 40),
    ("CONNECT-HV1", Measure.MAX_DURATION, Unit.WORKING_DAYS, 100, [(None, 22)],
     "高压单电源新装接电", "New high-voltage connections, single source",
     "高压单电源客户新装用电，22 个工作日内完成。",
     "A new high-voltage single-source connection is completed within 22 working days.", 8),
    ("CONNECT-HV2", Measure.MAX_DURATION, Unit.WORKING_DAYS, 100, [(None, 32)],
     "高压双电源新装接电", "New high-voltage connections, dual source",
     "高压双电源客户新装用电，32 个工作日内完成。",
     "A new high-voltage dual-source connection is completed within 32 working days.", 3),
    ("METER-QUERY", Measure.MAX_DURATION, Unit.WORKING_DAYS, 100, [(None, 5)],
     "电能表校验及电量查询答复", "Meter tests and meter-data queries answered",
     "电能表校验结果和抄表数据查询，5 个工作日内答复。",
     "Meter test results and meter-data queries are answered within 5 working days.", 25),
    ("RECONNECT", Measure.MAX_DURATION, Unit.HOURS, 100, [(None, 24)],
     "缴费后恢复供电", "Reconnection after payment",
     "欠费停电的客户缴清电费后，24 小时内恢复供电。",
     "Supply cut for unpaid bills is restored within 24 hours of payment.", 60),
    ("HALL-WAIT", Measure.MAX_DURATION, Unit.MINUTES, 100, [(None, 15)],
     "营业厅等候时间", "Waiting time at service halls",
     "营业厅客户排队等候时间不超过 15 分钟。",
     "Customers wait at most 15 minutes at a service hall.", 900),
    ("SUPPLY-RELIABILITY", Measure.MIN_SHARE, Unit.PERCENT, None, [(U, 99.9), (R, 99.8),
                                                                   (X, 99.8)],
     "供电可靠率", "Supply reliability",
     "按监测的线路小时计，供电可靠率城区不低于 99.9%，农村及偏远地区不低于 99.8%。",
     "Measured over the monitored feeder hours, supply is available at least 99.9 % of the "
     "time in urban areas and 99.8 % in rural and remote ones.", 86_400),
    ("VOLTAGE-COMPLIANCE", Measure.MIN_SHARE, Unit.PERCENT, None, [(U, 98.5), (R, 97.5),
                                                                   (X, 97.5)],
     "电压合格率", "Voltage compliance",
     "按监测点小时计，电压合格率城区不低于 98.5%，农村及偏远地区不低于 97.5%。",
     "Measured over the monitoring-point hours, voltage is within limits at least 98.5 % of "
     "the time in urban areas and 97.5 % in rural and remote ones.", 36_000),
]
COMPUTED: list[tuple[Any, ...]] = [
    ("COMPLAINT-CONTACT", Source.COMPLAINT_CONTACT, Unit.HOURS, [(None, 24)],
     "投诉首次联系", "First contact on a complaint",
     "收到投诉后 24 小时内与投诉人联系。", "The complainant is contacted within 24 hours."),
    ("COMPLAINT-REPLY", Source.COMPLAINT_REPLY, Unit.WORKING_DAYS, [(None, 4)],
     "投诉答复", "Reply to a complaint",
     "投诉在 4 个工作日内答复。", "A complaint is answered within 4 working days."),
]
# Districts' share of an urban district's cases; the remote one is small on purpose.
SCALE = {AreaType.URBAN: 1.0, AreaType.RURAL: 0.5, AreaType.REMOTE: 0.012}
# Repair arrival in the remote district used a looser target (150 minutes) before version 2.
FIRST_VERSION_END = date(2025, 6, 30)


def _draft(entry: tuple[Any, ...], start: date, end: date | None,
           targets: list[Any]) -> VersionDraft:
    (_code, measure, unit, compliance, _targets, title_zh, title_en, text_zh, text_en,
     _cases) = entry
    return VersionDraft(title_zh, title_en, text_zh, text_en, measure, unit,
                        None if compliance is None else Decimal(compliance),
                        [Target(area, Decimal(str(value))) for area, value in targets],
                        start, end, *BASIS)


def publish_commitments(now: datetime) -> None:
    published = datetime.combine(START - timedelta(days=20), datetime.min.time(), now.tzinfo)
    for position, entry in enumerate(COMMITMENTS):
        commitment = services.create_commitment(entry[0], Source.IMPORTED, position)
        targets = entry[4]
        if entry[0] == "REPAIR-ARRIVAL":
            looser = [(area, 150 if area is X else value) for area, value in targets]
            first = services.create_draft(commitment, _draft(entry, START, FIRST_VERSION_END,
                                                             looser), None)
            services.publish_version(first, None, now, published)
            services.publish_version(services.create_draft(commitment, _draft(
                entry, FIRST_VERSION_END + timedelta(days=1), None, targets), None), None, now,
                published + timedelta(days=540))
            continue
        version = services.create_draft(commitment, _draft(entry, START, None, targets), None)
        services.publish_version(version, None, now, published)
    for offset, (code, source, unit, targets, title_zh, title_en, text_zh,
                 text_en) in enumerate(COMPUTED, start=len(COMMITMENTS)):
        commitment = services.create_commitment(code, source, offset)
        entry = (code, Measure.MAX_DURATION, unit, 100, targets, title_zh, title_en, text_zh,
                 text_en, 0)
        services.publish_version(services.create_draft(commitment, _draft(
            entry, START, None, targets), None), None, now, published)


def _month_rows(chance: random.Random, entry: tuple[Any, ...], month: date,
                district: tuple[str, AreaType],
                target: float) -> list[str]:
    code, measure, _unit, _compliance, _targets, *_texts, cases_urban = entry
    cases = max(0, round(cases_urban * SCALE[district[1]] * chance.uniform(0.8, 1.2)))
    bad = chance.random() < 0.12  # a bad month now and then
    if measure is Measure.MIN_SHARE:
        shortfall = chance.uniform(0.0, (100 - target) * (1.6 if bad else 0.7))
        within = min(cases, round(cases * (target + (100 - target) - shortfall) / 100))
        return [code, f"{month:%Y-%m}", district[0], str(cases), str(within), "", ""]
    median = target * chance.uniform(0.45, 0.7) * (1.7 if bad else 1)
    if measure is Measure.MIN_NOTICE:  # notices are given longer ahead than the minimum
        median = target * chance.uniform(1.4, 2.2) * (0.8 if bad else 1)
    p90 = median * chance.uniform(1.3, 1.8)
    # a promise made to every customer is kept in a good month: every case within the target
    on_time = chance.uniform(0.9, 0.99) if bad else 1.0
    if code == "REPAIR-ARRIVAL":
        on_time = chance.uniform(0.35, 0.48) if bad else chance.uniform(0.6, 0.8)
    within = min(cases, round(cases * on_time))
    if cases == 0:
        return [code, f"{month:%Y-%m}", district[0], "0", "0", "", ""]
    return [code, f"{month:%Y-%m}", district[0], str(cases), str(within), f"{median:.1f}",
            f"{max(p90, median):.1f}"]


def _measurements(now: datetime) -> str:
    from portal.commitments.report import districts

    chance = random.Random(20261127)
    last = local_today().replace(day=1) - timedelta(days=1)
    months = []
    month = last.replace(day=1)
    for _ in range(24):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    lines = [",".join(importer.COLUMNS)]
    known = [(d.code, d.area_type) for d in districts()]
    for entry in COMMITMENTS:
        targets: dict[AreaType | None, float] = dict(entry[4])
        for month in sorted(months):
            for district in known:
                target = float(targets.get(district[1], targets.get(None, 0.0)) or 0)
                lines.append(",".join(_month_rows(chance, entry, month, district, target)))
    return "\r\n".join(lines) + "\r\n"


def load(now: datetime) -> list[str]:
    """The demo commitments and their measurements, imported as staff would import them."""
    publish_commitments(now)
    data = _measurements(now).encode()
    record = importer.import_file(data, "demo-measurements.csv", None, now, local_today())
    return [f"Demo service commitments: {len(COMMITMENTS) + len(COMPUTED)} published, "
            f"{record.rows} monthly figures imported."]
