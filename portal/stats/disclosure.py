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
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
from highspy._core import _Highs
from numpy.typing import NDArray
from scipy import sparse

from portal.stats.catalogue import Table, margins
from portal.stats.periods import Granularity, Period

TOLERANCE = 1e-6


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


Vector = NDArray[np.float64]


class _Model:
    """A linear programme over atoms (x >= 0) with one row per cell, kept in HiGHS: changing
    row bounds or the objective keeps the last basis, from which the primal simplex goes on."""

    def __init__(self, matrix: sparse.csr_matrix, lower: Vector, upper: Vector) -> None:
        columns = sparse.csc_matrix(matrix)
        self.size = columns.shape[1]
        self.highs = _Highs()  # the typed core binding, without the Python layer's callbacks
        for option, value in (("output_flag", False), ("presolve", "off"),
                              ("simplex_strategy", 4)):  # primal: the basis stays feasible
            self.highs.setOptionValue(option, value)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.size, columns.shape[0]
        lp.col_cost_ = np.zeros(self.size)
        lp.col_lower_ = np.zeros(self.size)
        lp.col_upper_ = np.full(self.size, highspy.kHighsInf)
        lp.row_lower_, lp.row_upper_ = lower, upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = columns.indptr
        lp.a_matrix_.index_ = columns.indices
        lp.a_matrix_.value_ = columns.data
        self.highs.passModel(lp)
        self.lower, self.upper = lower.copy(), upper.copy()
        self.costed = np.zeros(0, dtype=np.int32)
        self.solves = 0
        self.seconds = 0.0
        self.binding: set[int] = set()  # rows with a non-zero dual in the solves since reset

    def bound(self, lower: Vector, upper: Vector) -> None:
        """Set the rows' bounds (only those that changed are passed on)."""
        for row in np.flatnonzero((lower != self.lower) | (upper != self.upper)):
            self.highs.changeRowBounds(int(row), float(lower[row]), float(upper[row]))
        self.lower, self.upper = lower.copy(), upper.copy()

    def optimise(self, columns: NDArray[np.int32], cost: Vector) -> Vector | None:
        """A solution minimising ``cost`` on ``columns`` (0 elsewhere); None if unbounded."""
        every = np.union1d(self.costed, columns).astype(np.int32)
        full = np.zeros(self.size)
        full[columns] = cost
        self.highs.changeColsCost(len(every), every, full[every])
        self.costed = columns.astype(np.int32)
        started = time.perf_counter()
        self.highs.run()
        self.seconds += time.perf_counter() - started
        self.solves += 1
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kUnbounded:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"audit programme failed: {self.highs.modelStatusToString(status)}")
        solution = self.highs.getSolution()
        duals = np.asarray(solution.row_dual, dtype=np.float64)
        self.binding.update(np.flatnonzero(np.abs(duals) > TOLERANCE).tolist())
        return np.asarray(solution.col_value, dtype=np.float64)


