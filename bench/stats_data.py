"""Fictitious complaints over the five years before a moment, for the statistics benchmark,
written with PostgreSQL ``COPY`` (a million in a few minutes).

    .venv/bin/python bench/stats_data.py --count 1000000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/stats_bench_1m
    .venv/bin/python bench/stats_data.py --count 10000 --now 2026-11-27T12:00+08:00 \\
        --database-url ... --fresh          # drop the database and make it again first

Or from Python: ``generate(database_url, count, now, seed=SEED)``.

The database must hold no complaints (it is created if missing). The migrations run first
(``flask --app portal db upgrade``, which loads the categories and districts); then ``count``
cases are planned from their filing to their end, as a service would have handled them, cut at
``now`` (what would happen later has not happened yet), and written in one ``COPY``:

- When: more filings in the summer (heat, storms) and the winter (heating load), fewer in
  spring and autumn; a day off half as busy as a working day (the Chinese calendar of
  ``workdays``: holidays off, adjusted weekends on); a few storm days; a slow growth over the
  years; hours of the day as the demo data files them.
- What and where: districts in proportion to their ``customers`` (the remote 南岭乡, about
  0.5 %, gets small counts); categories weighted (bills, repairs and outage notices frequent,
  grid construction rare), more supply quality and repairs in the summer and outside the city;
  types complaint 80 %, report 12 %, suggestion 8 %.
- Handling: first contact mostly within 24 hours (the duty shift calls back most filings of a
  day off), about 90 % of replies by ``reply_due_at`` (the end of the 4th working day after the
  local day of filing, ``workdays.reply_due``), 3 % withdrawn, 4 % not accepted; about 40 % of
  answers rated (mostly 4 and 5; ``resolved`` follows the rating), some unresolved ones
  reopened; about 2 % taken to the users' committee, which decides most of them (status
  ``decided``, and one ``complaint_events`` row with its outcome).

Every case obeys the table's CHECK and unique constraints (tracking numbers ``TS-YYYY-NNNNNN``
counted per local year, with ``year_counters`` set so that new filings continue them; one
submission digest each; no consent to publish, so no public identifier; no contact details).
A comment on the ``complaints`` table records the count, moment and seed, so that a rerun of
the benchmark can tell that the database is ready (``generated_with``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time as timer
from bisect import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.complaints import demo_content
from portal.complaints.codes import HMAC_SCHEME, tracking_number
from portal.complaints.demo import HOURS
from portal.complaints.enums import ComplaintStatus, FindingOutcome
from portal.complaints.services import COUNTER_SERIES
from portal.complaints.workdays import add_working_days, is_working_day, reply_due
from portal.config import OPTIONS_BY_KEY

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).parent / "flask"
ZONE = "Asia/Shanghai"
# The moment the benchmark's data is generated for: 2026-Q3 is complete, 2026-Q4 under way.
BENCH_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=ZoneInfo(ZONE))
SEED = 2026
YEARS = 5
MARK = "stats_bench "  # the table comment that says what was generated
# Secrets of the bench's own processes (the Fernet key is the complaints bench's).
BENCH_ENV = {"PORTAL_SECRET_KEY": "bench", "PORTAL_LOG_LEVEL": "WARNING",
             "PORTAL_DATA_KEY": "Ak1BDqTHQ0bOdxyXL0vvmsG8h9dmw6hCU2xrvPx0OtI=",
             "PORTAL_CODE_PEPPER": "bench-pepper",
             "PORTAL_LOG_SIGNING_KEY": "YmVuY2gtc2lnbmluZy1zZWVkLi4uLi4uLi4uLi4uLi4="}

# Filings per day, relative: summer heat and storms, the winter's heating load.
SEASON = {1: 1.2, 2: 1.0, 3: 0.85, 4: 0.8, 5: 0.9, 6: 1.1, 7: 1.4, 8: 1.45, 9: 1.1, 10: 0.85,
          11: 0.95, 12: 1.15}
SUMMER, WINTER = frozenset({6, 7, 8, 9}), frozenset({12, 1, 2})
DAY_OFF = 0.5  # a day off is half as busy as a working day
GROWTH = 0.06  # per year: more people file online
STORM_SHARE, STORM = 0.015, 2.5  # a typhoon, heat wave or ice storm (summer and winter days)
CATEGORY_WEIGHTS = {"BIZ-BILL": 20, "OUT-REPAIR": 17, "OUT-NOTICE": 12, "QUAL": 10,
                    "BIZ-METER": 8, "SVC-ATT": 8, "BIZ-READ": 7, "SVC-CH": 6, "BIZ-NEW": 5,
                    "BIZ-FEE": 4, "GRID": 1}
OTHER_CATEGORY = 3  # a category added to the reference data later
SEASON_FACTORS = {"summer": {"QUAL": 2.0, "OUT-REPAIR": 1.8, "OUT-NOTICE": 1.4},
                  "winter": {"BIZ-BILL": 1.4, "OUT-REPAIR": 1.3, "QUAL": 1.3}, "other": {}}
AREA_FACTORS = {"urban": {"SVC-CH": 1.2},
                "rural": {"QUAL": 1.5, "OUT-REPAIR": 1.4, "GRID": 2.0},
                "remote": {"QUAL": 2.0, "OUT-REPAIR": 1.8, "GRID": 3.0}}
TYPES, TYPE_WEIGHTS = ("complaint", "report", "suggestion"), (80, 12, 8)
ENGLISH = 0.05  # filed on the English pages

# How cases go (shares of all cases, or of those that reached the step).
WITHDRAWN, REJECTED = 0.03, 0.04
SLOW_FIRST_CONTACT = 0.04  # forgotten for a day or two
DUTY_SHIFT = 0.7  # of the filings of a day off, called back by the duty shift that day
LATE_REPLY = 0.10
ESCALATE_UNANSWERED = 0.05  # of the late ones: the resident does not wait
RATED = 0.40
RATINGS, RATING_WEIGHTS = (5, 4, 3, 2, 1), (40, 25, 15, 10, 10)
RESOLVED_IF = {5: 0.95, 4: 0.85, 3: 0.5, 2: 0.15, 1: 0.05}
ESCALATE_UNRESOLVED, REOPEN_UNRESOLVED = 0.12, 0.30
ESCALATE_REJECTED = 0.08
OUTCOMES, OUTCOME_WEIGHTS = tuple(FindingOutcome), (30, 30, 40)
# Replies on the day of filing (0) to the 4th working day after it, or 1 to 4 working days late.
ON_TIME = ((0, 1), (1, 8), (2, 22), (3, 34), (4, 35))
LATE = ((5, 4), (6, 3), (7, 2), (8, 1))
HOUR = 3600.0

S = ComplaintStatus
FINISHED = frozenset({S.CLOSED.value, S.WITHDRAWN.value, S.REJECTED.value, S.DECIDED.value})
COMPLAINT_COLUMNS = (
    "id", "tracking_number", "year", "sequence", "submission_digest", "code_hash", "type",
    "category_code", "district_code", "subject", "description", "occurred_on", "location",
    "consent_contact", "consent_publish", "language", "status", "registered_at",
    "first_contact_due_at", "reply_due_at", "first_contacted_at", "replied_at", "closed_at",
    "rating", "resolved", "reopen_count", "escalated_at", "committee_due_at")
EVENT_COLUMNS = ("id", "complaint_id", "kind", "actor_kind", "from_status", "to_status", "body",
                 "outcome", "created_at")


def conninfo(database_url: str) -> str:
    """The libpq address of an SQLAlchemy URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise SystemExit(f"PostgreSQL only (COPY): {url.render_as_string()}")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _maintenance(database_url: str) -> tuple[str, str]:
    """(address of the server's ``postgres`` database, name of the database)."""
    url = make_url(database_url)
    return conninfo(url.set(database="postgres").render_as_string(hide_password=False)), \
        str(url.database)


