"""Statistical disclosure control for every published figure: small-cell suppression,
complementary suppression consistent across the whole catalogue, and the audit that proves it.

The cases of one calendar year are split into **atoms**: the cases of one month that share the
value of every dimension. Every published cell (a table's count for a period and a combination
of values) is a sum of atoms, so the cells of all tables and periods of a year form one system
of linear equations; totals, margins, coarser tables and longer periods (a quarter and its
months) are all in it. Years are not linked: no table adds up more than one year.

1. **Primary suppression**: a count from 1 to k-1 is published as "<k" (``State.SMALL``); 0 is
   shown.
2. **Complementary suppression**: wherever a published total (a margin, a coarser table, a
   longer period) would give a hidden cell away by subtraction, another cell is hidden
   (``State.HIDDEN``): in each relation "total = sum of parts" there are never exactly one
   hidden member, the hidden parts of a published total add up to at least k, and the marks
   ("<k", hidden) of a relation's members leave each small part its whole range 1 to k-1.
   Among the cells that would do, one that creates no new lone hidden cell in its other
   relations comes first, then the smallest (non-zero), so that as little as possible is
   hidden; complementary cells are never 0 nor small, so a reader knows that a hidden cell is
   at least k. A count that a monthly snapshot has already published (``frozen``) is never
   chosen.
   **Withholding**: a table may be left out for a period as a whole (``State.WITHHELD``: no
   count, no mark, its zeros neither), when publishing it would narrow a small count published
   before that no longer may be hidden more (``withholding`` gives the order). A withheld
   table is not published: like the tables the catalogue does not publish for a period (the
   crossings of three dimensions for a quarter), its cells are not protected themselves; what
   is published is, and withholding only takes away.
3. **Audit** (``audit``, ``Auditor``): what is published becomes a linear programme over the
   atoms (the tau-ARGUS audit): for each hidden cell, the smallest and largest value consistent
   with every published count. It fails when that interval is narrower than k (check 1), or
   when the published counts together with the marks ("<k" for 1 to k-1, hidden for at least
   k) tell more about a small cell than the small cells' marks alone already say (check 2: a
   small total of 2 split into 1 + 1 tells each part is at most 3, which no suppression can
   change, but published counts must add nothing to that; the cases in the public list are
   known lower bounds of their groups, in this check and its reference alike: ``System.floors``).
   Suppression runs the audit and hides
   more until it passes, so it never publishes what the audit would refuse.

The audit is exact, not a heuristic: HiGHS (``highspy``) keeps one model per check and year
and re-solves it by the primal simplex from the last basis when only the objective changes.
Every solution it finds is a possible table, so it widens the known interval of *every*
hidden cell at once; a cell is proved safe as soon as two known solutions differ by k in it,
and only the cells that remain are optimised one by one, which also gives the exact bounds of
the exposed ones. Hiding a cell only removes equations (and adds a mark that the true table
satisfies), so every solution found stays possible: a cell proved safe stays safe, and
``Auditor.run`` looks again only at the others, round after round of ``suppress``.

The audit is conservative in one way: atoms that hold no case are taken as known to be empty
(a reader could only tell so where a published 0 says it); like tau-ARGUS, it ignores that
counts are whole numbers.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from portal.stats.catalogue import Table, margins
from portal.stats.periods import Granularity, Period


class ProtectionError(RuntimeError):
    """Suppression found no more cell to hide while the audit still finds an exposure."""


class State(enum.Enum):
    """How a cell is published."""

    PUBLISHED = "published"
    SMALL = "small"  # 1 to k-1: shown as "<k"
    HIDDEN = "hidden"  # hidden to protect a small cell: at least k
    WITHHELD = "withheld"  # its whole table is not published for the period: no mark at all


@dataclass(frozen=True)
class Atom:
    """The cases of one month that share every dimension's value."""

    month: int
    values: dict[str, str]
    count: int


@dataclass(frozen=True, order=True)
class CellKey:
    """A published cell: table code, period and the values of the table's dimensions."""

    table: str
    period: str
    values: tuple[str, ...]


@dataclass
class Cell:
    """A non-zero cell, the atoms it adds up and how it is published."""

    key: CellKey
    value: int
    atoms: tuple[int, ...]
    state: State = State.PUBLISHED


