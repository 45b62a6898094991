"""Fictitious demo work of the committee (演示数据，虚构): accounts of members, six meetings
(five past with their attendance and minutes, one to come with its agenda) and the decisions
taken at them, drafted by one member and published by another.

Everything goes through the services, each step at the moment it would have happened (agendas
two weeks ahead, minutes and drafts in the days after a meeting, publication a few working
days later, on working days in working hours), so that the services' rules hold: votes that add
up to the members seated that day, numbers without gaps, two people per decision, members
seated when they act. It reads the terms the committee demo made (the one in force at the
moment of loading and the one before it), so it can also be added to a demo database loaded
earlier. The words are in ``demo_work_content``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal.accounts import demo as accounts_demo
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.services import get_user
from portal.committee import decisions, meetings, services
from portal.committee.demo_work_content import (
    CHAIR,
    DECISIONS,
    FICTITIOUS_ZH,
    MEETINGS,
    MEMBER,
    PAST_CHAIR,
    PAST_VICE_CHAIR,
    VICE_CHAIR,
    DemoDecision,
    DemoMeeting,
)
from portal.committee.enums import DecisionCategory, MemberRole, Vote
from portal.committee.models import CommitteeMember, Decision, Meeting, Term
from portal.complaints.models import Complaint
from portal.complaints.workdays import add_working_days, is_working_day
from portal.core.publication import PublicationStatus
from portal.extensions import db
from portal.fees.enums import CustomerClass

# The demo member accounts, by their part (demo-committee comes with the accounts demo).
ACCOUNTS = {CHAIR: "demo-committee", VICE_CHAIR: "demo-vice-chair", MEMBER: "demo-member",
            PAST_CHAIR: "demo-past-chair", PAST_VICE_CHAIR: "demo-past-vice-chair"}
ENGLISH = {VICE_CHAIR: "Demo Committee Vice-Chair", MEMBER: "Demo Committee Member",
           PAST_CHAIR: "Demo Former Chair", PAST_VICE_CHAIR: "Demo Former Vice-Chair"}
MEETING_TIME = time(14, 30)
CITED = 3  # escalated complaints cited by a decision that cites some
# Complaints a decision cites were escalated at least this long before its meeting.
CITED_UNTIL = timedelta(days=7)


def _meeting_days(past: Term, current: Term, today: date) -> dict[str, date]:
    """When each meeting takes place: two in the past term, three in the current one so far
    (the second about five months ago: in the committee demo, while a resigned member's seat
    waited for the replacement), and one in two weeks."""
    return {"past-1": _working_before(past.starts_on + timedelta(days=80)),
            "past-2": _working_before(past.ends_on - timedelta(days=75)),
            "current-1": _working_before(current.starts_on + timedelta(days=80)),
            "current-2": _working_before(today - timedelta(days=143)),
            "current-3": _working_before(today - timedelta(days=24)),
            "next": _working_after(today + timedelta(days=12))}


def _working_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _working_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class _Clock:
    """Local times of the demo, as UTC-aware datetimes; nothing at or after ``now``."""

    zone: ZoneInfo
    now: datetime

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        moment = (datetime.combine(day, time(hour), self.zone)
                  + timedelta(minutes=minute)).astimezone(ZoneInfo("UTC"))
        if moment >= self.now:
            raise RuntimeError(f"the demo committee's work would happen after {self.now}")
        return moment


@dataclass(frozen=True)
class _Tally:
    """A decision's vote: the four counts, and each member's vote."""

    votes_for: int
    against: int
    abstain: int
    absent: int
    roll_call: dict[int, Vote]

    @property
    def adopted(self) -> bool:
        return self.votes_for * 2 > self.votes_for + self.against + self.abstain + self.absent


def _tally(spec: DemoDecision, seated: Sequence[CommitteeMember],
           absent: Sequence[CommitteeMember]) -> _Tally:
    """Those present vote for, except the last ``against`` and then ``abstain`` of them
    (members without a demo account first)."""
    gone = {member.id for member in absent}
    present = sorted((m for m in seated if m.id not in gone), key=lambda m: m.user_id is None)
    votes = {member.id: Vote.ABSENT for member in absent}
    for place, member in enumerate(reversed(present)):
        votes[member.id] = (Vote.AGAINST if place < spec.against
                            else Vote.ABSTAIN if place < spec.against + spec.abstain
                            else Vote.FOR)
    def count(kind: Vote) -> int:
        return sum(1 for vote in votes.values() if vote is kind)

    tally = _Tally(count(Vote.FOR), count(Vote.AGAINST), count(Vote.ABSTAIN), count(Vote.ABSENT),
                   votes)
    if tally.adopted is not spec.adopted:
        raise RuntimeError(f"the demo decision {spec.key} would be "
                           f"{'adopted' if tally.adopted else 'rejected'}")
    return tally


def _members(past: Term, current: Term) -> dict[str, CommitteeMember]:
    """The members the demo accounts act as."""
    def with_role(term: Term, role: MemberRole) -> CommitteeMember:
        return next(m for m in term.members if m.role is role and m.left_on is None)

    industrial = [m for m in current.members if m.customer_class is CustomerClass.LARGE_INDUSTRIAL
                  and m.role is MemberRole.MEMBER and m.left_on is None and m.replaces_id is None]
    return {CHAIR: with_role(current, MemberRole.CHAIR),
            VICE_CHAIR: with_role(current, MemberRole.VICE_CHAIR), MEMBER: industrial[-1],
            PAST_CHAIR: with_role(past, MemberRole.CHAIR),
            PAST_VICE_CHAIR: with_role(past, MemberRole.VICE_CHAIR)}


def _accounts(members: dict[str, CommitteeMember], clock: _Clock) -> tuple[dict[str, User],
                                                                          list[str]]:
    """The members' accounts (created before their term began) linked to them; the lines
    that show the new ones' passwords."""
    lines = ["Demo committee member accounts (fictitious; passwords are shown only now):"]
    users: dict[str, User] = {}
    for part, member in members.items():
        user = get_user(ACCOUNTS[part])
        if user is None and part == CHAIR:
            raise RuntimeError("The demo committee's work needs the demo accounts, which load "
                               "first.")
        if user is None:
            created = clock.at(_working_before(member.term.starts_on - timedelta(days=10)), 10)
            user, line = accounts_demo.create_account(
                ACCOUNTS[part], f"{member.name} {ENGLISH[part]}", Role.COMMITTEE, created)
            lines.append(line)
        if member.user_id != user.id:
            services.link_account(member, user)
        users[part] = user
    return users, lines