def ensure_database(database_url: str, fresh: bool = False) -> None:
    """Create the database if it does not exist; ``fresh``: drop it first."""
    server, name = _maintenance(database_url)
    with psycopg.connect(server, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def generated_with(database_url: str) -> dict[str, object] | None:
    """What ``generate`` wrote into this database (count, now, seed), or None."""
    try:
        with psycopg.connect(conninfo(database_url)) as conn:
            row = conn.execute("SELECT obj_description(to_regclass('complaints'), 'pg_class')"
                               ).fetchone()
    except psycopg.OperationalError:
        return None  # no such database
    comment = row[0] if row else None
    if not comment or not comment.startswith(MARK):
        return None
    found: dict[str, object] = json.loads(comment[len(MARK):])
    return found


def marker(count: int, now: datetime, seed: int) -> dict[str, object]:
    """The record of one generation, as ``generated_with`` reads it back."""
    return {"count": count, "now": now.astimezone(UTC).isoformat(), "seed": seed}


def migrate(database_url: str) -> None:
    """``flask --app portal db upgrade`` on the database (it loads the reference data too)."""
    env = {**os.environ, **BENCH_ENV, "PORTAL_DATABASE_URL": database_url}
    subprocess.run([str(FLASK), "--app", "portal", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@dataclass(frozen=True)
class _Day:
    """A local day as customer service sees it (moments as POSIX seconds)."""

    working: bool
    opens: float  # 08:30
    nine: float  # 09:00, the earliest reply of the day
    last_call: float  # 17:15: later work waits for the next working day
    midnight: float


class _Calendar:
    """Working days and hours in the local time zone, each day computed once."""

    def __init__(self, zone: str) -> None:
        self.name, self.zone = zone, ZoneInfo(zone)
        self._days: dict[date, _Day] = {}
        self._after: dict[tuple[date, int], date] = {}
        self._due: dict[tuple[date, int], float] = {}

    def local(self, moment: float) -> datetime:
        return datetime.fromtimestamp(moment, self.zone)

    def at(self, day: date, clock: time) -> float:
        return datetime.combine(day, clock, self.zone).timestamp()

    def day(self, day: date) -> _Day:
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = _Day(
                is_working_day(day), self.at(day, time(8, 30)), self.at(day, time(9)),
                self.at(day, time(17, 15)), self.at(day, time(0)))
        return found

    def working_after(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``workdays.add_working_days``)."""
        key = (day, count)
        found = self._after.get(key)
        if found is None:
            found = self._after[key] = add_working_days(day, count)
        return found

    def due(self, day: date, working_days: int) -> float:
        """``workdays.reply_due`` of anything filed on local ``day``."""
        key = (day, working_days)
        found = self._due.get(key)
        if found is None:
            noon = datetime.combine(day, time(12), self.zone)
            found = self._due[key] = reply_due(noon, working_days, self.name).timestamp()
        return found


class _Case:
    """One case's columns as the services would have set them, step by step up to ``now``."""

    __slots__ = ("closed", "committee_due", "decided", "escalated", "first_contacted", "now",
                 "rating", "reopened", "replied", "reply_due", "resolved", "status")
    closed: float | None
    committee_due: float | None
    decided: tuple[float, str] | None  # when, and the outcome
    escalated: float | None
    first_contacted: float | None
    rating: int | None
    replied: float | None
    resolved: bool | None

    def __init__(self, now: float, reply_due_at: float) -> None:
        self.now, self.reply_due = now, reply_due_at
        self.status = S.REGISTERED.value
        self.first_contacted = self.replied = self.closed = None
        self.escalated = self.committee_due = self.decided = None
        self.rating = self.resolved = None
        self.reopened = 0

    def move(self, moment: float, status: str, staff: bool = False) -> bool:
        """Change the status at ``moment``; False (and nothing changed) if it is after now."""
        if moment > self.now:
            return False
        self.status = status
        if staff and self.first_contacted is None:
            self.first_contacted = moment
        if status == "replied":
            self.replied = moment
        if status in FINISHED:
            self.closed = moment
        elif status == "escalated":
            self.closed, self.escalated = None, moment
        return True

    def rate(self, moment: float, rating: int, resolved: bool) -> bool:
        if moment > self.now:
            return False
        self.rating, self.resolved = rating, resolved
        return True


class _Planner:
    """Plans each case from its filing to its end (a service that mostly keeps its deadlines),
    with its own dice."""

    def __init__(self, calendar: _Calendar, now: float, rng: random.Random,
                 committee_days: int) -> None:
        self.cal, self.now, self.rng, self.committee_days = calendar, now, rng, committee_days
        self._windows: dict[tuple[date, bool], list[tuple[float, float, int]]] = {}

    def hours(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high) * HOUR

    def at_work(self, moment: float) -> float:
        """The first moment at or after ``moment`` at which customer service is at work; the
        morning starts with what came in overnight (up to an hour and a half)."""
        day = self.cal.local(moment).date()
        info = self.cal.day(day)
        if info.working and info.opens <= moment < info.last_call:
            return moment
        if info.working and moment < info.opens:
            return info.opens + self.rng.random() * 1.5 * HOUR
        return self.cal.day(self.cal.working_after(day, 1)).opens + \
            self.rng.random() * 1.5 * HOUR

    def first_contact(self, registered: float, day: date) -> float:
        rng = self.rng
        if rng.random() < SLOW_FIRST_CONTACT:
            return self.at_work(registered + self.hours(24, 60))
        info = self.cal.day(day)
        if info.working or rng.random() >= DUTY_SHIFT:
            return self.at_work(registered + self.hours(0.3, 3))
        # The duty shift of a day off works 09:00 to 17:00 and calls back the same day.
        start = registered if registered < info.midnight + 16 * HOUR \
            else info.midnight + 33 * HOUR
        return max(start, info.nine) + self.hours(0.5, 4)

    def meeting(self, moment: float, low: int, high: int) -> float:
        """Someone at work ``low`` to ``high`` working days after ``moment``, in office hours."""
        day = self.cal.working_after(self.cal.local(moment).date(), self.rng.randint(low, high))
        return self.cal.at(day, time(9, 30)) + self.rng.random() * 6.5 * HOUR

    def windows(self, day: date, late: bool) -> list[tuple[float, float, int]]:
        key = (day, late)
        found = self._windows.get(key)
        if found is None:
            found = []
            for offset, weight in LATE if late else ON_TIME:
                target = self.cal.working_after(day, offset) if offset else day
                info = self.cal.day(target)
                if info.working:
                    found.append((info.nine, info.last_call, weight))
            self._windows[key] = found
        return found

    def reply_time(self, day: date, started: float, late: bool) -> float:
        """A working day up to the deadline, or one to four working days after it."""
        earliest = started + 0.5 * HOUR
        windows = [(max(begin, earliest), end, weight)
                   for begin, end, weight in self.windows(day, late) if end > earliest]
        if not windows:  # started too late to answer in time: the next working morning
            return self.at_work(earliest + self.rng.random() * HOUR)
        begin, end, _weight = self.rng.choices(windows, weights=[w for *_, w in windows])[0]
        return begin + (end - begin) * self.rng.random()

    def plan(self, registered: float, day: date, reply_days: int) -> _Case:
        """The case filed at ``registered`` (local ``day``), as it stands at ``now``."""
        case = _Case(self.now, self.cal.due(day, reply_days))
        fate = self.rng.random()
        first = self.first_contact(registered, day)
        if fate < WITHDRAWN:
            withdrawn = registered + self.hours(1, 30)
            if first > withdrawn or case.move(first, "accepted", staff=True):
                case.move(withdrawn, "withdrawn")
        elif fate < WITHDRAWN + REJECTED:
            if case.move(first, "rejected", staff=True) and self.rng.random() < ESCALATE_REJECTED:
                self.committee(case, first + self.hours(4, 96))
        elif case.move(first, "accepted", staff=True):
            self.handle(case, first, day, reply_days)
        return case

    def handle(self, case: _Case, accepted: float, day: date, reply_days: int) -> None:
        """An accepted case: handled, then answered in time or late (or not waited for)."""
        started = self.at_work(accepted + self.hours(0.2, 4))
        if not case.move(started, "in_progress"):
            return
        late = self.rng.random() < LATE_REPLY
        if late and self.rng.random() < ESCALATE_UNANSWERED:
            self.committee(case, case.reply_due + self.hours(2, 48))
        else:
            self.answer(case, self.reply_time(day, started, late), reply_days)

    def answer(self, case: _Case, replied: float, reply_days: int) -> None:
        """The reply and what follows: a rating, a callback, reopening, the committee."""
        rng = self.rng
        if not case.move(replied, "replied"):
            return
        if rng.random() >= RATED:
            case.move(self.meeting(replied, 2, 5), "closed")  # called back, closed
            return
        rating = rng.choices(RATINGS, weights=RATING_WEIGHTS)[0]
        resolved = rng.random() < RESOLVED_IF[rating]
        rated = replied + self.hours(2, 96)
        if not case.rate(rated, rating, resolved):
            return
        if resolved:
            case.move(rated, "closed")
            return
        then = rng.random()
        if then < ESCALATE_UNRESOLVED:
            self.committee(case, rated + self.hours(1, 72))
        elif then < ESCALATE_UNRESOLVED + REOPEN_UNRESOLVED and not case.reopened:
            self.reopen(case, rated + self.hours(0.5, 48), reply_days)
        else:
            case.move(self.meeting(rated, 2, 5), "closed")

    def reopen(self, case: _Case, moment: float, reply_days: int) -> None:
        """Reopened once: the answer is rated afresh, the reply deadline starts again."""
        if moment > case.now:
            return
        case.move(moment, "reopened")
        case.reopened = 1
        case.replied = case.closed = case.rating = case.resolved = None
        day = self.cal.local(moment).date()
        case.reply_due = self.cal.due(day, reply_days)
        started = self.at_work(moment + self.hours(0.5, 6))
        if case.move(started, "in_progress"):
            self.answer(case, self.reply_time(day, started, False), reply_days)

    def committee(self, case: _Case, escalated: float) -> None:
        """Taken to the users' committee, which meets 5 to 17 working days later."""
        if not case.move(escalated, "escalated"):
            return
        case.committee_due = self.cal.due(self.cal.local(escalated).date(), self.committee_days)
        decided = self.meeting(escalated, 5, 17)
        if decided <= case.now:
            outcome = self.rng.choices(OUTCOMES, weights=OUTCOME_WEIGHTS)[0]
            case.move(decided, "decided")
            case.decided = (decided, outcome.value)


def _moments(count: int, start: float, now: float, cal: _Calendar,
             rng: random.Random) -> list[float]:
    """``count`` filing moments in [start, now), oldest first."""
    first_day, last_day = cal.local(start).date(), cal.local(now).date()
    begins: list[float] = []
    lengths: list[float] = []
    weights: list[float] = []
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        weight = SEASON[day.month] * (1.0 if cal.day(day).working else DAY_OFF) \
            * (1 + GROWTH * offset / 365.25) * max(0.3, rng.gauss(1, 0.12))
        if (day.month in SUMMER or day.month in WINTER) and rng.random() < STORM_SHARE:
            weight *= STORM
        for hour, share in enumerate(HOURS):
            begin = cal.at(day, time(hour))
            begin, end = max(begin, start), min(begin + HOUR, now)
            if end > begin:
                begins.append(begin)
                lengths.append(end - begin)
                weights.append(weight * share * (end - begin) / HOUR)
    picks = rng.choices(range(len(begins)), cum_weights=list(accumulate(weights)), k=count)
    return sorted(begins[i] + rng.random() * lengths[i] for i in picks)


@dataclass(frozen=True)
class _Reference:
    """What the migrations loaded: categories with their deadlines, districts with customers."""

    categories: dict[str, tuple[int, int]]  # code -> (first contact hours, reply working days)
    districts: list[tuple[str, str, str, int]]  # code, name_zh, area type, customers

    @classmethod
    def read(cls, conn: psycopg.Connection[Any]) -> _Reference:
        categories = {code: (hours, days) for code, hours, days in conn.execute(
            "SELECT code, first_contact_hours, reply_working_days FROM complaint_categories "
            "ORDER BY position, code")}
        districts = [tuple(row) for row in conn.execute(
            "SELECT code, name_zh, area_type, customers FROM districts ORDER BY position, code")]
        return cls(categories, districts)

    def category_tables(self) -> dict[tuple[str, str], tuple[list[str], list[float]]]:
        """(season, area type) -> category codes and their cumulative weights."""
        codes = list(self.categories)
        tables = {}
        for season, factors in SEASON_FACTORS.items():
            for area in {area for _code, _name, area, _customers in self.districts}:
                weights = [CATEGORY_WEIGHTS.get(code, OTHER_CATEGORY) * factors.get(code, 1.0)
                           * AREA_FACTORS.get(area, {}).get(code, 1.0) for code in codes]
                tables[season, area] = (codes, list(accumulate(weights)))
        return tables


def _texts(reference: _Reference) -> tuple[dict[str, list[tuple[str, str]]],
                                            dict[str, list[str]]]:
    """Subjects with their details per category, places per district (fictitious)."""
    generic = [("其他供电服务问题", "遇到的供电服务问题一直没有解决")]
    subjects = {code: [(subject, detail) for subject, detail, _answer
                       in demo_content.CASES.get(code, ())] or generic
                for code in reference.categories}
    places = {code: list(demo_content.PLACES.get(area, ("某地",)))
              for code, _name, area, _customers in reference.districts}
    return subjects, places


def _season(month: int) -> str:
    return "summer" if month in SUMMER else "winter" if month in WINTER else "other"


def _rows(count: int, now: datetime, seed: int, zone: str, reference: _Reference,
          events: list[tuple[object, ...]], counters: dict[int, int]
          ) -> Iterator[tuple[object, ...]]:
    """The complaints' rows, oldest first; fills ``events`` and ``counters`` on the way."""
    rng = random.Random(seed)
    cal = _Calendar(zone)
    now_t = now.timestamp()
    local_now = now.astimezone(cal.zone)
    try:
        start = local_now.replace(year=local_now.year - YEARS)
    except ValueError:  # 29 February
        start = local_now.replace(year=local_now.year - YEARS, day=28)
    committee_days = int(OPTIONS_BY_KEY["COMMITTEE_WORKING_DAYS"].default)
    planner = _Planner(cal, now_t, rng, committee_days)
    tables = reference.category_tables()
    districts = reference.districts
    district_cum = list(accumulate(customers for *_rest, customers in districts))
    type_cum = list(accumulate(TYPE_WEIGHTS))
    subjects, places = _texts(reference)
    code_hash = f"{HMAC_SCHEME}${'b' * 64}"  # no code opens these cases
    decisions = dict(zip(OUTCOMES, demo_content.DECISIONS, strict=True))
    stamp = datetime.fromtimestamp
    for index, registered in enumerate(_moments(count, start.timestamp(), now_t, cal, rng)):
        local = cal.local(registered)
        day, year = local.date(), local.year
        sequence = counters[year] = counters.get(year, 0) + 1
        district, district_name, area, _customers = districts[
            bisect(district_cum, rng.random() * district_cum[-1])]
        codes, cum = tables[_season(day.month), area]
        category = codes[bisect(cum, rng.random() * cum[-1])]
        first_hours, reply_days = reference.categories[category]
        kind = TYPES[bisect(type_cum, rng.random() * type_cum[-1])]
        subject, detail = rng.choice(subjects[category])
        place = rng.choice(places[district])
        case = planner.plan(registered, day, reply_days)
        complaint_id = index + 1
        if case.decided is not None:
            decided, outcome = case.decided
            events.append((len(events) + 1, complaint_id, "status", "committee", "escalated",
                           "decided", decisions[FindingOutcome(outcome)], outcome,
                           stamp(decided, UTC)))
        yield (
            complaint_id, tracking_number(year, sequence), year, sequence,
            hashlib.sha256(f"stats-bench:{seed}:{year}:{sequence}".encode()).hexdigest(),
            code_hash, kind, category, district, subject,
            f"（基准数据，虚构）{district_name}{place}：{detail}。",
            day - timedelta(days=rng.randint(0, 3)) if rng.random() < 0.5 else None,
            place if rng.random() < 0.6 else None, False, False,
            "en" if rng.random() < ENGLISH else "zh_Hans_CN", case.status,
            stamp(registered, UTC), stamp(registered + first_hours * HOUR, UTC),
            stamp(case.reply_due, UTC),
            *(None if moment is None else stamp(moment, UTC)
              for moment in (case.first_contacted, case.replied, case.closed)),
            case.rating, case.resolved, case.reopened,
            *(None if moment is None else stamp(moment, UTC)
              for moment in (case.escalated, case.committee_due)))


def _copy(conn: psycopg.Connection[Any], table: str, columns: tuple[str, ...],
          rows: Iterable[tuple[object, ...]]) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _check_empty(conn: psycopg.Connection[Any]) -> None:
    exists = conn.execute("SELECT to_regclass('complaints') IS NOT NULL").fetchone()
    if exists and exists[0] and conn.execute("SELECT count(*) FROM complaints").fetchone() != (0,):
        raise SystemExit("The database already holds complaints: use an empty one (--fresh).")


def generate(database_url: str, count: int, now: datetime, seed: int = SEED,
             zone: str = ZONE) -> float:
    """Migrate an empty PostgreSQL database and write ``count`` complaints filed over the five
    years before ``now``; returns the seconds it took (ANALYZE included)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    started = timer.perf_counter()
    ensure_database(database_url)
    with psycopg.connect(conninfo(database_url)) as conn:
        _check_empty(conn)
    migrate(database_url)
    events: list[tuple[object, ...]] = []
    counters: dict[int, int] = {}
    with psycopg.connect(conninfo(database_url)) as conn:
        conn.execute("SET synchronous_commit = off")
        reference = _Reference.read(conn)
        _copy(conn, "complaints", COMPLAINT_COLUMNS,
              _rows(count, now, seed, zone, reference, events, counters))
        _copy(conn, "complaint_events", EVENT_COLUMNS, events)
        for table in ("complaints", "complaint_events"):
            conn.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), "
                                 "(SELECT coalesce(max(id), 0) + 1 FROM {}), false)").format(
                sql.Literal(table), sql.Identifier(table)))
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO year_counters (series, year, last) VALUES (%s, %s, %s) "
                "ON CONFLICT (series, year) DO UPDATE SET last = GREATEST("
                "year_counters.last, EXCLUDED.last)",
                [(COUNTER_SERIES, year, last) for year, last in sorted(counters.items())])
        conn.execute(sql.SQL("COMMENT ON TABLE complaints IS {}").format(
            sql.Literal(MARK + json.dumps(marker(count, now, seed)))))
    with psycopg.connect(conninfo(database_url), autocommit=True) as conn:
        # What autovacuum would have done by then: statistics and the visibility map.
        conn.execute("VACUUM (ANALYZE) complaints, complaint_events")
        conn.execute("ANALYZE")
    return timer.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("PORTAL_BENCH_DATABASE_URL"),
                        help="postgresql+psycopg://... (default: $PORTAL_BENCH_DATABASE_URL)")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--now", type=datetime.fromisoformat, default=BENCH_NOW,
                        help=f"aware ISO moment (default {BENCH_NOW.isoformat()})")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--fresh", action="store_true",
                        help="drop the database and create it again first")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or PORTAL_BENCH_DATABASE_URL) is needed")
    if args.fresh:
        ensure_database(args.database_url, fresh=True)
    seconds = generate(args.database_url, args.count, args.now, args.seed)
    print(f"Generated {args.count:,} complaints up to {args.now.isoformat()} (seed {args.seed}) "
          f"in {seconds:.1f} s.")


if __name__ == "__main__":
    main()
