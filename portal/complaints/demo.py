"""About 2,500 fictitious complaints of the last twelve months, handled as a real service would.

Residents file at any hour, fewer at night and at weekends, more in the summer when voltage and
outages trouble them. Customer service acts on working days (``workdays``: holidays off,
adjusted weekends on) between 08:30 and 17:30 China time, and so does the users' committee. Each
case is planned from its filing to its end with the delays of a service that mostly keeps its
deadlines (first contact within hours, a reply within 4 working days, about one reply in
fourteen late), then cut at the moment of loading: what would happen later has not happened, so
the open cases are the recent ones. A handful of them (about 5 %) is left waiting past its
reply deadline, as happens in a real service; cases filed over a weekend or holiday wait for
their first contact until the next working morning. A few cases wait for the committee.

The rows are written in one go rather than a step at a time through ``services`` (which would
take a minute for this many cases), with the services' own rules: ``reply_due``, tracking
numbers, keyed code hashes, encryption and redaction. ``tests/complaints/test_demo.py`` replays
every case through the workflow table and checks the dates each step sets.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import User
from portal.accounts.services import get_user
from portal.complaints import codes, demo_content, services
from portal.complaints.enums import (
    OPEN_STATUSES,
    ActorKind,
    ComplaintStatus,
    ComplaintType,
    EventKind,
    FindingOutcome,
)
from portal.complaints.models import Complaint, ComplaintEvent
from portal.complaints.redaction import redact
from portal.complaints.reference import CATEGORIES, DISTRICTS
from portal.complaints.workdays import add_working_days, is_working_day, reply_due
from portal.core import protection
from portal.core.numbering import YearCounter
from portal.extensions import db

S, A, K = ComplaintStatus, ActorKind, EventKind
SEED = 2026
DAYS = 365
# Cases filed on a working day and on a day off, before the month's season factor.
PER_WORKING_DAY, PER_DAY_OFF = 9.0, 4.5
SEASON = {1: 0.85, 2: 0.75, 3: 0.9, 4: 0.95, 5: 1.0, 6: 1.1, 7: 1.3, 8: 1.35, 9: 1.1,
          10: 0.9, 11: 0.9, 12: 0.9}
# Share of filings in each hour of the day (00-23), local time.
HOURS = (1.0, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 6, 6, 5, 5, 5, 5, 5, 4, 3, 2)
DISTRICT_WEIGHTS = (40, 25, 15, 12, 7, 1)
# Customer service's day (and the committee's).
OPENS, CLOSES = time(8, 30), time(17, 30)
LATE_SHARE = 0.07
OVERDUE_SHARE = 0.05  # of the open cases at the moment of loading
MIN_OVERDUE, MAX_OVERDUE = 2, 6
MIN_AWAITING_COMMITTEE = 3


@dataclass
class Step:
    """One event of a planned case."""

    at: datetime
    kind: EventKind
    actor: ActorKind
    to: ComplaintStatus | None = None
    body: str | None = None
    rating: int | None = None
    resolved: bool | None = None
    assigned: bool = False
    outcome: FindingOutcome | None = None


@dataclass
class Case:
    """A planned case: what the resident filed, and every step it would go through."""

    index: int
    registered: datetime
    category: str
    district: str
    subject: str
    detail: str
    answer: str
    filing: services.Filing
    steps: list[Step] = field(default_factory=list)


class _Clock:
    """The working hours of customer service, and the hours at which residents act."""

    def __init__(self, zone: ZoneInfo, rng: random.Random) -> None:
        self.zone, self.rng = zone, rng

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, self.zone).astimezone(UTC)

    def next_working_day(self, day: date) -> date:
        return add_working_days(day, 1)

    def at_work(self, moment: datetime) -> datetime:
        """The first moment at or after ``moment`` at which customer service is at work; a
        morning starts with what came in overnight, so it takes up to an hour and a half."""
        local = self.local(moment)
        day = local.date()
        if is_working_day(day) and local.time() < OPENS:
            return self.at(day, OPENS) + timedelta(minutes=self.rng.uniform(0, 90))
        if is_working_day(day) and local.time() < time(17, 15):
            return moment
        return self.at(self.next_working_day(day), OPENS) + timedelta(
            minutes=self.rng.uniform(0, 90))

    def staff_after(self, moment: datetime, low: float, high: float) -> datetime:
        """Customer service acts ``low`` to ``high`` hours after ``moment``, at work."""
        return self.at_work(moment + timedelta(hours=self.rng.uniform(low, high)))

    def resident_after(self, moment: datetime, low: float, high: float) -> datetime:
        """A resident acts ``low`` to ``high`` hours after ``moment``, mostly awake."""
        later = moment + timedelta(hours=self.rng.uniform(low, high))
        local = self.local(later)
        if local.hour < 7 and self.rng.random() < 0.8:
            later = self.at(local.date(), time(7)) + timedelta(minutes=self.rng.uniform(0, 120))
        return later

    def meeting(self, moment: datetime, low: int, high: int) -> datetime:
        """The committee meets ``low`` to ``high`` working days after ``moment``."""
        day = add_working_days(self.local(moment).date(), self.rng.randint(low, high))
        return self.at(day, time(9, 30)) + timedelta(minutes=self.rng.uniform(0, 390))

    def reply_time(self, registered: datetime, started: datetime, late: bool) -> datetime:
        """When customer service replies: on a working day up to the deadline (4 working days
        after the day of filing), or, when late, one to four working days after it."""
        first = self.local(registered).date()
        offsets = (5, 6, 7, 8) if late else (0, 1, 2, 3, 4)
        weights = (4, 3, 2, 1) if late else (1, 8, 22, 34, 35)
        earliest = started + timedelta(minutes=30)
        windows = []
        for offset, weight in zip(offsets, weights, strict=True):
            day = add_working_days(first, offset) if offset else first
            if not is_working_day(day):
                continue
            start, end = max(self.at(day, time(9)), earliest), self.at(day, time(17, 15))
            if start < end:
                windows.append((start, end, weight))
        if not windows:  # started too late for an answer in time: the next working morning
            return self.staff_after(earliest, 0, 1)
        start, end, _weight = self.rng.choices(windows, weights=[w for *_, w in windows])[0]
        return start + (end - start) * self.rng.random()


class _Planner:
    """Plans each case from its filing to its end."""

    def __init__(self, zone: ZoneInfo, reply_days: dict[str, int]) -> None:
        self.zone, self.reply_days = zone, reply_days

    def due(self, moment: datetime, category: str) -> datetime:
        return reply_due(moment, self.reply_days[category], str(self.zone))

    def plan(self, case: Case, late: bool, hold: bool = False) -> list[Step]:
        """The steps of ``case`` (the same ones for the same case: its own seeded dice);
        ``hold``: customer service has not replied yet, whatever the date."""
        rng = random.Random(f"{SEED}:{case.index}")
        clock = _Clock(self.zone, rng)
        steps = [Step(case.registered, K.STATUS, A.COMPLAINANT, S.REGISTERED)]
        fate = rng.random()
        first = clock.staff_after(case.registered, 0.3, 3)
        if fate < 0.03:
            withdrawn = clock.resident_after(case.registered, 1, 30)
            if withdrawn > first:
                steps.append(Step(first, K.STATUS, A.STAFF, S.ACCEPTED))
                withdrawn = max(withdrawn, first + timedelta(minutes=20))
            return [*steps, Step(withdrawn, K.STATUS, A.COMPLAINANT, S.WITHDRAWN)]
        if fate < 0.07:
            steps.append(Step(first, K.STATUS, A.STAFF, S.REJECTED,
                              rng.choice(demo_content.REJECTIONS)))
            if rng.random() < 0.1:
                steps += self._committee(clock, rng, clock.resident_after(first, 4, 96))
            return steps
        steps.append(Step(first, K.STATUS, A.STAFF, S.ACCEPTED))
        if rng.random() < 0.6:
            steps.append(Step(first, K.ASSIGNED, A.STAFF, assigned=True))
        started = clock.staff_after(first, 0.2, 4)
        steps.append(Step(started, K.STATUS, A.STAFF, S.IN_PROGRESS))
        if late and rng.random() < 0.1:  # the resident does not wait for the late answer
            escalated = clock.resident_after(self.due(case.registered, case.category), 2, 48)
            return [*steps, *self._committee(clock, rng, escalated, unanswered=True)]
        replied = clock.reply_time(case.registered, started, late)
        if hold:
            return steps
        # In order of time (stable: a reply and its status change stay together).
        return sorted(steps + self._answer(case, clock, rng, replied), key=lambda s: s.at)

    def _answer(self, case: Case, clock: _Clock, rng: random.Random, replied: datetime,
                reopened: bool = False) -> list[Step]:
        """The reply and what follows it: a rating, a callback, reopening, the committee."""
        steps = [Step(replied, K.REPLY, A.STAFF, body=case.answer),
                 Step(replied, K.STATUS, A.STAFF, S.REPLIED)]
        if case.filing.consent_publish and rng.random() < 0.8:
            steps.append(Step(clock.staff_after(replied, 0.5, 20), K.SUMMARY_APPROVED, A.STAFF))
        verdict = rng.random()
        rated = clock.resident_after(replied, 2, 96)
        if verdict < 0.55:
            rating = rng.choice((3, 4, 4, 5, 5, 5))
            return [*steps, Step(rated, K.RATED, A.COMPLAINANT, rating=rating, resolved=True),
                    Step(rated, K.STATUS, A.COMPLAINANT, S.CLOSED)]
        if verdict < 0.70:
            steps.append(Step(rated, K.RATED, A.COMPLAINANT, rating=rng.choice((1, 2, 2)),
                              resolved=False))
            after = rng.random()
            if after < 0.45 and not reopened:
                again = clock.resident_after(rated, 0.5, 48)
                steps.append(Step(again, K.STATUS, A.COMPLAINANT, S.REOPENED,
                                  rng.choice(demo_content.REOPENINGS)))
                started = clock.staff_after(again, 0.5, 6)
                steps.append(Step(started, K.STATUS, A.STAFF, S.IN_PROGRESS))
                return steps + self._answer(case, clock, rng,
                                            clock.reply_time(again, started, False), True)
            if after < 0.60:
                escalated = clock.resident_after(rated, 1, 72)
                return steps + self._committee(clock, rng, escalated)
            return [*steps, *self._callback(case, clock, rated)]
        return [*steps, *self._callback(case, clock, replied)]

    def _callback(self, case: Case, clock: _Clock, last: datetime) -> list[Step]:
        """Customer service calls back (if it may) and closes the case a few days later."""
        closed = clock.meeting(last, 2, 5)
        steps = []
        if case.filing.consent_contact:
            steps.append(Step(closed, K.NOTE, A.STAFF, body=demo_content.CALLBACK))
        return [*steps, Step(closed, K.STATUS, A.STAFF, S.CLOSED)]

    def _committee(self, clock: _Clock, rng: random.Random, escalated: datetime,
                   unanswered: bool = False) -> list[Step]:
        reason = (demo_content.ESCALATED_UNANSWERED if unanswered
                  else rng.choice(demo_content.ESCALATIONS))
        # The decisions are written for the outcomes in their order: upheld, partly, not upheld.
        finding = rng.randrange(len(demo_content.DECISIONS))
        return [Step(escalated, K.STATUS, A.COMPLAINANT, S.ESCALATED, reason),
                Step(clock.meeting(escalated, 5, 20), K.STATUS, A.COMMITTEE, S.DECIDED,
                     demo_content.DECISIONS[finding], outcome=list(FindingOutcome)[finding])]


def _filing_times(now: datetime, zone: ZoneInfo, rng: random.Random) -> Iterator[datetime]:
    """When residents filed over the last ``DAYS`` days, oldest first."""
    today = now.astimezone(zone).date()
    for back in range(DAYS, -1, -1):
        day = today - timedelta(days=back)
        mean = (PER_WORKING_DAY if is_working_day(day) else PER_DAY_OFF) * SEASON[day.month]
        count = max(0, round(rng.gauss(mean, math.sqrt(mean))))
        moments = []
        for _filing in range(count):
            hour = rng.choices(range(24), weights=HOURS)[0]
            local = datetime.combine(day, time(hour), zone) + timedelta(
                seconds=rng.uniform(0, 3600))
            moments.append(local.astimezone(UTC))
        yield from sorted(moment for moment in moments if moment < now)


def _new_case(index: int, registered: datetime, rng: random.Random, zone: ZoneInfo) -> Case:
    """What one resident files."""
    day = registered.astimezone(zone).date()
    district = rng.choices(DISTRICTS, weights=DISTRICT_WEIGHTS)[0]
    summer = day.month in {6, 7, 8, 9}
    weights = [3 if summer and code in {"QUAL", "OUT-REPAIR"} else 1 for code, *_ in CATEGORIES]
    category = rng.choices([code for code, *_ in CATEGORIES], weights=weights)[0]
    subject, detail, answer = rng.choice(demo_content.CASES[category])
    place = rng.choice(demo_content.PLACES[district[3]])
    contact = rng.random() < 0.7
    phone = f"1380000{rng.randint(0, 9999):04d}"
    said = f"联系电话 {phone}。" if contact and rng.random() < 0.3 else ""
    occurred = day - timedelta(days=rng.randint(0, 3)) if rng.random() < 0.5 else None
    filing = services.Filing(
        type=rng.choices(list(ComplaintType), weights=[80, 8, 12])[0],
        category_code=category, district_code=district[0], subject=subject,
        description=f"（演示数据，虚构）{district[1]}{place}：{detail}。"
                    f"{rng.choice(demo_content.ASKS)}{said}",
        occurred_on=occurred, location=place if rng.random() < 0.6 else None,
        account_number=f"{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.5 else None,
        contact_name=rng.choice(demo_content.NAMES) if contact else None,
        contact_phone=phone if contact else None,
        consent_contact=contact, consent_publish=rng.random() < 0.3)
    return Case(index, registered, category, district[0], subject, detail, answer, filing)


@dataclass(frozen=True)
class _State:
    """A case's columns after its steps, as the services would have set them."""

    status: ComplaintStatus
    first_contacted_at: datetime | None = None
    replied_at: datetime | None = None
    closed_at: datetime | None = None
    reply_due_at: datetime | None = None
    rating: int | None = None
    resolved: bool | None = None
    reopen_count: int = 0
    summary_approved_at: datetime | None = None
    assigned: bool = False
    escalated_at: datetime | None = None


