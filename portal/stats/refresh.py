"""Rebuild the statistics: the calendar, the pre-aggregated counts (``GROUP BY`` in the
database, never case by case in Python) and the published figures after disclosure control.

Run by ``flask --app portal stats refresh`` (on a schedule: cron, hourly in production) and
after the demo data is loaded. Everything is replaced in one transaction, so that readers see
either the old figures or the new, never a mixture.

A month is published ``PORTAL_STATS_SETTLE_DAYS`` after it ends, and its counts are taken then
for good (``StatsMonth``): later refreshes count only the months after it. Every extraction
thus publishes the same counts for a month, and a count once published stays published (new
tables are withheld instead, or the refresh gives up: ``_protected``), so that no two
extractions differ by the few cases that changed between them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal.complaints.enums import ComplaintStatus, EventKind
from portal.complaints.models import Complaint, ComplaintCategory, ComplaintEvent
from portal.complaints.workdays import is_working_day
from portal.core.publication import lock_name
from portal.extensions import db
from portal.stats import catalogue, frozen
from portal.stats.catalogue import Table
from portal.stats.disclosure import (
    Atom,
    CellKey,
    ProtectionError,
    State,
    System,
    build,
    suppress,
    withholding,
)
from portal.stats.models import (
    StatsCase,
    StatsCell,
    StatsDay,
    StatsFigure,
    StatsMonth,
    StatsRun,
    StatsTime,
    StatsWithheld,
    StatsYear,
)
from portal.stats.periods import Period, year_periods

KEY_SEPARATOR = "|"
LOG = logging.getLogger(__name__)
# Held by a refresh while it makes months final, and shared by approvals of a public summary
# (``holds_listing``): the public list never gains a case that a refresh left out.
FIGURES_LOCK = "portal.stats.refresh"


def zone() -> ZoneInfo:
    """The portal's time zone."""
    return ZoneInfo(str(current_app.config["TIMEZONE"]))


def min_cell() -> int:
    """k: the smallest count published as it is."""
    return int(current_app.config["STATS_MIN_CELL"])


def settle_days() -> int:
    """Days after a month ends before it is published and its counts are final."""
    return int(current_app.config["STATS_SETTLE_DAYS"])


def _days(first: date, last: date) -> Iterator[StatsDay]:
    here = zone()
    ordinal = 0
    day = first
    while day <= last:
        ordinal += is_working_day(day)
        start = datetime.combine(day, time(0), here).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), here).astimezone(UTC)
        yield StatsDay(day=day, month=day.replace(day=1), starts_at=start, ends_at=end,
                       working_ordinal=ordinal)
        day += timedelta(days=1)


def _fill_calendar(now: datetime, first_case: datetime | None) -> None:
    """Days from the first case's (or this year's) month to a year ahead of ``now``."""
    today = now.astimezone(zone()).date()
    start = (first_case.astimezone(zone()).date() if first_case else today).replace(day=1)
    start = start - timedelta(days=1)
    db.session.execute(sa.delete(StatsDay))
    db.session.add_all(_days(start, today + timedelta(days=400)))
    db.session.flush()


def _local_day(moment: Any) -> sa.ColumnElement[date]:
    """The local date of a UTC moment, computed by the database: PostgreSQL converts with the
    time zone itself; elsewhere the calendar's day that starts last at or before the moment
    (one index look-up on ``stats_days.starts_at``)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone(str(zone()), moment), sa.Date)
    return (sa.select(StatsDay.day).where(StatsDay.starts_at <= moment)
            .order_by(StatsDay.starts_at.desc()).limit(1).scalar_subquery())


Day = Any  # an alias of ``StatsDay``: the day a case was registered, joined by the caller


def _first_answer(registered: Day) -> tuple[sa.ColumnElement[datetime],
                                             sa.ColumnElement[datetime]]:
    """When a case was first answered, and the reply deadline it was given when filed: a
    reopened case's ``replied_at`` and ``reply_due_at`` are those of its new answer, so its
    first answer is its first move to "replied" and its first deadline the end of the reply's
    working days (its category's) after its day of registration (``registered``, joined by the
    query), in the statistics' calendar."""
    c, event, due = Complaint, sa.orm.aliased(ComplaintEvent), sa.orm.aliased(StatsDay)
    reopened = c.reopen_count > 0
    first = (sa.select(sa.func.min(event.created_at))
             .where(event.complaint_id == c.id, event.kind == EventKind.STATUS,
                    event.to_status == ComplaintStatus.REPLIED)
             .correlate(c).scalar_subquery())
    days = (sa.select(ComplaintCategory.reply_working_days)
            .where(ComplaintCategory.code == c.category_code).correlate(c).scalar_subquery())
    deadline = (sa.select(sa.func.min(due.ends_at))
                .where(due.working_ordinal == registered.working_ordinal + days)
                .correlate(c, registered).scalar_subquery())
    return (sa.case((reopened, first), else_=c.replied_at),
            sa.case((reopened, deadline), else_=c.reply_due_at))