def _cited(spec: DemoDecision, meeting: Meeting, taken: set[str]) -> list[str]:
    """Tracking numbers of demo complaints escalated to the committee at least a week before
    the meeting, each cited once: of the decision's categories (published ones first, then
    the latest), else of any category (the demo's complaints are drawn at random)."""
    if not spec.complaint_categories:
        return []
    chosen: list[str] = []
    for categories in (spec.complaint_categories, None):
        query = sa.select(Complaint.tracking_number).where(
            Complaint.escalated_at < meeting.starts_at - CITED_UNTIL).order_by(
            Complaint.public_id.is_(None), Complaint.escalated_at.desc())
        if categories is not None:
            query = query.where(Complaint.category_code.in_(categories))
        chosen += [number for number in db.session.scalars(query)
                   if number not in taken and number not in chosen][:CITED - len(chosen)]
    taken.update(chosen)
    return chosen


class _Work:
    """The demo's meetings and decisions, written in the order they happened."""

    def __init__(self, clock: _Clock, users: dict[str, User], current: Term) -> None:
        self.clock = clock
        self.users = users
        self.current = current
        self.done: dict[str, Decision] = {}
        self.cited: set[str] = set()

    def meeting(self, spec: DemoMeeting, day: date) -> Meeting:
        """Schedule the meeting (its agenda two weeks ahead); after it, its minutes and its
        decisions."""
        starts_at = datetime.combine(day, MEETING_TIME, self.clock.zone).astimezone(
            ZoneInfo("UTC"))
        chair = CHAIR if day >= self.current.starts_on else PAST_CHAIR
        meeting = meetings.create_meeting(
            meetings.MeetingData(starts_at, spec.place, spec.agenda), self.users[chair])
        ahead = _working_before(day - timedelta(days=14))
        if not spec.discussion:  # still to come: its agenda went out on the last working day
            ahead = _working_before(self.clock.now.astimezone(self.clock.zone).date()
                                    - timedelta(days=1))
        meeting.created_at = self.clock.at(ahead, 10)
        if spec.discussion:
            self._held(spec, meeting, day)
        return meeting

    def _held(self, spec: DemoMeeting, meeting: Meeting, day: date) -> None:
        seated = meetings.seated_at(meeting)
        absent = [m for m in seated if m.user_id is None][-spec.absent:] if spec.absent else []
        taken = [(d, _tally(d, seated, absent)) for d in DECISIONS if d.meeting == spec.key]
        chair = next(m for m in seated if m.role is MemberRole.CHAIR)
        meetings.record_minutes(
            meeting, _minutes(spec, chair, seated, absent, taken),
            [m.id for m in seated if m not in absent],
            self.clock.at(add_working_days(day, 2), 11))
        drafts = [self._draft(d, tally, meeting, day, place)
                  for place, (d, tally) in enumerate(taken)]
        for place, ((d, _tally_of), draft) in enumerate(zip(taken, drafts, strict=True)):
            if d.publisher is not None:
                decisions.publish_decision(draft, self.users[d.publisher], self.clock.at(
                    add_working_days(day, 3), 14, 20 * place))
                self.done[d.key] = draft

    def _draft(self, spec: DemoDecision, tally: _Tally, meeting: Meeting, day: date,
               place: int) -> Decision:
        cited = _cited(spec, meeting, self.cited)
        words = {key: str(d.number) for key, d in self.done.items()}
        words["complaints"] = str(len(cited))
        data = decisions.DecisionData(
            meeting_id=meeting.id, title_zh=spec.title_zh, title_en=spec.title_en,
            category=DecisionCategory(spec.category), body_zh=spec.body_zh.format_map(words),
            body_en=spec.body_en.format_map(words),
            votes_for=tally.votes_for, votes_against=tally.against,
            votes_abstain=tally.abstain, votes_absent=tally.absent,
            roll_call=tally.roll_call if spec.roll_call else None, complaints=cited,
            tariffs=spec.tariffs, fee_items=spec.fee_items)
        drafted_at = self.clock.at(add_working_days(day, 1), 9, 30 + 20 * place)
        draft = decisions.create_draft(data, self.users[spec.drafter], drafted_at,
                                       amends=self.done[spec.amends] if spec.amends else None)
        draft.created_at = drafted_at
        return draft