class Auditor:
    """The audit of one system, kept from one round of suppression to the next (see the
    module's docstring): a cell proved safe stays safe, and only the others are looked at."""

    SPREAD_ROUNDS = 3  # objectives that push every doubtful cell at once, before one by one

    def __init__(self, system: System, k: int) -> None:
        self.system, self.k = system, k
        used = sorted({a for cell in system.cells for a in cell.atoms})
        column = {atom: n for n, atom in enumerate(used)}
        # One row per cell, then one per floor (after the cells: a row number below
        # len(cells) is a cell's).
        groups = [cell.atoms for cell in system.cells]
        self.floors = []
        for atoms, count in system.floors:
            known = tuple(a for a in atoms if a in column)
            if known and count > 0:
                groups.append(known)
                self.floors.append(float(count))
        rows = [n for n, atoms in enumerate(groups) for _ in atoms]
        columns = [column[a] for atoms in groups for a in atoms]
        self.matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)),
                                        shape=(len(groups), len(used)))
        truth = np.array([system.atom_counts[a] for a in used], dtype=np.float64)
        self.values = np.asarray(self.matrix @ truth)
        # The least and greatest value of each cell among the solutions found, without and
        # with the marks: the true table is one of them.
        self.low = [self.values.copy(), self.values.copy()]
        self.high = [self.values.copy(), self.values.copy()]
        self.models: dict[tuple[bool, bool], _Model] = {}
        self.reference: dict[int, tuple[float, float]] = {}
        self.random = np.random.default_rng(2026)
        self.marks_safe: set[int] = set()  # small cells that passed check 2

    @property
    def solves(self) -> int:
        """How many linear programmes were solved so far."""
        return sum(model.solves for model in self.models.values())

    def run(self) -> list[Exposure]:
        """Every hidden cell whose interval, given all that is published, is narrower than k,
        and every small cell about which the published figures tell more than the marks."""
        cells, k = self.system.cells, self.k
        self.bounded: set[tuple[bool, bool]] = set()  # models whose rows follow the states
        # A withheld cell is not published: like a table the catalogue does not publish for a
        # period, it is not protected itself (what is published is).
        hidden = [n for n, cell in enumerate(cells)
                  if cell.state in (State.SMALL, State.HIDDEN)]
        doubtful = [n for n in hidden if self._width(0, n) < k - TOLERANCE]
        exposures = []
        exposed = set()
        if doubtful:
            model = self._model(False)
            self._spread(model, 0, doubtful)
            for n in doubtful:
                model.binding.clear()
                if self._settle_width(model, n):
                    continue
                exposed.add(n)
                exposures.append(Exposure(cells[n].key, self.low[0][n], self.high[0][n], False,
                                          self._pinning(model)))
        small = [n for n in hidden if cells[n].state is State.SMALL and n not in exposed]
        doubtful = [n for n in small if n not in self.marks_safe and not self._whole(n)]
        if doubtful:
            model = self._model(True)
            self._spread(model, 1, doubtful)
            for n in doubtful:
                exposure = self._settle_marks(model, n)
                if exposure is not None:
                    exposures.append(exposure)
        return exposures

    # check 1: the interval without the marks

    def _proved(self, check: int, n: int) -> bool:
        """Whether the solutions found already prove the cell safe for this check."""
        return self._width(0, n) >= self.k - TOLERANCE if check == 0 else self._whole(n)

    def _width(self, check: int, n: int) -> float:
        return float(self.high[check][n] - self.low[check][n])

    def _found(self, check: int, solution: Vector) -> None:
        values = self.matrix @ solution
        np.minimum(self.low[check], values, out=self.low[check])
        np.maximum(self.high[check], values, out=self.high[check])

    def _row(self, n: int) -> NDArray[np.int32]:
        start, end = self.matrix.indptr[n], self.matrix.indptr[n + 1]
        return np.asarray(self.matrix.indices[start:end], dtype=np.int32)

    def _spread(self, model: _Model, check: int, doubtful: list[int]) -> None:
        """Push all doubtful cells at once in random directions: each solution found widens
        many cells' intervals, so that few are left to optimise one by one."""
        left = len(doubtful)
        for _ in range(self.SPREAD_ROUNDS):
            if left < 8:
                return
            signs = self.random.choice([-1.0, 1.0], size=left)
            cost = np.asarray(self.matrix[doubtful].T @ signs).ravel()
            columns = np.flatnonzero(cost).astype(np.int32)
            solution = model.optimise(columns, cost[columns])
            if solution is not None:
                self._found(check, solution)
            doubtful = [n for n in doubtful if not self._proved(check, n)]
            if len(doubtful) > left * 0.9:
                return
            left = len(doubtful)

    def _settle_width(self, model: _Model, n: int) -> bool:
        """Optimise the cell both ways until its interval is proved at least k wide (True) or
        known exactly (False)."""
        row = self._row(n)
        for sign in (1.0, -1.0):
            if self._width(0, n) >= self.k - TOLERANCE:
                return True
            solution = model.optimise(row, np.full(len(row), -sign))
            if solution is None:
                self.high[0][n] = np.inf
                return True
            self._found(0, solution)
        return self._width(0, n) >= self.k - TOLERANCE

    # check 2: what the marks add

    def _whole(self, n: int) -> bool:
        """Whether the solutions found prove a small cell safe with the marks: they leave it
        the whole range 1 to k-1 of a "<k"."""
        low, high = self.low[1][n], self.high[1][n]
        return bool(low <= 1 + TOLERANCE and high >= self.k - 1 - TOLERANCE)

    def _pinning(self, model: _Model) -> tuple[CellKey, ...]:
        cells = self.system.cells
        return tuple(cells[n].key for n in sorted(model.binding)
                     if n < len(cells) and cells[n].state is State.PUBLISHED)

    def _settle_marks(self, model: _Model, n: int) -> Exposure | None:
        """The small cell's exact interval with the marks if it is narrower than what the
        marks alone allow; None if not."""
        row = self._row(n)
        model.binding.clear()
        low, high = self._reference(n)  # cheap: few rows bind
        if self.low[1][n] > low + TOLERANCE:
            solution = model.optimise(row, np.ones(len(row)))
            assert solution is not None  # a minimum of counts is bounded by 0
            self._found(1, solution)
        if self.high[1][n] < high - TOLERANCE:
            solution = model.optimise(row, -np.ones(len(row)))
            assert solution is not None  # a small cell's mark bounds it
            self._found(1, solution)
        pinning = self._pinning(model)
        if self._whole(n) or (self.low[1][n] <= low + TOLERANCE
                              and self.high[1][n] >= high - TOLERANCE):
            # Hiding more only widens the interval and narrows the reference: safe for good.
            self.marks_safe.add(n)
            return None
        return Exposure(self.system.cells[n].key, self.low[1][n], self.high[1][n], True,
                        pinning)

    def _reference(self, n: int) -> tuple[float, float]:
        """The small cell's interval from the marks alone, without any published count (a
        small total bounds its small parts, a hidden total of small parts is at least k),
        which no suppression can widen."""
        model = self._model(True, counts=False)
        row = self._row(n)
        bounds = []
        for sign in (1.0, -1.0):
            solution = model.optimise(row, np.full(len(row), sign))
            assert solution is not None  # a small cell's mark bounds it
            bounds.append(float(solution[row].sum()))
        return bounds[0], bounds[1]

    # the models

    def _model(self, marks: bool, counts: bool = True) -> _Model:
        if (marks, counts) in self.bounded:
            return self.models[marks, counts]
        return self._bound(marks, counts)

    def _bound(self, marks: bool, counts: bool) -> _Model:
        """The programme with each cell's row bounded as its state says: a published count is
        an equality (unless a published relation already implies it, or ``counts`` is False);
        a hidden cell is free, or bounded by its mark; a withheld cell is free."""
        cells, k = self.system.cells, self.k
        implied = {relation[0] for relation in self.system.relations
                   if all(cells[m].state is State.PUBLISHED for m in relation)}
        lower = np.full(self.matrix.shape[0], -highspy.kHighsInf)
        upper = np.full(self.matrix.shape[0], highspy.kHighsInf)
        if marks:
            lower[len(cells):] = self.floors
        for n, cell in enumerate(cells):
            if cell.state is State.PUBLISHED and counts and n not in implied:
                lower[n] = upper[n] = cell.value
            elif marks and cell.state is State.SMALL:
                lower[n], upper[n] = 1.0, k - 1.0
            elif marks and cell.state is State.HIDDEN:
                lower[n] = float(k)
        model = self.models.get((marks, counts))
        if model is None:
            model = self.models[marks, counts] = _Model(self.matrix, lower, upper)
        else:
            model.bound(lower, upper)
        self.bounded.add((marks, counts))
        return model


def audit(system: System, k: int) -> list[Exposure]:
    """Every hidden cell whose interval, given all that is published, is narrower than k, and
    every small cell about which the published figures tell more than the marks."""
    return Auditor(system, k).run()