def _deadline(now: datetime, registered: Day) -> sa.ColumnElement[str]:
    """Whether the case's first answer came within the deadline it was given when filed
    (``_first_answer``: a reopened case keeps its first): met, late, overdue (no answer, the
    deadline passed), waiting (not yet), or none: rejected or withdrawn before its deadline
    without an answer (no answer was due then, even if the rejection was appealed later)."""
    c, event = Complaint, sa.orm.aliased(ComplaintEvent)
    answered, deadline = _first_answer(registered)
    ended = sa.exists().where(
        event.complaint_id == c.id, event.kind == EventKind.STATUS,
        event.to_status.in_([ComplaintStatus.REJECTED, ComplaintStatus.WITHDRAWN]),
        event.created_at <= deadline).correlate(c, registered)
    return sa.case(
        (sa.and_(answered.is_not(None), answered <= deadline), "met"),
        (answered.is_not(None), "late"),
        (ended, "none"),
        (deadline < now, "overdue"),
        else_="waiting")


def _reply(now: datetime, registered: Day) -> sa.ColumnElement[str]:
    """The reply commitment's outcome, which follows from ``_deadline``: within (met), missed
    (late or overdue), or not counted (none, or waiting: not due yet)."""
    deadline = _deadline(now, registered)
    return sa.case((deadline == "met", "within"), (deadline.in_(["late", "overdue"]), "missed"),
                   else_="none")


def _contact(now: datetime, registered: Day) -> sa.ColumnElement[str]:
    """The first-contact commitment's outcome, over the cases the reply counts (``_reply``
    not "none"): within its deadline or missed (staff acting on a case contact the
    complainant: ``complaints.services``)."""
    c = Complaint
    return sa.case(
        (_reply(now, registered) == "none", "none"),
        (sa.and_(c.first_contacted_at.is_not(None),
                 c.first_contacted_at <= c.first_contact_due_at), "within"),
        else_="missed")


def _grouped_cases(now: datetime, names: list[str] | None = None,
                   *where: sa.ColumnElement[bool], per_case: bool = False) -> sa.Select[Any]:
    """The cases counted by local month and by every dimension's value (or by ``names``);
    ``per_case``: each case's id and values instead, not counted."""
    c, day = Complaint, sa.orm.aliased(StatsDay)
    finding = sa.orm.aliased(ComplaintEvent)
    columns = {
        "month": day.month, "type": sa.cast(c.type, sa.String),
        "category_code": c.category_code, "district_code": c.district_code,
        "status": sa.cast(c.status, sa.String), "deadline": _deadline(now, day),
        "contact": _contact(now, day), "reply": _reply(now, day),
        "channel": sa.case((c.api_key_id.is_(None), "portal"), else_="partner"),
        "rating": sa.func.coalesce(sa.cast(c.rating, sa.String), "none"),
        "resolved": sa.case((c.resolved.is_(None), "none"), (c.resolved.is_(True), "yes"),
                            else_="no"),
        "escalated": sa.case((c.escalated_at.is_not(None), "yes"), else_="no"),
        "finding": sa.func.coalesce(sa.cast(finding.outcome, sa.String), "none"),
    }
    grouped = [columns[name] for name in names or columns]
    select = (sa.select(c.id, *grouped) if per_case else sa.select(*grouped, sa.func.count()))
    select = (select.select_from(c)
              .join(day, day.day == _local_day(c.registered_at))
              .outerjoin(finding, sa.and_(finding.complaint_id == c.id,
                                          finding.kind == EventKind.STATUS,
                                          finding.to_status == ComplaintStatus.DECIDED))
              .where(*where))
    return select if per_case else select.group_by(*grouped)