FINISHED = {S.CLOSED, S.WITHDRAWN, S.REJECTED, S.DECIDED}


def state_after(steps: list[Step], due: datetime, planner: _Planner, category: str) -> _State:
    """What ``services`` would have stored after ``steps`` (see ``_apply_status``, ``reply``,
    ``rate`` and ``approve_summary``)."""
    state = _State(S.REGISTERED, reply_due_at=due)
    for step in steps[1:]:
        if step.actor is A.STAFF and step.kind in {K.STATUS, K.REPLY} and \
                state.first_contacted_at is None:
            state = replace(state, first_contacted_at=step.at)
        if step.kind is K.RATED:
            state = replace(state, rating=step.rating, resolved=step.resolved)
        elif step.kind is K.SUMMARY_APPROVED:
            state = replace(state, summary_approved_at=step.at)
        elif step.assigned:
            state = replace(state, assigned=True)
        elif step.kind is K.STATUS and step.to is not None:
            state = _moved(state, step.to, step.at, planner.due(step.at, category))
    return state


def _moved(state: _State, target: ComplaintStatus, at: datetime, due: datetime) -> _State:
    """The dates a status change moves (``services._apply_status``)."""
    state = replace(state, status=target)
    if target is S.REOPENED:
        state = replace(state, reopen_count=state.reopen_count + 1, replied_at=None,
                        closed_at=None, rating=None, resolved=None, reply_due_at=due)
    elif target is S.REPLIED:
        state = replace(state, replied_at=at)
    if target in FINISHED:
        return replace(state, closed_at=at)
    if target is S.ESCALATED:
        return replace(state, closed_at=None, escalated_at=at)
    return state


