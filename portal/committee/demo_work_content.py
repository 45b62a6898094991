"""The words of the committee's demo meetings and decisions (演示数据，虚构): one table of
meetings and one of decisions, read by ``demo_work``.

A decision's text may name the number of an earlier decision as ``{key}`` (known only once
that one is published) and the number of complaints it cites as ``{complaints}``. Its
``category`` is a value of ``DecisionCategory``.
"""

from __future__ import annotations

from dataclasses import dataclass

# The demo member accounts by their part (``demo_work.ACCOUNTS`` gives their usernames).
CHAIR, VICE_CHAIR, MEMBER = "chair", "vice_chair", "member"
PAST_CHAIR, PAST_VICE_CHAIR = "past_chair", "past_vice_chair"

HALL = "示范供电公司客户服务中心三楼会议室（演示数据，虚构）"
BEISHAN = "北山县供电所二楼会议室（演示数据，虚构）"
FICTITIOUS_ZH = "（演示数据，虚构）"
FICTITIOUS_EN = "(Demo data, fictitious.)"


@dataclass(frozen=True)
class DemoMeeting:
    """A meeting of the demo: its agenda, and what its minutes say was discussed (the
    attendance and the votes are added from the data)."""

    key: str
    place: str
    agenda: str
    discussion: str = ""  # empty: the meeting is still to come
    absent: int = 0  # members who sent their apologies (never one with a demo account)


@dataclass(frozen=True)
class DemoDecision:
    """A decision of the demo, taken at ``meeting``; drafted by the account ``drafter`` and
    published by ``publisher`` (None: a draft that awaits a second member)."""

    key: str
    meeting: str
    category: str  # a value of DecisionCategory
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    drafter: str
    publisher: str | None
    against: int = 0
    abstain: int = 0  # "for" is the rest of the members present
    adopted: bool = True  # what the votes must give (checked when loading)
    roll_call: bool = False
    tariffs: tuple[str, ...] = ()
    fee_items: tuple[str, ...] = ()
    # categories of the escalated demo complaints it cites (three of them), if any
    complaint_categories: tuple[str, ...] = ()
    amends: str | None = None  # key of the decision it amends