@dataclass
class System:
    """The non-zero cells of one year's tables and the relations "total = sum of parts" among
    them (zero cells are published as 0 and add nothing)."""

    cells: list[Cell]
    relations: list[tuple[int, ...]]  # the total first, then its parts
    atom_counts: list[int]
    # Groups of atoms known to hold at least so many cases from elsewhere (the public list of
    # cases): the audit's marks check takes them as known, like the marks.
    floors: list[tuple[tuple[int, ...], int]] = field(default_factory=list)
    index: dict[CellKey, int] = field(default_factory=dict)
    member_of: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index = {cell.key: position for position, cell in enumerate(self.cells)}
        self.member_of = [[] for _ in self.cells]
        for number, relation in enumerate(self.relations):
            for member in relation:
                self.member_of[member].append(number)

    def states(self) -> dict[CellKey, State]:
        """Each non-zero cell's state."""
        return {cell.key: cell.state for cell in self.cells}


def _enclosing(period: Period) -> Period | None:
    if period.granularity is Granularity.MONTH:
        return Period(period.year, Granularity.QUARTER, (period.number + 2) // 3)
    if period.granularity is Granularity.QUARTER:
        return Period(period.year, Granularity.YEAR)
    return None


def build(atoms: Sequence[Atom], periods: Iterable[Period], tables: Iterable[Table]) -> System:
    """The system of one year's cells over ``periods`` (all of one year) for ``tables``."""
    periods = sorted(set(periods))
    tables = list(tables)
    cells: list[Cell] = []
    groups: dict[CellKey, list[int]] = defaultdict(list)
    for period in periods:
        months = set(period.months)
        inside = [number for number, atom in enumerate(atoms)
                  if atom.month in months and atom.count > 0]
        for table in tables:
            if not table.offers(period):
                continue
            for number in inside:
                values = tuple(atoms[number].values[d] for d in table.dims)
                groups[CellKey(table.code, str(period), values)].append(number)
    for key, members in sorted(groups.items()):
        cells.append(Cell(key, sum(atoms[n].count for n in members), tuple(members)))
    return System(cells, _relations(cells, periods, tables), [atom.count for atom in atoms])


def _relations(cells: list[Cell], periods: list[Period], tables: list[Table]
               ) -> list[tuple[int, ...]]:
    """Every "total = sum of parts" among the cells: margins and enclosing periods."""
    published = {str(period) for period in periods}
    by_code = {table.code: table for table in tables}
    index = {cell.key: position for position, cell in enumerate(cells)}
    relation_members: dict[tuple[int, str], list[int]] = defaultdict(list)
    for position, cell in enumerate(cells):
        table = by_code[cell.key.table]
        for margin in margins(table):
            if margin.code not in by_code:
                continue
            values = tuple(v for d, v in zip(table.dims, cell.key.values, strict=True)
                           if d in margin.dims)
            parent = index[CellKey(margin.code, cell.key.period, values)]
            relation_members[(parent, table.code)].append(position)
        period = Period.parse(cell.key.period)
        enclosing = _enclosing(period) if period else None
        if enclosing is not None and str(enclosing) in published and table.offers(enclosing):
            parent = index[CellKey(table.code, str(enclosing), cell.key.values)]
            relation_members[(parent, "period")].append(position)
    return [(parent, *members) for (parent, _), members in relation_members.items()]


# --- suppression -------------------------------------------------------------------------------

class _Rules:
    """The relations' rules, applied to the relations that a newly hidden cell belongs to."""

    def __init__(self, system: System, k: int, fixed: Collection[int] = ()) -> None:
        self.system, self.k = system, k
        self.fixed = frozenset(fixed)  # published already (in a snapshot): never hidden
        self.hidden_in = [sum(system.cells[m].state is not State.PUBLISHED for m in relation)
                          for relation in system.relations]

    def hide(self, position: int) -> list[int]:
        """Hide a published cell; returns the relations it belongs to."""
        self.system.cells[position].state = State.HIDDEN
        for number in self.system.member_of[position]:
            self.hidden_in[number] += 1
        return self.system.member_of[position]

    def settle(self, todo: Iterable[int]) -> None:
        """Hide cells until none of these relations (nor those changed on the way) gives a
        hidden cell away."""
        pending = set(todo)
        while pending:
            number = min(pending)
            pending.discard(number)
            relation = self.system.relations[number]
            need = self._need(relation)
            if need is None:
                continue
            parent, parts = relation[0], relation[1:]
            extra = self.choose(parts, avoid=number, need=need)
            if (extra is None and self.system.cells[parent].state is State.PUBLISHED
                    and parent not in self.fixed):
                extra = parent
            if extra is not None:
                pending.update(self.hide(extra))

    def choose(self, candidates: Iterable[int], avoid: int | None = None,
               need: int = 0) -> int | None:
        """The published candidate to hide: first one whose other relations already hold a
        hidden cell (hiding it leaves no lone hidden cell there), then the smallest of those
        worth at least ``need`` (or else the largest)."""
        cells = self.system.cells

        def cost(position: int) -> tuple[int, bool, int, CellKey]:
            lone = sum(1 for number in self.system.member_of[position]
                       if number != avoid and self.hidden_in[number] == 0)
            value = cells[position].value
            return lone, value < need, value if value >= need else -value, cells[position].key

        open_ = [c for c in candidates
                 if cells[c].state is State.PUBLISHED and c not in self.fixed]
        return min(open_, key=cost, default=None)

    def _need(self, relation: tuple[int, ...]) -> int | None:
        """None if this relation alone leaves every hidden member wide enough; else the value
        that another hidden part should have to mend it (0: any)."""
        cells = self.system.cells
        parent, parts = relation[0], relation[1:]
        hidden = [m for m in relation if cells[m].state is not State.PUBLISHED]
        if len(hidden) <= 1:
            # A lone withheld cell may be found by subtraction: it is not published.
            return 0 if hidden and self._protects(hidden[0]) else None
        known = sum(cells[p].value for p in parts if cells[p].state is State.PUBLISHED)
        hidden_parts = [p for p in parts if cells[p].state is not State.PUBLISHED]
        if cells[parent].state in (State.SMALL, State.WITHHELD):
            # A small total bounds its small parts whatever else is hidden; a withheld total
            # says nothing of its parts.
            return None
        if cells[parent].state is State.HIDDEN:
            return self._floor_need(hidden_parts, self.k - known)
        return self._total_need(hidden_parts, cells[parent].value - known)

    def _protects(self, position: int) -> bool:
        """Whether a hidden cell must not be found out: a complementary or a small one, not a
        withheld one."""
        return self.system.cells[position].state is not State.WITHHELD

    def _total_need(self, hidden: Sequence[int], total: int) -> int | None:
        """A published total: its hidden parts add up to ``total``, which must be at least k
        and leave every small part between 1 and k-1 whatever the marks say of the others."""
        cells, k = self.system.cells, self.k
        if total < k:
            return 0  # any published part is at least k
        small = [p for p in hidden if cells[p].state is State.SMALL]
        if not small:
            return None
        # What the marks say a hidden part holds at least: "<k" 1, hidden k, withheld nothing.
        floor = {State.SMALL: 1, State.HIDDEN: k, State.WITHHELD: 0}
        floors = sum(floor[cells[p].state] for p in hidden)
        ceiling = total - (floors - 1)  # the others' floors cap a small part
        if ceiling < k - 1:
            return k + (k - 1 - ceiling)
        if (all(cells[p].state is State.SMALL for p in hidden)
                and total - (k - 1) * (len(hidden) - 1) > 1):
            return 0  # the others' ceilings raise a small part's floor: any hidden part mends
        return None

    def _floor_need(self, hidden: Sequence[int], floor: int) -> int | None:
        """A hidden total (at least k) whose hidden parts are all small: together with the
        published parts it must not raise a small part's floor above 1."""
        cells, k = self.system.cells, self.k
        if not hidden or any(cells[p].state is not State.SMALL for p in hidden):
            return None  # a hidden or withheld part may hold the rest
        return 0 if floor - (k - 1) * (len(hidden) - 1) > 1 else None


def _apply_rules(system: System, k: int) -> None:
    """Hide cells until no relation gives a hidden cell away by subtraction."""
    _Rules(system, k).settle(range(len(system.relations)))


def suppress(system: System, k: int, fixed: Mapping[CellKey, int] | None = None,
             withheld: Collection[tuple[str, str]] = (), max_rounds: int = 200) -> System:
    """Mark small cells and hide complementary ones until the audit passes; returns the system.

    ``fixed``: counts published for good already (by a snapshot); a cell that still has that
    count is never chosen to be hidden, and the audit reckons with it as published.
    ``withheld``: tables not published for a period at all, as (table code, period)."""
    for cell in system.cells:
        if (cell.key.table, cell.key.period) in withheld:
            cell.state = State.WITHHELD
        else:
            cell.state = State.SMALL if 0 < cell.value < k else State.PUBLISHED
    fixed = fixed or {}
    rules = _Rules(system, k, [n for n, cell in enumerate(system.cells)
                               if cell.value >= k and fixed.get(cell.key) == cell.value])
    rules.settle(range(len(system.relations)))
    from portal.stats.lp_audit import Auditor

    auditor = Auditor(system, k)
    for _ in range(max_rounds):
        exposures = auditor.run()
        if not exposures:
            return system
        changed: set[int] = set()
        hidden_now: set[CellKey] = set()
        for exposure in exposures:
            if hidden_now.intersection(exposure.pinned_by):
                continue  # a cell hidden this round already widens it: audit again first
            extra = _mend(system, rules, exposure)
            if extra is not None:
                hidden_now.add(system.cells[extra].key)
                changed.update(rules.hide(extra))
        if not changed:
            raise ProtectionError("disclosure control cannot protect: "
                               + "; ".join(map(str, exposures[:5])))
        rules.settle(changed)
    raise ProtectionError("disclosure control did not settle")  # pragma: no cover


def withholding(tables: Iterable[Table], periods: Iterable[Period]
                ) -> list[frozenset[tuple[str, str]]]:
    """Growing sets of (table code, period) to withhold, one step at a time, when the counts
    published before cannot all stay published: the tables of most dimensions first and, among
    them, the longest periods (whose relations reach back to the months published before)."""
    offered = [(table, period) for table in tables for period in periods if table.offers(period)]
    order = sorted({(-len(table.dims), period.granularity) for table, period in offered})
    steps, withheld = [], frozenset[tuple[str, str]]()
    for size, granularity in order:
        withheld |= {(table.code, str(period)) for table, period in offered
                     if len(table.dims) == -size and period.granularity is granularity}
        steps.append(withheld)
    return steps


def _mend(system: System, rules: _Rules, exposure: Exposure) -> int | None:
    """The cell to hide for an exposure: one of the published counts that bound it, else one
    of its relations, else one that shares cases with it."""
    position = system.index[exposure.key]
    extra = rules.choose(system.index[key] for key in exposure.pinned_by)
    if extra is None:
        related = {m for r in system.member_of[position] for m in system.relations[r]}
        extra = rules.choose(related)
    return extra if extra is not None else rules.choose(_overlapping(system, position))


def _overlapping(system: System, position: int) -> list[int]:
    atoms = set(system.cells[position].atoms)
    return [n for n, cell in enumerate(system.cells) if atoms.intersection(cell.atoms)]


# --- audit -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exposure:
    """A hidden cell that the published figures pin down too closely."""

    key: CellKey
    low: float
    high: float
    marks: bool  # found with the published marks ("<k", hidden) taken into account
    # Published cells whose counts bound it (the programme's binding rows): hiding one of
    # them is what can widen its interval.
    pinned_by: tuple[CellKey, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        with_marks = " using the marks" if self.marks else ""
        return (f"{self.key.table} {self.key.period} {'/'.join(self.key.values) or 'total'}: "
                f"between {self.low:g} and {self.high:g}{with_marks}")


def audit(system: System, k: int) -> list[Exposure]:
    """Every hidden cell whose interval, given all that is published, is narrower than k, and
    every small cell about which the published figures tell more than the marks
    (``portal.stats.lp_audit``, loaded only when a refresh needs it: the solver and its
    numerical libraries take tens of megabytes that no web page needs)."""
    from portal.stats.lp_audit import Auditor

    return Auditor(system, k).run()