def _overdue(state: _State, case: Case, now: datetime) -> bool:
    if not state.status.is_open:
        return False
    first_due = case.registered + timedelta(hours=24)
    return (state.first_contacted_at is None and now > first_due) or (
        state.replied_at is None and state.reply_due_at is not None
        and now > state.reply_due_at)


def _cut(steps: list[Step], now: datetime) -> list[Step]:
    return [step for step in steps if step.at <= now]


class _Demo:
    """Plans every case, cut at ``now``, then sets the handful that waits too long."""

    def __init__(self, now: datetime, zone: ZoneInfo, reply_days: dict[str, int]) -> None:
        self.now, self.planner = now, _Planner(zone, reply_days)
        self.states: dict[int, _State] = {}
        rng = random.Random(SEED)
        self.cases = [_new_case(index, moment, rng, zone)
                      for index, moment in enumerate(_filing_times(now, zone, rng))]
        self.late = {case.index: random.Random(f"{SEED}:late:{case.index}").random()
                     < LATE_SHARE for case in self.cases}
        for case in self.cases:
            case.steps = _cut(self.planner.plan(case, self.late[case.index]), now)

    def state(self, case: Case) -> _State:
        if case.index not in self.states:
            self.states[case.index] = state_after(
                case.steps, self.planner.due(case.registered, case.category), self.planner,
                case.category)
        return self.states[case.index]

    def replan(self, case: Case, late: bool, hold: bool = False) -> None:
        self.late[case.index] = late
        case.steps = _cut(self.planner.plan(case, late, hold), self.now)
        self.states.pop(case.index, None)

    def _reply_overdue(self) -> list[Case]:
        return [case for case in self.cases
                if _overdue(self.state(case), case, self.now)
                and self.state(case).first_contacted_at is not None]

    def settle_overdue(self) -> None:
        """Leave about 5 % of the open cases (at least 2, at most 6) waiting past their reply
        deadline: late answers of the last days come in time, or a few recent ones wait."""
        open_cases = [case for case in self.cases if self.state(case).status.is_open]
        target = min(MAX_OVERDUE, max(MIN_OVERDUE, round(OVERDUE_SHARE * len(open_cases))))
        waiting = self._reply_overdue()
        for case in waiting[target:]:
            self.replan(case, late=False)
        missing = target - min(target, len(waiting))
        if missing:
            rng = random.Random(f"{SEED}:overdue")
            limit = self.now - timedelta(days=5)
            candidates = [case for case in self.cases if case.registered > limit - timedelta(
                days=7) and self._could_wait(case)]
            for case in rng.sample(candidates, min(missing, len(candidates))):
                self.replan(case, late=False, hold=True)

    def _could_wait(self, case: Case) -> bool:
        """Answered on time, and would be overdue now had it not been answered."""
        state = self.state(case)
        held = _cut(self.planner.plan(case, False, hold=True), self.now)
        held_state = state_after(held, self.planner.due(case.registered, case.category),
                                 self.planner, case.category)
        return (state.replied_at is not None and state.reopen_count == 0
                and held_state.status is S.IN_PROGRESS and _overdue(held_state, case, self.now))

    def settle_committee(self) -> None:
        """A few cases wait for the committee: if too few do, its latest meetings have not
        decided them yet."""
        awaiting = [case for case in self.cases if self.state(case).status is S.ESCALATED]
        decided = sorted((case for case in self.cases if self.state(case).status is S.DECIDED),
                         key=lambda case: case.steps[-1].at, reverse=True)
        for case in decided[:max(0, MIN_AWAITING_COMMITTEE - len(awaiting))]:
            case.steps = case.steps[:-1]
            self.states.pop(case.index, None)