MEETINGS = (
    DemoMeeting(
        "past-1", HALL,
        """（演示数据，虚构）

1. 审议《用户委员会议事规则》
2. 审议已取消收费项目的清理情况
3. 审议电能表校验收费问题
4. 审议关于全部营业厅延长营业时间的提案
""",
        """## 审议情况

- 秘书处说明了《用户委员会议事规则》草案的起草经过，委员逐条讨论后作了两处文字修改。
- 示范供电公司营销部介绍了2017年取消的收费项目的清理情况。委员指出，部分乡镇供电所仍在窗口张贴旧的收费标准。
- 委员一致认为，电能表校验费已经取消，不应以任何名义收取。
- 关于全部营业厅每天延长营业至20:00的提案，多数委员认为成本较高、效果不明，建议先统计晚间业务量再议。
""", absent=1),
    DemoMeeting(
        "past-2", HALL,
        """（演示数据，虚构）

1. 审议故障抢修到达现场时限
2. 审议居民峰谷分时时段调整方案
3. 审议关于建议取消系统备用费的提案
4. 审议本届委员会工作报告
""",
        """## 审议情况

- 示范供电公司运检部通报了上半年故障抢修情况：城区平均到达现场用时41分钟，农村地区平均83分钟。委员认为应当把时限写成公开的承诺。
- 关于峰谷时段调整方案，委员意见分歧较大。三名委员要求公布每位委员的表决情况，会议同意。
- 大工业用户代表提出取消系统备用费的提案，多数委员认为依据不足。
- 会议通过本届委员会工作报告。
""", absent=1),
    DemoMeeting(
        "current-1", HALL,
        """（演示数据，虚构）

1. 审议本届委员会议事规则
2. 审议营业厅营业时间
3. 审议复电时限
4. 审议关于大工业用户按月选择基本电费计收方式的提案
""",
        """## 审议情况

本次会议是本届委员会的第一次全体会议。

- 会议决定继续适用上一届通过的议事规则，并补充了回避表决的规定。
- 示范供电公司提供了各营业厅晚间和周末的业务量统计：工作日17:30以后到厅办理业务的用户很少，周六上午中心城区营业厅业务量较大。
- 委员听取了欠费停电和复电情况的汇报，对复电时限提出了要求。
- 关于大工业用户按月选择基本电费计收方式的提案，委员认为需要先了解用户的实际需求。
""", absent=1),
    DemoMeeting(
        "current-2", BEISHAN,
        """（演示数据，虚构）

1. 审议修正故障抢修到达现场时限
2. 评议用户提请的故障抢修和供电质量投诉
3. 审议关于建议降低高可靠性供电费标准的提案
4. 审议供电服务承诺的公开
""",
        """## 审议情况

本次会议在北山县召开，会前委员实地察看了北山县新设的两个抢修驻点。

- 示范供电公司报告，上一季度西郊区、北山县平均到达现场用时为52分钟。委员认为可以把两地的时限缩短为60分钟。
- 委员逐件评议了用户提请的故障抢修和供电质量投诉，听取了示范供电公司的说明。
- 工商业用户代表提出降低高可靠性供电费标准的提案，委员认为提案未附成本测算。
- 委员一致认为，供电服务承诺及其兑现情况应当公开。
""", absent=1),
    DemoMeeting(
        "current-3", HALL,
        """（演示数据，虚构）

1. 评议电费电价和业务收费类升级投诉
2. 评议电能计量类升级投诉
3. 审议修正营业厅营业时间
4. 审议峰谷电价账单标注
5. 审议计划停电提前通知时间
6. 审议上一季度故障抢修到达现场时限执行情况
7. 审议乡镇供电所农忙季节营业时间
""",
        """## 审议情况

- 委员逐件评议了用户提请的电费、业务收费和电能计量投诉。有委员指出，多件投诉的起因是账单说明不清。
- 北山县的委员反映，北山县用户周末无法办理业务，会议同意修正营业时间的决定。
- 关于峰谷电价账单标注，两名委员认为应由价格主管部门统一规定账单格式，投了反对票。
- 会议审议了计划停电提前通知时间、上一季度抢修时限执行情况和乡镇供电所营业时间。后两项决定的文本待另一名委员核对后公布。
""", absent=2),
    DemoMeeting(
        "next", HALL,
        """（演示数据，虚构）

1. 审议上一季度供电服务承诺兑现情况
2. 评议用户提请的升级投诉
3. 审议冬季用电高峰保供电工作安排
4. 其他事项
"""),
)