def _minutes(spec: DemoMeeting, chair: CommitteeMember, seated: Sequence[CommitteeMember],
             absent: Sequence[CommitteeMember],
             taken: Sequence[tuple[DemoDecision, _Tally]]) -> str:
    """The minutes: who attended, what was discussed, how each item was voted."""
    # "主持：name（主任委员）": a demo name may be a word (演示委员甲) that would read into a
    # sentence around it
    apologies = f"请假：{'、'.join(m.name for m in absent)}。" if absent else ""
    lines = [FICTITIOUS_ZH, "", f"主持：{chair.name}（主任委员）", "",
             f"当日在任委员{len(seated)}人，出席{len(seated) - len(absent)}人。{apologies}", "",
             spec.discussion.strip(), "", "## 表决结果", ""]
    for number, (decision, tally) in enumerate(taken, start=1):
        lines.append(f"{number}. {decision.title_zh}：赞成{tally.votes_for}票，反对"
                     f"{tally.against}票，弃权{tally.abstain}票，缺席{tally.absent}人，"
                     f"{'通过' if tally.adopted else '未通过'}。")
    return "\n".join(lines) + "\n"


def _terms(today: date) -> tuple[Term, Term]:
    current = services.term_on(today)
    past = None if current is None else db.session.scalar(sa.select(Term).where(
        Term.status == PublicationStatus.PUBLISHED, Term.ends_on < current.starts_on)
        .order_by(Term.ends_on.desc()).limit(1))
    if current is None or past is None:
        raise RuntimeError("The demo committee's work needs a term in force today and one "
                           "before it: start the demo afresh with `flask --app portal demo "
                           "reset`.")
    return past, current


def load(now: datetime) -> list[str]:
    """Add the member accounts, the meetings and the decisions."""
    zone = ZoneInfo(str(current_app.config["TIMEZONE"]))
    clock = _Clock(zone, now)
    today = now.astimezone(zone).date()
    past, current = _terms(today)
    users, lines = _accounts(_members(past, current), clock)
    work = _Work(clock, users, current)
    days = _meeting_days(past, current, today)
    for spec in MEETINGS:
        work.meeting(spec, days[spec.key])
    drafts = len(DECISIONS) - len(work.done)
    amendments = sum(1 for d in work.done.values() if d.amends_id is not None)
    lines.append(f"Demo committee work: {len(MEETINGS)} meetings (one to come), "
                 f"{len(work.done)} published decisions ({amendments} amendments), {drafts} "
                 "drafts awaiting a second member.")
    return lines