def _reply_days() -> dict[str, int]:
    return {code: days for code, _zh, _en, _hours, days in CATEGORIES}


def _first_contact_hours() -> dict[str, int]:
    return {code: hours for code, _zh, _en, hours, _days in CATEGORIES}


def _row(case: Case, state: _State, people: dict[ActorKind, User],
         sequence: tuple[int, int]) -> dict[str, object]:
    """The case's row in ``complaints``."""
    year, number = sequence
    key = f"demo-{case.index}"
    pepper = str(current_app.config["CODE_PEPPER"])
    filing = case.filing
    return {
        "tracking_number": codes.tracking_number(year, number), "year": year,
        "sequence": number, "submission_digest": codes.key_digest(key),
        "code_hash": codes.hash_code(codes.code_for(key, pepper), pepper),
        "type": filing.type, "category_code": case.category, "district_code": case.district,
        "subject": case.subject, "description": filing.description,
        "occurred_on": filing.occurred_on, "location": filing.location,
        "account_number_enc": protection.encrypt(filing.account_number),
        "contact_name_enc": protection.encrypt(filing.contact_name),
        "contact_phone_enc": protection.encrypt(filing.contact_phone),
        "contact_email_enc": None, "language": "zh_Hans_CN",
        "consent_contact": filing.consent_contact, "consent_publish": filing.consent_publish,
        "status": state.status, "registered_at": case.registered,
        "first_contact_due_at": case.registered + timedelta(
            hours=_first_contact_hours()[case.category]),
        "reply_due_at": state.reply_due_at, "first_contacted_at": state.first_contacted_at,
        "replied_at": state.replied_at, "closed_at": state.closed_at, "rating": state.rating,
        "resolved": state.resolved, "reopen_count": state.reopen_count,
        "assigned_to_id": people[A.STAFF].id if state.assigned else None,
        "summary_approved_at": state.summary_approved_at,
        "listed_at": state.summary_approved_at,
        "public_summary": (redact(f"{case.subject}\n\n{filing.description}")
                           if state.summary_approved_at else None),
        "contact_purged_at": None,
        # As services.escalate and services.approve_summary set them.
        "escalated_at": state.escalated_at,
        "committee_due_at": (services.committee_due(state.escalated_at)
                             if state.escalated_at else None),
        "public_id": _public_id(case) if state.summary_approved_at else None,
    }