DECISIONS = (
    # -- the past term, first meeting -----------------------------------------------------
    DemoDecision(
        "rules", "past-1", "committee",
        "关于通过《用户委员会议事规则》的决定",
        "On adopting the committee's rules of procedure",
        """（演示数据，虚构）

委员会通过《用户委员会议事规则》，自公布之日起施行。要点如下：

1. 委员会每季度至少召开一次全体会议；三分之一以上委员提议时，主任委员应在十五日内召集临时会议。
2. 决定须经当日在任委员过半数赞成方为通过；缺席的委员计入在任人数。
3. 决定由一名委员起草，经另一名委员核对后公布，起草人不得自行公布。
4. 经三名以上委员要求，公布每位委员的表决情况。
5. 已公布的决定不作修改；需要更正的，以新的决定修正，并在原决定上注明。
""",
        """(Demo data, fictitious.)

The committee adopts its rules of procedure, in force from their publication. In short:

1. The committee meets in full at least once a quarter; the chair calls an extra meeting within fifteen days when a third of the members ask for one.
2. A decision needs the votes of more than half of the members seated that day; absent members count among those seated.
3. One member drafts a decision and another checks and publishes it; the drafter cannot publish it.
4. Each member's vote is published when three or more members ask for it.
5. A published decision never changes; a correction is a new decision, noted on the one it corrects.
""",
        PAST_CHAIR, PAST_VICE_CHAIR),
    DemoDecision(
        "abolished_fees", "past-1", "fees",
        "关于清理已取消收费项目的决定",
        "On clearing out abolished service charges",
        """（演示数据，虚构）

依据《关于清理规范电网和转供电环节收费有关事项的通知》（示范价〔2017〕88号），临时接电费、变电站间隔占用费、负荷管理终端费、购电卡补办费和更名过户费已于2017年12月1日取消。委员会要求示范供电公司：

1. 两个月内撤下各营业厅、乡镇供电所张贴的旧收费标准，改为公示现行收费项目清单；
2. 自查取消后仍收取上述费用的情况，按规定全额退还，并向委员会书面报告退费户数和金额；
3. 在本门户“已取消的收费”页面保留上述项目的取消日期和退费规则。
""",
        """(Demo data, fictitious.)

The temporary connection fee, the substation bay occupation fee, the load-management terminal fee, the card replacement fee and the renaming and transfer fee were abolished on 1 December 2017 (notice No. 88 of 2017 of the price authority). The committee asks Demo Power Supply Co.:

1. to take down the old lists of charges in its service halls and township offices within two months and post the list of charges in force instead;
2. to find out where these fees were still taken after their abolition, refund them in full as the rules say, and report the number of customers and the amounts refunded to the committee in writing;
3. to keep the dates of abolition and the refund rules of these fees on the portal's page of abolished fees.
""",
        PAST_VICE_CHAIR, PAST_CHAIR, abstain=1,
        fee_items=("TEMP-CONN", "BAY-OCC", "LOAD-TERM", "CARD-REPL", "TRANSFER")),
    DemoDecision(
        "meter_checks", "past-1", "fees",
        "关于电能表校验不收费的决定",
        "On meter checks free of charge",
        """（演示数据，虚构）

电能表校验费已于2017年12月1日取消。委员会决定：

1. 用户对电能表准确性有疑问申请校验的，示范供电公司应在五个工作日内完成校验，不收取任何费用；
2. 无论校验结果是否合格，均不得以“检测费”“上门费”等其他名义收费；
3. 同一用户一年内因自身原因申请校验超过三次的，超出部分收费须事先书面告知标准和依据；
4. 校验报告应当场或以短信方式交给用户。
""",
        """(Demo data, fictitious.)

The meter calibration fee was abolished on 1 December 2017. The committee decides:

1. When a customer doubts their meter and asks for a check, Demo Power Supply Co. checks it within five working days, free of charge.
2. Whatever the result, nothing is charged under another name (a "test fee", a "call-out fee").
3. A customer who asks for more than three checks in a year for reasons of their own may be charged for the further ones only after being told the charge and its basis in writing.
4. The customer receives the test report on the spot or by text message.
""",
        PAST_CHAIR, PAST_VICE_CHAIR, fee_items=("METER-CAL",)),
    DemoDecision(
        "late_halls", "past-1", "service",
        "关于全部营业厅延长营业至20:00的提案",
        "Proposal to keep every service hall open until 20:00",
        """（演示数据，虚构）

有委员提议，要求示范供电公司所有营业厅每天延长营业至20:00。

多数委员认为，目前大部分业务可以通过网上营业厅和95598热线办理，晚间到厅业务量不明，全面延时成本较高。提案未获通过。委员会请示范供电公司统计各营业厅17:30以后的来电和到厅需求，供下一次会议审议。
""",
        """(Demo data, fictitious.)

A member proposed asking Demo Power Supply Co. to keep all its service halls open until 20:00 every day.

Most members found that most business can be done on the online service hall and the 95598 hotline, that nobody knows how many customers would come in the evening, and that opening every hall longer would cost much. The proposal was rejected. The committee asks the company to count the calls and visits after 17:30 in each hall for a later meeting.
""",
        PAST_VICE_CHAIR, PAST_CHAIR, against=6, abstain=1, adopted=False),
    # -- the past term, its last meeting --------------------------------------------------
    DemoDecision(
        "repair_times", "past-2", "service",
        "关于故障抢修到达现场时限的决定",
        "On how soon repair crews must arrive",
        """（演示数据，虚构）

委员会要求示范供电公司对供电设施故障抢修执行以下到达现场时限（自用户报修时起计算）：

| 区域 | 到达现场时限 |
|---|---|
| 中心城区、东城区、高新区 | 45分钟 |
| 西郊区、北山县 | 90分钟 |
| 南岭乡等边远地区 | 2小时 |

产权分界点供电侧的故障抢修一律免费。示范供电公司应于每月10日前公布上月各区域到达现场的平均用时和超时次数。
""",
        """(Demo data, fictitious.)

The committee asks Demo Power Supply Co. to send its repair crews within these times, counted from the customer's call:

| Area | Crew on site within |
|---|---|
| Central District, East District, High-Tech Zone | 45 minutes |
| West Suburbs, Beishan County | 90 minutes |
| Nanling Township and other remote areas | 2 hours |

Repairs on the utility's side of the ownership boundary are always free. By the 10th of each month the company publishes, for each area, last month's average time to arrive and the number of late arrivals.
""",
        PAST_CHAIR, PAST_VICE_CHAIR, against=1, fee_items=("REPAIR-UTILITY",)),
    DemoDecision(
        "tou_periods", "past-2", "fees",
        "关于居民峰谷分时时段调整方案的意见",
        "Opinion on the proposed new time-of-use periods for households",
        """（演示数据，虚构）

示范供电公司拟将居民峰谷分时电价的低谷时段由22:00至次日08:00调整为23:00至次日07:00，并就此征求委员会意见。

委员会认为，低谷时段缩短两小时，将使主要在夜间用电的家庭电费增加。委员会的意见是：

1. 维持现行低谷时段，直至示范供电公司公开调整方案的测算依据，以及对不同用电习惯家庭的影响；
2. 任何调整应至少提前三个月公告，并在账单上提示；
3. 价格主管部门举行听证时，委员会将派代表参加。

应三名委员的要求，公布每位委员的表决情况。
""",
        """(Demo data, fictitious.)

Demo Power Supply Co. intends to shorten the households' valley period from 22:00-08:00 to 23:00-07:00, and asked for the committee's opinion.

Two hours less of valley prices would raise the bills of families who use most of their electricity at night. The committee's opinion:

1. Keep the present valley period until the company publishes how it calculated the change and what it means for households with different habits.
2. Announce any change at least three months ahead, and say so on the bills.
3. The committee will send a representative to the price hearing.

At the request of three members, each member's vote is published.
""",
        PAST_VICE_CHAIR, PAST_CHAIR, against=3, abstain=1, roll_call=True,
        tariffs=("RES-TOU-ZJ",)),
    DemoDecision(
        "system_reserve", "past-2", "fees",
        "关于建议取消系统备用费的提案",
        "Proposal to ask for the abolition of the system reserve fee",
        """（演示数据，虚构）

有大工业用户代表提议，委员会建议价格主管部门取消向自备电厂企业收取的系统备用费（每月每千伏安20元）。

多数委员认为，系统备用费由价格主管部门核定，委员会尚未掌握备用容量实际使用情况的数据，提出取消建议的依据不足。提案未获通过。委员会请示范供电公司公开近三年系统备用费的收取户数和金额。
""",
        """(Demo data, fictitious.)

A representative of large industrial customers proposed that the committee ask the price authority to abolish the system reserve fee charged to companies with captive power plants (20 yuan per kVA per month).

Most members found that the price authority sets this fee and that the committee has no data yet on how the reserve capacity is used, so there was too little ground for such a request. The proposal was rejected. The committee asks Demo Power Supply Co. to publish how many customers paid the fee, and how much, in the last three years.
""",
        PAST_CHAIR, PAST_VICE_CHAIR, against=5, abstain=2, adopted=False,
        fee_items=("SYS-RESERVE",)),
    DemoDecision(
        "term_report", "past-2", "committee",
        "关于本届委员会工作报告的决定",
        "On the committee's report on its term",
        """（演示数据，虚构）

委员会通过本届工作报告，提交下一届委员会并向社会公开。报告回顾了本届委员会的工作：制定议事规则，推动清理已取消的收费项目，明确电能表校验不收费，确定故障抢修到达现场时限，并对居民峰谷时段调整方案提出意见。

报告建议下一届委员会继续关注故障抢修时限的执行、峰谷时段的调整和营业厅的营业时间。
""",
        """(Demo data, fictitious.)

The committee adopts the report on its term, hands it to the next committee and publishes it. The report looks back on the term's work: rules of procedure, the clearing out of abolished charges, free meter checks, the times within which repair crews must arrive, and the opinion on the households' time-of-use periods.

It recommends that the next committee keep watching the repair times, any change of the time-of-use periods and the opening hours of the service halls.
""",
        PAST_VICE_CHAIR, PAST_CHAIR),
    # -- the current term, first meeting --------------------------------------------------
    DemoDecision(
        "rules_current", "current-1", "committee",
        "关于本届委员会议事规则的决定",
        "On the rules of procedure of this term",
        """（演示数据，虚构）

本届委员会继续适用上一届通过的《用户委员会议事规则》（{rules}号决定），并作如下补充：

1. 委员与审议事项有利害关系的，应当事先声明并回避表决，回避的委员计为缺席；
2. 委员会的决定和会议纪要在本门户公布，决定同时记入“发布存证”；
3. 委员会每年向用户公开一次工作情况。
""",
        """(Demo data, fictitious.)

This committee keeps the rules of procedure adopted by the last one (decision {rules}), with these additions:

1. A member with an interest in a matter says so beforehand and does not vote on it; they count as absent.
2. The committee's decisions and minutes are published on this portal, and each decision is also added to the public record.
3. The committee reports on its work to the customers once a year.
""",
        CHAIR, VICE_CHAIR),
    DemoDecision(
        "hall_hours", "current-1", "service",
        "关于营业厅营业时间的决定",
        "On the opening hours of the service halls",
        """（演示数据，虚构）

根据示范供电公司统计的各营业厅晚间和周末业务量，委员会要求：

1. 各营业厅工作日营业时间为8:30至17:30，中午不停止办理业务；
2. 中心城区营业厅周六9:00至12:00营业；
3. 营业时间调整应提前15日在营业厅门口和本门户公告。
""",
        """(Demo data, fictitious.)

Having seen the company's count of evening and weekend visits to each service hall, the committee asks:

1. Every service hall is open on working days from 8:30 to 17:30, through the lunch hour.
2. The Central District hall is also open on Saturdays from 9:00 to 12:00.
3. A change of opening hours is announced at the hall's door and on this portal 15 days ahead.
""",
        VICE_CHAIR, CHAIR, abstain=1),
    DemoDecision(
        "reconnection", "current-1", "fees",
        "关于复电时限和复电不收费的决定",
        "On reconnection times and free reconnection",
        """（演示数据，虚构）

复电费已于2017年12月1日取消。委员会要求示范供电公司：

1. 用户结清欠费后，城区24小时内、农村48小时内恢复供电；
2. 复电不收取任何费用；同一用户一年内因自身原因复电超过三次的除外，且须事先告知；
3. 因欠费停电前至少提前七日书面通知用户，不得在节假日前一日停电。
""",
        """(Demo data, fictitious.)

The reconnection fee was abolished on 1 December 2017. The committee asks Demo Power Supply Co.:

1. to reconnect a customer who has paid what they owed within 24 hours in the towns and 48 hours in the countryside;
2. to reconnect free of charge, except for a customer reconnected more than three times in a year for reasons of their own, who is told beforehand;
3. to give at least seven days' written notice before cutting supply for unpaid bills, and never to cut it on the day before a holiday.
""",
        MEMBER, CHAIR, fee_items=("RECONNECT",)),
    DemoDecision(
        "demand_charges", "current-1", "fees",
        "关于大工业用户按月选择基本电费计收方式的提案",
        "Proposal to let large industrial customers choose their basic charge each month",
        """（演示数据，虚构）

有委员提议，委员会建议示范供电公司允许大工业用户每月自行选择按容量或按需量计收基本电费，而不是每年选择一次。

多数委员认为，基本电费的计收方式由价格主管部门规定，按月选择涉及计量和结算系统改造，应先了解用户的实际需求。提案未获通过。委员会请大工业用户代表收集典型用户的用电数据后再议。应三名委员的要求，公布每位委员的表决情况。
""",
        """(Demo data, fictitious.)

A member proposed that the committee ask Demo Power Supply Co. to let large industrial customers choose each month, rather than once a year, whether their basic charge is billed on capacity or on demand.

Most members found that the price authority decides how the basic charge is billed, that a monthly choice means changing the metering and billing systems, and that the customers' actual needs should be known first. The proposal was rejected. The representatives of large industrial customers will gather the consumption data of typical customers for a later meeting. At the request of three members, each member's vote is published.
""",
        CHAIR, MEMBER, against=5, abstain=3, adopted=False, roll_call=True,
        tariffs=("LI-CAP-10KV", "LI-DEM-10KV")),
    # -- the current term, the meeting in Beishan County ----------------------------------
    DemoDecision(
        "repair_times_rural", "current-2", "service",
        "关于修正故障抢修到达现场时限的决定",
        "Amending the times within which repair crews must arrive",
        """（演示数据，虚构）

本决定修正{repair_times}号决定的到达现场时限表：西郊区、北山县的时限由90分钟缩短为60分钟，其他区域不变。修正后的时限为：

| 区域 | 到达现场时限 |
|---|---|
| 中心城区、东城区、高新区 | 45分钟 |
| 西郊区、北山县 | 60分钟 |
| 南岭乡等边远地区 | 2小时 |

示范供电公司已在北山县新设两个抢修驻点，上一季度两地平均到达现场用时为52分钟。本决定自公布后的下一个月起执行。
""",
        """(Demo data, fictitious.)

This decision amends the table of decision {repair_times}: in the West Suburbs and Beishan County, crews must now arrive within 60 minutes instead of 90; the other areas are unchanged. The times are now:

| Area | Crew on site within |
|---|---|
| Central District, East District, High-Tech Zone | 45 minutes |
| West Suburbs, Beishan County | 60 minutes |
| Nanling Township and other remote areas | 2 hours |

Demo Power Supply Co. has opened two new repair stations in Beishan County; last quarter its crews arrived in 52 minutes on average in these two areas. This decision applies from the month after its publication.
""",
        VICE_CHAIR, MEMBER, amends="repair_times", fee_items=("REPAIR-UTILITY",)),
    DemoDecision(
        "complaints_repair", "current-2", "complaints",
        "关于故障抢修和供电质量升级投诉的决定",
        "On escalated complaints about repairs and supply quality",
        """（演示数据，虚构）

委员会评议了用户提请的{complaints}件故障抢修和供电质量投诉（见本决定所列投诉）。这些投诉反映的共同问题是：抢修人员到达后未说明停电原因和预计恢复时间；低电压问题多次报修仍未解决。

委员会要求示范供电公司：

1. 抢修人员到达现场后三十分钟内，通过短信告知报修用户故障原因和预计恢复时间；
2. 同一台区三个月内收到两次以上低电压投诉的，列入台区改造计划，并向委员会报告进度；
3. 对委员会认为成立的投诉，一个月内书面答复整改情况。
""",
        """(Demo data, fictitious.)

The committee has examined {complaints} complaints about repairs and supply quality that customers brought to it (listed with this decision). They share two problems: crews who arrived did not say why the power was off or when it would be back, and low voltage reported again and again was not put right.

The committee asks Demo Power Supply Co.:

1. to tell the customer who reported a fault, by text message within thirty minutes of the crew's arrival, its cause and when supply should be back;
2. to put into its upgrade plan any transformer area with two or more complaints of low voltage in three months, and to report its progress to the committee;
3. to answer in writing within a month what it has put right for each complaint the committee upheld.
""",
        MEMBER, VICE_CHAIR, complaint_categories=("OUT-REPAIR", "QUAL")),
    DemoDecision(
        "high_reliability", "current-2", "fees",
        "关于建议降低高可靠性供电费标准的提案",
        "Proposal to ask for a lower high-reliability supply fee",
        """（演示数据，虚构）

有工商业用户代表提议，委员会建议价格主管部门将高可靠性供电费由每千伏安270元降至200元。

委员会讨论认为，该费用按受电容量一次性收取，标准由价格主管部门核定；提案未附成本测算，依据不足。提案未获通过。委员会请示范供电公司公开该费用近三年的收取户数和金额。应三名委员的要求，公布每位委员的表决情况。
""",
        """(Demo data, fictitious.)

A representative of commercial customers proposed that the committee ask the price authority to lower the high-reliability supply fee from 270 to 200 yuan per kVA.

The committee found that this fee is charged once, on connected capacity, at a rate the price authority sets, and that the proposal came without any calculation of costs. The proposal was rejected. The committee asks Demo Power Supply Co. to publish how many customers paid this fee, and how much, in the last three years. At the request of three members, each member's vote is published.
""",
        CHAIR, VICE_CHAIR, against=4, abstain=2, adopted=False, roll_call=True,
        fee_items=("HIGH-REL",)),
    DemoDecision(
        "commitments", "current-2", "commitments",
        "关于公开供电服务承诺及其兑现情况的决定",
        "On publishing the service commitments and how they are kept",
        """（演示数据，虚构）

委员会要求示范供电公司在本门户公开其供电服务承诺，每项承诺写明时限、适用范围和未兑现时的处理办法，并每季度公布兑现情况，包括：

- 故障抢修到达现场时限；
- 居民新装用电办理时限；
- 计划停电提前通知时间；
- 投诉首次联系和答复时限。

委员会每季度第一次会议审议上一季度的兑现情况。
""",
        """(Demo data, fictitious.)

The committee asks Demo Power Supply Co. to publish its service commitments on this portal, each with its deadline, where it applies and what happens when it is not kept, and to publish every quarter how they were kept, among them:

- the time within which repair crews arrive;
- the time to connect a new household;
- how long ahead planned outages are announced;
- the times for the first contact and the answer to a complaint.

At its first meeting of each quarter the committee examines how the commitments were kept in the last one.
""",
        VICE_CHAIR, CHAIR, abstain=1),
    # -- the current term, the latest meeting ---------------------------------------------
    DemoDecision(
        "complaints_bills", "current-3", "complaints",
        "关于电费和业务收费类升级投诉的决定",
        "On escalated complaints about bills and service charges",
        """（演示数据，虚构）

委员会评议了用户提请的{complaints}件电费和业务收费投诉（见本决定所列投诉）。经核对，多数账单计算无误，但账单未说明阶梯电量的累计方式，用户难以自行核对；另有投诉反映营业厅收取了已经取消的费用。

委员会要求示范供电公司：

1. 在账单上列明本年度累计用电量和所处阶梯；
2. 对收取已取消费用的情况全面自查，一个月内向委员会报告并全额退还；
3. 答复用户时写明计费依据的文件名称和文号。
""",
        """(Demo data, fictitious.)

The committee has examined {complaints} complaints about bills and service charges that customers brought to it (listed with this decision). Most bills were calculated correctly, but they do not explain how the consumption for the tiers adds up over the year, so customers cannot check them; one complaint also says that a service hall took a fee that has been abolished.

The committee asks Demo Power Supply Co.:

1. to show on each bill the consumption so far this year and the tier it falls in;
2. to find out everywhere whether abolished fees are still taken, to report within a month and refund them in full;
3. to name, in its answers to customers, the document and its number on which a charge rests.
""",
        CHAIR, MEMBER, complaint_categories=("BIZ-BILL", "BIZ-FEE")),
    DemoDecision(
        "complaints_meters", "current-3", "complaints",
        "关于电能计量类升级投诉的决定",
        "On escalated complaints about meters",
        """（演示数据，虚构）

委员会评议了用户提请的{complaints}件电能计量投诉（见本决定所列投诉）。用户普遍反映，申请校验电能表时被告知需要付费，或者等待时间过长。

电能表校验不收费，委员会已有决定（{meter_checks}号决定）。委员会要求示范供电公司：

1. 重申电能表校验免费，五个工作日内完成；
2. 校验期间用户对电量有异议的，先按上年同期用电量暂估结算；
3. 将校验结果和处理情况一并答复用户。
""",
        """(Demo data, fictitious.)

The committee has examined {complaints} complaints about meters that customers brought to it (listed with this decision). Most say that customers who asked for a meter check were told to pay for it, or waited too long.

The committee has already decided that meter checks are free (decision {meter_checks}). It asks Demo Power Supply Co.:

1. to confirm that meter checks are free and done within five working days;
2. while a check is under way and the customer disputes the consumption, to bill on the consumption of the same period last year;
3. to give the customer the result of the check together with its answer.
""",
        MEMBER, VICE_CHAIR, fee_items=("METER-CAL",),
        complaint_categories=("BIZ-METER",)),
    DemoDecision(
        "hall_hours_beishan", "current-3", "service",
        "关于修正营业厅营业时间的决定",
        "Amending the opening hours of the service halls",
        """（演示数据，虚构）

本决定修正{hall_hours}号决定第二项。修正后为：

2. 中心城区营业厅和北山县营业厅周六9:00至12:00营业。

北山县用户距中心城区较远，委员会收到多件周末无法办理业务的投诉。该决定其余各项不变。
""",
        """(Demo data, fictitious.)

This decision amends item 2 of decision {hall_hours}, which now reads:

2. The Central District hall and the Beishan County hall are also open on Saturdays from 9:00 to 12:00.

Customers in Beishan County live far from the Central District, and the committee has received several complaints that they cannot do their business at weekends. The other items are unchanged.
""",
        VICE_CHAIR, CHAIR, amends="hall_hours"),
    DemoDecision(
        "tou_bills", "current-3", "fees",
        "关于在账单上标注峰谷电量和时段的决定",
        "On showing time-of-use consumption and periods on bills",
        """（演示数据，虚构）

执行居民峰谷分时电价的家庭，多数不清楚高峰和低谷时段的划分。委员会要求示范供电公司：

1. 在每张账单上分别列出高峰电量、低谷电量和对应电价；
2. 注明现行时段：高峰08:00至22:00，低谷22:00至次日08:00；
3. 峰谷时段调整前三个月，在账单上提示调整内容。

应三名委员的要求，公布每位委员的表决情况。
""",
        """(Demo data, fictitious.)

Most households on the time-of-use tariff do not know where its peak and valley periods begin and end. The committee asks Demo Power Supply Co.:

1. to show on every bill the peak and the valley consumption, each with its price;
2. to print the periods in force: peak 08:00-22:00, valley 22:00-08:00 the next day;
3. to announce any change of the periods on the bills three months ahead.

At the request of three members, each member's vote is published.
""",
        CHAIR, VICE_CHAIR, against=2, abstain=1, roll_call=True, tariffs=("RES-TOU-ZJ",)),
    DemoDecision(
        "outage_notice", "current-3", "commitments",
        "关于计划停电提前通知时间的决定",
        "On how long ahead planned outages are announced",
        """（演示数据，虚构）

委员会要求示范供电公司将计划停电的提前通知时间作为服务承诺公开：

1. 计划停电至少提前七日，通过短信、本门户和社区公告通知受影响的用户；
2. 临时检修停电至少提前二十四小时通知；
3. 通知写明停电范围、起止时间和联系电话；停电时间变更的，重新通知。
""",
        """(Demo data, fictitious.)

The committee asks Demo Power Supply Co. to publish, as a service commitment, how long ahead it announces planned outages:

1. at least seven days ahead for planned work, by text message, on this portal and on community notice boards;
2. at least 24 hours ahead for urgent maintenance;
3. each notice says which area, from when to when, and whom to call; a changed time is announced again.
""",
        MEMBER, CHAIR),
    # Two drafts of the latest meeting wait for a second member to check and publish them.
    DemoDecision(
        "repair_report", "current-3", "service",
        "关于上一季度故障抢修到达现场时限执行情况的通报",
        "Report on the repair crews' arrival times last quarter",
        """（演示数据，虚构）

根据示范供电公司公布的数据，上一季度城区平均到达现场用时38分钟，超时11次；西郊区、北山县平均52分钟，超时7次；边远地区平均95分钟，超时2次。

委员会要求示范供电公司逐一说明20次超时的原因，并在下一季度报告改进措施。
""",
        """(Demo data, fictitious.)

According to the figures Demo Power Supply Co. published, last quarter its crews arrived in 38 minutes on average in the towns, 11 times late; in 52 minutes in the West Suburbs and Beishan County, 7 times late; and in 95 minutes in remote areas, twice late.

The committee asks the company to explain each of the 20 late arrivals and to report next quarter what it has changed.
""",
        CHAIR, None),
    DemoDecision(
        "township_offices", "current-3", "service",
        "关于乡镇供电所农忙季节营业时间的决定",
        "On the opening hours of township supply offices in the busy farming seasons",
        """（演示数据，虚构）

委员会要求示范供电公司各乡镇供电所在农忙季节（每年5月至6月、9月至10月）将工作日营业时间延长至18:30，并在赶集日上午开放窗口。
""",
        """(Demo data, fictitious.)

The committee asks Demo Power Supply Co. to keep its township supply offices open until 18:30 on working days in the busy farming seasons (May to June and September to October), and to open their counters on the mornings of market days.
""",
        VICE_CHAIR, None, abstain=1),
)