CELL_COLUMNS = ["month", "type", "category_code", "district_code", "status", "deadline",
                "contact", "reply", "channel", "rating", "resolved", "escalated", "finding"]
# What the public list of cases shows of each published case (its month, category, district,
# status and timeline: whether the first contact and the answer were on time, escalation, the
# committee's finding): a published case is a case known to be in its group, which the audit
# must take into account (``reply`` follows from ``deadline``).
PUBLIC_DIMENSIONS = ("category", "district", "status", "deadline", "contact", "escalated",
                     "finding")


CASE_COLUMNS = ["month", *(catalogue.DIMENSIONS[d].column for d in PUBLIC_DIMENSIONS)]


def _aggregate_cells(now: datetime, since: datetime | None) -> None:
    """The atoms of the cases registered from ``since`` on (None: all), and what the public
    list shows of each case as it is counted in them (``StatsCase``)."""
    where = [] if since is None else [Complaint.registered_at >= since]
    db.session.execute(sa.insert(StatsCell).from_select([*CELL_COLUMNS, "count"],
                                                        _grouped_cases(now, None, *where)))
    db.session.execute(sa.insert(StatsCase).from_select(
        ["complaint_id", *CASE_COLUMNS], _grouped_cases(now, CASE_COLUMNS, *where,
                                                        per_case=True)))


def holds_listing(complaint: Complaint) -> bool:
    """Whether an approved summary must wait for a refresh before joining the public list: a
    case of a month whose counts are final, which the published figures were protected
    without (``refresh`` lists it once suppression has reckoned with it)."""
    month = _local_start(complaint.registered_at.astimezone(zone()).date().replace(day=1))
    # A refresh running meanwhile may be making this month final without the case: wait for
    # it to end, then read what it made final (and keep a refresh from starting before this
    # approval is committed, so that it sees the case listed).
    lock_name(FIGURES_LOCK, StatsRun.__table__, shared=True)
    final = _frozen_through()
    return final is not None and month < _local_start(_after(final))


def _waiting(year: int) -> sa.ColumnElement[bool]:
    """Approved cases of a local year not listed yet (``holds_listing``)."""
    return sa.and_(Complaint.consent_publish.is_(True),
                   Complaint.summary_approved_at.is_not(None), Complaint.listed_at.is_(None),
                   Complaint.registered_at >= _local_start(date(year, 1, 1)),
                   Complaint.registered_at < _local_start(date(year + 1, 1, 1)))


def public_floors(year: int, atoms: list[Atom], waiting: bool = False
                  ) -> list[tuple[tuple[int, ...], int]]:
    """The groups of atoms (cases of a month sharing what the public list shows of a case) that
    hold published cases, each with how many: at least that many cases are in the group.
    ``waiting``: with the approved cases waiting to be listed."""
    members: dict[tuple[Any, ...], list[int]] = {}
    for number, found in enumerate(atoms):
        key = (found.month, *(found.values[d] for d in PUBLIC_DIMENSIONS))
        members.setdefault(key, []).append(number)
    listed = sa.or_(Complaint.listed_at.is_not(None), _waiting(year)) if waiting else (
        Complaint.listed_at.is_not(None))
    # Each listed case as it was counted (``StatsCase``), not as it stands now: one that moved
    # on since its month was taken is still known to be in the group it was counted in.
    grouped = [getattr(StatsCase, column) for column in CASE_COLUMNS]
    query = (sa.select(*grouped, sa.func.count()).select_from(StatsCase)
             .join(Complaint, Complaint.id == StatsCase.complaint_id)
             .where(Complaint.consent_publish.is_(True),
                    Complaint.summary_approved_at.is_not(None), listed)
             .group_by(*grouped))
    floors = []
    # A case whose values match no atom (taken before ``StatsCase`` existed, as it stood at
    # the upgrade) is still known to be among its month's cases of its category and district.
    coarse: dict[tuple[Any, ...], int] = {}
    unmatched: set[tuple[Any, ...]] = set()
    for month, *values, count in db.session.execute(query):
        if month.year != year:
            continue
        key = (month.month, *map(str, values))
        coarse[key[:3]] = coarse.get(key[:3], 0) + int(count)
        if key in members:
            held = sum(atoms[number].count for number in members[key])
            floors.append((tuple(members[key]), min(int(count), held)))
        else:
            unmatched.add(key[:3])
    for group in sorted(unmatched):
        inside = tuple(number for key, numbers in members.items() if key[:3] == group
                       for number in numbers)
        held = sum(atoms[number].count for number in inside)
        if inside:
            floors.append((inside, min(coarse[group], held)))
    return floors