def _public_id(case: Case) -> str:
    """A published demo case's public identifier, the same at every load (a seeded choice of
    the alphabet of ``codes.new_public_id``)."""
    rng = random.Random(f"public-{case.index}")
    return "".join(rng.choice(codes.ALPHABET) for _ in range(codes.PUBLIC_ID_LENGTH))


def _events(case: Case, complaint_id: int, people: dict[ActorKind, User]
            ) -> Iterator[dict[str, object]]:
    """The case's rows in ``complaint_events``, oldest first."""
    status: ComplaintStatus | None = None
    for step in case.steps:
        actor = people.get(step.actor)
        yield {"complaint_id": complaint_id, "kind": step.kind, "actor_kind": step.actor,
               "actor_id": actor.id if actor else None, "body": step.body,
               "from_status": status if step.kind is K.STATUS else None,
               "to_status": step.to, "rating": step.rating, "resolved": step.resolved,
               "assignee_id": people[A.STAFF].id if step.assigned else None,
               "outcome": step.outcome,
               "created_at": step.at}
        if step.kind is K.STATUS:
            status = step.to


def _people() -> dict[ActorKind, User]:
    staff, member = get_user("demo-staff"), get_user("demo-committee")
    if staff is None or member is None:
        raise RuntimeError("The demo complaints need the demo accounts, which load first.")
    return {A.STAFF: staff, A.COMMITTEE: member}


def load(now: datetime) -> list[str]:
    """Plan the cases with a fixed seed, as they stand at ``now``, and store them."""
    zone = ZoneInfo(str(current_app.config["TIMEZONE"]))
    demo = _Demo(now, zone, _reply_days())
    demo.settle_overdue()
    demo.settle_committee()
    people = _people()
    series = services.COUNTER_SERIES
    counters = {row.year: row for row in db.session.scalars(
        sa.select(YearCounter).where(YearCounter.series == series))}
    rows = []
    for case in demo.cases:
        year = case.registered.astimezone(zone).year
        counter = counters.setdefault(year, YearCounter(series=series, year=year, last=0))
        counter.last += 1
        rows.append(_row(case, demo.state(case), people, (year, counter.last)))
    db.session.add_all(counters.values())
    db.session.flush()
    # Many rows in one statement each (executemany of the tables, not row by row).
    complaints, events = Complaint.__table__, ComplaintEvent.__table__
    db.session.execute(complaints.insert(), rows)
    ids: dict[str, int] = {number: row_id for number, row_id in db.session.execute(
        sa.select(complaints.c.tracking_number, complaints.c.id))}
    db.session.execute(events.insert(), [
        event for case, row in zip(demo.cases, rows, strict=True)
        for event in _events(case, ids[str(row["tracking_number"])], people)])
    lines = [f"Demo complaints: {len(rows)} fictitious cases over the last 12 months."]
    # One answered case (to rate it or go to the committee) and one still open (to add
    # information or withdraw it): the newest of each.
    pepper = str(current_app.config["CODE_PEPPER"])
    for label, wanted in (("answered", {S.REPLIED}), ("open", OPEN_STATUSES)):
        sample = next((index for index in range(len(rows) - 1, -1, -1)
                       if rows[index]["status"] in wanted), None)
        if sample is not None:
            code = codes.code_for(f"demo-{demo.cases[sample].index}", pepper)
            lines.append(f"  Track one ({label}): {rows[sample]['tracking_number']} with code "
                         f"{codes.format_code(code)}")
    return lines