def _backfill_cases(now: datetime, since: datetime) -> None:
    """Once, after the upgrade that added ``StatsCase``: the cases of the months final already,
    as they stand (the closest to how they were counted that is still known)."""
    if db.session.scalar(sa.select(StatsCase.complaint_id).limit(1)) is not None:
        return
    db.session.execute(sa.insert(StatsCase).from_select(
        ["complaint_id", *CASE_COLUMNS], _grouped_cases(
            now, CASE_COLUMNS, Complaint.registered_at < since, per_case=True)))


def _aggregate_times(since: datetime | None) -> None:
    """The times' histogram of the cases registered from ``since`` on (None: all)."""
    c = Complaint
    where = [] if since is None else [c.registered_at >= since]
    registered, done = sa.orm.aliased(StatsDay), sa.orm.aliased(StatsDay)
    # the first answer, too: the reply commitment's times (``_first_answer``)
    for measure, moment in (("first_contact", c.first_contacted_at), ("reply", c.replied_at),
                            ("first_reply", _first_answer(registered)[0])):
        days = done.working_ordinal - registered.working_ordinal
        grouped = [registered.month, sa.literal(measure), sa.cast(c.type, sa.String),
                   c.category_code, c.district_code, days]
        select = (sa.select(*grouped, sa.func.count()).select_from(c)
                  .join(registered, registered.day == _local_day(c.registered_at))
                  .join(done, done.day == _local_day(moment))
                  .where(*where)
                  .group_by(*grouped))
        db.session.execute(sa.insert(StatsTime).from_select(
            ["month", "measure", "type", "category_code", "district_code", "days", "count"],
            select))


def published_months(now: datetime, final: date | None) -> tuple[date | None, date | None]:
    """The first month with cases and the last month that ended at least the settling days
    ago, or is ``final`` already (None, None: no cases, or no such month yet)."""
    first = db.session.scalar(sa.select(sa.func.min(StatsCell.month)))
    if first is None:
        return None, None
    settled = now.astimezone(zone()).date() - timedelta(days=settle_days())
    last = (settled.replace(day=1) - timedelta(days=1)).replace(day=1)
    last = max(last, final or last)
    return (first, last) if first <= last else (None, None)


def _frozen_through() -> date | None:
    """The last month whose counts are final."""
    return db.session.scalar(sa.select(sa.func.max(StatsMonth.month)))


def _local_start(month: date) -> datetime:
    """The UTC moment at which a local month starts."""
    return datetime.combine(month, time(0), zone()).astimezone(UTC)


def _freeze(first: date, last: date, final: date | None, now: datetime) -> None:
    """Make final the months after ``final`` (from the first) up to the last published one."""
    month = max(first, _after(final)) if final else first
    while month <= last:
        db.session.add(StatsMonth(month=month, frozen_at=now))
        month = _after(month)
    db.session.flush()


def complete_periods(year: int, first: date, last: date) -> list[Period]:
    """The periods of a year that have ended by the last published month and hold some of the
    months from the first on (before the first case there is nothing to count)."""
    return [period for period in year_periods(year)
            if period.end <= _after(last) and period.end > first]


def _after(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else month.replace(month=month.month + 1)


def atoms_of(year: int) -> list[Atom]:
    """The pre-aggregated counts of a year as the atoms of disclosure control."""
    rows = db.session.scalars(sa.select(StatsCell).where(
        StatsCell.month >= date(year, 1, 1), StatsCell.month < date(year + 1, 1, 1))
        .order_by(StatsCell.id))
    return [Atom(row.month.month, {code: str(getattr(row, dim.column))
                                   for code, dim in catalogue.DIMENSIONS.items()}, row.count)
            for row in rows]


# Raised when disclosure control changes, so that every year is computed again.
DISCLOSURE_VERSION = 1


def _published_cells(year: int) -> set[tuple[str, str, str, int]]:
    """The cells of a year's stored figures that are published as they are."""
    return {(table, period, key, count) for table, period, key, count in db.session.execute(
        sa.select(StatsFigure.table_code, StatsFigure.period, StatsFigure.key,
                  StatsFigure.count).where(StatsFigure.year == year,
                                           StatsFigure.state == State.PUBLISHED.value))}


def _as_counts(cells: set[tuple[str, str, str, int]]) -> dict[CellKey, int]:
    """Stored cells (``_published_cells``) as counts by cell."""
    return {CellKey(table, period, tuple(key.split(KEY_SEPARATOR)) if key else ()): count
            for table, period, key, count in cells}


Withheld = frozenset[tuple[str, str]]  # tables not published for a period: (code, period)


@dataclass(frozen=True)
class Known:
    """What is public already when a year's figures are computed again."""

    floors: list[tuple[tuple[int, ...], int]]  # the public list of cases (``public_floors``)
    fixed: dict[CellKey, int]  # counts published before, which stay published
    withheld: Withheld = frozenset()  # tables withheld before
    # Approved cases waiting to be listed (``holds_listing``), and the floors with them.
    waiting: tuple[int, ...] = ()
    waiting_floors: list[tuple[tuple[int, ...], int]] = field(default_factory=list)
    # Tables the catalogue gained since the year was last computed, and the periods published
    # then: those tables may be withheld there (``withholding_steps``).
    added: tuple[list[Table], list[Period]] = ([], [])


def year_digest(k: int, periods: list[Period], atoms: list[Atom], known: Known) -> str:
    """What a year's published figures follow from, as a SHA-256: the same digest, the same
    figures (suppression is deterministic). Cases of months not published yet count for
    nothing."""
    months = {month for period in periods for month in period.months}

    def atom(number: int) -> list[Any]:
        found = atoms[number]
        return [found.month, [found.values[d] for d in catalogue.ORDER], found.count]
    content = {
        "version": DISCLOSURE_VERSION, "k": k, "periods": [str(p) for p in periods],
        "tables": [table.code for table in catalogue.TABLES.values()],
        "atoms": sorted(atom(n) for n in range(len(atoms)) if atoms[n].month in months),
        "floors": [sorted([sorted(atom(n) for n in members), count]
                          for members, count in floors)
                   for floors in (known.floors, known.waiting_floors)],
        "waiting": list(known.waiting),
        "fixed": sorted([key.table, key.period, list(key.values), count]
                        for key, count in known.fixed.items()),
        "withheld": sorted(known.withheld),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _withheld_before(year: int) -> Withheld:
    return frozenset((code, period) for code, period in db.session.execute(
        sa.select(StatsWithheld.table_code, StatsWithheld.period)
        .where(StatsWithheld.year == year)))


def _known(year: int, atoms: list[Atom], before: set[tuple[str, str, str, int]]) -> Known:
    """What is public already of a year. What was published before (by the last refresh,
    ``before``, or for good by a snapshot) stays published: a month's counts are final, so
    hiding one now would hide nothing."""
    waiting = tuple(db.session.scalars(sa.select(Complaint.id).where(_waiting(year))
                                       .order_by(Complaint.id)))
    return Known(public_floors(year, atoms),
                 {**_as_counts(before), **frozen.published_counts(year)},
                 _withheld_before(year), waiting,
                 public_floors(year, atoms, waiting=True) if waiting else [])


def _list_waiting(year: int, known: Known, listing: bool, now: datetime) -> Known:
    """Put the waiting cases on the public list if the figures reckoned with them (what is
    public then), else leave them waiting and warn."""
    if not known.waiting:
        return known
    if not listing:
        LOG.warning("statistics %s: %s approved summaries stay off the public list: with them, "
                    "the figures published before would give a small count away", year,
                    len(known.waiting))
        return known
    db.session.execute(sa.update(Complaint).where(Complaint.id.in_(known.waiting))
                       .values(listed_at=now))
    return replace(known, floors=known.waiting_floors, waiting=(), waiting_floors=[])


def _store(year: int, system: System, withheld: Withheld) -> None:
    """Replace a year's stored figures and withheld tables."""
    db.session.execute(sa.delete(StatsFigure).where(StatsFigure.year == year))
    db.session.execute(sa.delete(StatsWithheld).where(StatsWithheld.year == year))
    rows = [{"period": cell.key.period, "table_code": cell.key.table,
             "key": KEY_SEPARATOR.join(cell.key.values), "year": year, "count": cell.value,
             "state": cell.state.value} for cell in system.cells]
    if rows:  # a year without cases has only zeros, which are not stored
        db.session.execute(sa.insert(StatsFigure), rows)
    db.session.add_all(StatsWithheld(table_code=code, period=period, year=year)
                       for code, period in sorted(withheld))


def _publish_year(year: int, window: tuple[date, date, date | None], k: int,
                  now: datetime) -> bool:
    """Publish a year's figures after disclosure control; False if nothing had changed since
    they were last computed (the figures stored are kept). ``window``: the first and last
    month published, and the last one published before this refresh."""
    first, last, before_last = window
    periods = complete_periods(year, first, last)
    atoms = atoms_of(year)
    before = _published_cells(year)
    known = _known(year, atoms, before)

    def binding(published: set[tuple[str, str, str, int]], withheld: Withheld) -> Known:
        # Counts published before that the figures publish as they are cannot change what
        # suppression chooses (it never chose them): only the others count.
        return replace(known, fixed={
            key: count for key, count in known.fixed.items()
            if (key.table, key.period, KEY_SEPARATOR.join(key.values), count)
            not in published}, withheld=withheld)

    stored = db.session.get(StatsYear, year)
    digest = year_digest(k, periods, atoms, binding(before, known.withheld))
    if stored is not None and stored.digest == digest:
        return False
    new = [period for period in periods
           if before_last is None or period.end > _after(before_last)]
    known = replace(known, added=(added_tables(year),
                                  [period for period in periods if period not in new]))
    protected = _protected(year, lambda: build(atoms, periods, catalogue.TABLES.values()), k,
                           known, new)
    if protected is None:
        # Keeping the year's old figures would show a newly published month as zeros: the
        # whole refresh is given up instead (its transaction rolled back), so that the last
        # figures stay, with the months they covered.
        raise ProtectionError(f"statistics {year}: disclosure control cannot protect; the "
                              "figures published before stay")
    system, withheld, listing = protected
    known = _list_waiting(year, known, listing, now)
    _store(year, system, withheld)
    digest = year_digest(k, periods, atoms, binding(
        {(cell.key.table, cell.key.period, KEY_SEPARATOR.join(cell.key.values), cell.value)
         for cell in system.cells if cell.state is State.PUBLISHED}, withheld))
    if stored is None:
        db.session.add(StatsYear(year=year, digest=digest, computed_at=now))
    else:
        stored.digest, stored.computed_at = digest, now
    return True


def withholding_steps(known: Known, new: list[Period]) -> list[Withheld]:
    """The tables to withhold, try after try: none; those withheld before; then more and more
    of the new periods' tables (``disclosure.withholding``). Without a new period, only what
    was withheld before: the months published then are final, so publishing more of them
    would fail as it did, unless the catalogue gained tables since (``Known.added``), which
    are then withheld period after period in the periods published before. A table that holds a
    count published before is never withheld."""
    held = {(key.table, key.period) for key in known.fixed}
    steps = [known.withheld]
    if new:
        steps = [frozenset(), known.withheld,
                 *(known.withheld | (step - held)
                   for step in withholding(catalogue.TABLES.values(), new))]
    tables, periods = known.added
    withheld = steps[-1]
    # one period at a time, the longest and latest first: an upgrade keeps as many of the
    # added tables as it can, for months whose counts are final and would stay withheld
    for period in sorted(periods, key=lambda p: (p.granularity, -p.first_day.toordinal())):
        added = {(t.code, str(period)) for t in tables if t.offers(period)} - held
        if added - withheld:
            withheld = withheld | added
            steps.append(withheld)
    return list(dict.fromkeys(steps))


def added_tables(year: int) -> list[Table]:
    """The catalogue's tables of which a year's stored figures hold nothing, though they hold
    other tables: added to the catalogue since the year was last computed."""
    stored = set(db.session.scalars(sa.select(StatsFigure.table_code).distinct()
                                    .where(StatsFigure.year == year)))
    return [t for t in catalogue.TABLES.values() if t.code not in stored] if stored else []


def _protected(year: int, system_of: Callable[[], System], k: int, known: Known,
               new: list[Period]) -> tuple[System, Withheld, bool] | None:
    """The year's cells after suppression, the tables withheld, and whether the cases waiting
    to be listed may be. What is public already (counts published before, which may not be
    hidden, the public list's cases) can leave suppression nothing to hide; then the new
    periods' tables are withheld, more and more (``withholding_steps``), until it succeeds,
    first with the waiting cases, then with the public list as it is (the waiting cases stay
    off it). None if even that fails (logged): nothing published is ever hidden to make room,
    since what was published stays known."""
    steps = withholding_steps(known, new)
    attempts = [(known.waiting_floors, step) for step in steps if known.waiting]
    attempts += [(known.floors, step) for step in steps]
    for number, (use_floors, withheld) in enumerate(attempts):
        system = system_of()
        system.floors = use_floors
        try:
            suppress(system, k, fixed=known.fixed, withheld=withheld)
        except ProtectionError as error:
            LOG.info("statistics %s: suppression failed (%s tables withheld): %s", year,
                     len(withheld), error)
            continue
        if withheld:
            LOG.info("statistics %s: %s tables withheld for a period: %s", year,
                     len(withheld), ", ".join(f"{c} {p}" for c, p in sorted(withheld)))
        return system, withheld, bool(known.waiting) and number < len(steps)
    LOG.error("statistics %s: disclosure control cannot protect", year)
    return None


def refresh(now: datetime) -> StatsRun:
    """Rebuild the statistics of the months not final yet from the complaints as they are at
    ``now``; a year whose figures would follow from the same counts as last time keeps them
    (``year_digest``)."""
    lock_name(FIGURES_LOCK, StatsRun.__table__)  # one at a time; approvals wait
    final = _frozen_through()
    since = _local_start(_after(final)) if final else None
    for model in (StatsTime, StatsCell, StatsCase):
        db.session.execute(sa.delete(model).where(model.month > final) if final
                           else sa.delete(model))
    first_case = db.session.scalar(sa.select(sa.func.min(Complaint.registered_at)))
    _fill_calendar(now, first_case)
    if since is not None:
        _backfill_cases(now, since)
    _aggregate_cells(now, since)
    _aggregate_times(since)
    db.session.flush()
    first, last = published_months(now, final)
    if first is not None and last is not None:
        _freeze(first, last, final, now)
    k = min_cell()
    years: list[int] = []
    if first is not None and last is not None:
        years = [year for year in range(first.year, last.year + 1)
                 if complete_periods(year, first, last)]
        previous = db.session.scalar(sa.select(StatsRun.last_month))
        for year in years:
            _publish_year(year, (first, last, previous), k, now)
    # years no longer published (no cases left)
    db.session.execute(sa.delete(StatsFigure).where(StatsFigure.year.not_in(years)))
    db.session.execute(sa.delete(StatsWithheld).where(StatsWithheld.year.not_in(years)))
    db.session.execute(sa.delete(StatsYear).where(StatsYear.year.not_in(years)))
    cases = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StatsCell.count), 0)))
    run = StatsRun(extracted_at=now, min_cell=k, first_month=first, last_month=last,
                   first_day=first_case.astimezone(zone()).date() if first_case else None,
                   cases=int(cases or 0))
    db.session.add(run)
    db.session.flush()
    db.session.execute(sa.delete(StatsRun).where(StatsRun.id != run.id))
    return run
