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
   hidden member, and the hidden parts of a published total add up to at least k. Among the
   cells that would do, the smallest (non-zero) is hidden first, so that as little as possible
   is hidden; complementary cells are never 0 nor small, so a reader knows that a hidden cell
   is at least k.
3. **Audit** (``audit``): what is published becomes a linear programme (the tau-ARGUS audit):
   for each hidden cell, the smallest and largest value consistent with every published count,
   computed by ``scipy.optimize.linprog``. It fails when that interval is narrower than k, or
   when the published marks ("<k" for 1 to k-1, hidden for at least k) together with the
   counts tell more about a small cell than "<k" already says. Suppression runs the audit and
   hides more until it passes, so it never publishes what the audit would refuse.

The audit is conservative: atoms outside every hidden cell are taken as known exactly (a reader
cannot know them, only their sums), so a pass is safe; it ignores that counts are whole numbers,
as tau-ARGUS does.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from portal.stats.catalogue import Table, margins
from portal.stats.periods import Granularity, Period

TOLERANCE = 1e-6


class State(enum.Enum):
    """How a cell is published."""

    PUBLISHED = "published"
    SMALL = "small"  # 1 to k-1: shown as "<k"
    HIDDEN = "hidden"  # hidden to protect a small cell: at least k


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
    relations = [(parent, *members) for (parent, _), members in relation_members.items()]
    return System(cells, relations, [atom.count for atom in atoms])


# --- suppression -------------------------------------------------------------------------------

def _hide(system: System, position: int) -> None:
    system.cells[position].state = State.HIDDEN


def _smallest(system: System, candidates: Iterable[int]) -> int | None:
    open_ = [c for c in candidates if system.cells[c].state is State.PUBLISHED]
    return min(open_, key=lambda c: (system.cells[c].value, system.cells[c].key), default=None)


def _apply_rules(system: System, k: int) -> None:
    """Hide cells until no relation gives a hidden cell away by subtraction."""
    cells = system.cells
    changed = True
    while changed:
        changed = False
        for relation in system.relations:
            parent, parts = relation[0], relation[1:]
            hidden = [m for m in relation if cells[m].state is not State.PUBLISHED]
            if not hidden:
                continue
            exposed = len(hidden) == 1
            if not exposed and cells[parent].state is State.PUBLISHED:
                exposed = sum(cells[p].value for p in parts
                              if cells[p].state is not State.PUBLISHED) < k
            if not exposed:
                continue
            extra = _smallest(system, parts)
            if extra is None:
                extra = parent if cells[parent].state is State.PUBLISHED else None
            if extra is not None:
                _hide(system, extra)
                changed = True


def suppress(system: System, k: int, max_rounds: int = 1000) -> System:
    """Mark small cells and hide complementary ones until the audit passes; returns the system."""
    for cell in system.cells:
        cell.state = State.SMALL if 0 < cell.value < k else State.PUBLISHED
    for _ in range(max_rounds):
        _apply_rules(system, k)
        exposures = audit(system, k)
        if not exposures:
            return system
        for exposure in exposures:
            position = system.index[exposure.key]
            related = {m for r in system.member_of[position] for m in system.relations[r]}
            extra = _smallest(system, related) or _smallest(system, _overlapping(system,
                                                                                 position))
            if extra is not None:
                _hide(system, extra)
    raise RuntimeError("disclosure control did not settle")  # pragma: no cover


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

    def __str__(self) -> str:
        with_marks = " using the marks" if self.marks else ""
        return (f"{self.key.table} {self.key.period} {'/'.join(self.key.values) or 'total'}: "
                f"between {self.low:g} and {self.high:g}{with_marks}")


class _Find:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def root(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, items: Sequence[int]) -> None:
        first = self.root(items[0])
        for item in items[1:]:
            self.parent[self.root(item)] = first


@dataclass
class _Row:
    variables: list[int]
    low: float
    high: float


def _bounds(rows: list[_Row], variables: list[int], objective: list[int],
            with_marks: list[_Row]) -> tuple[float, float]:
    """Smallest and largest sum of ``objective``'s variables under ``rows`` (equalities) and
    ``with_marks`` (ranges)."""
    position = {v: n for n, v in enumerate(variables)}
    def matrix(chosen: list[_Row]) -> sparse.csr_matrix | None:
        if not chosen:
            return None
        data, row_index, column_index = [], [], []
        for number, row in enumerate(chosen):
            for variable in row.variables:
                data.append(1.0)
                row_index.append(number)
                column_index.append(position[variable])
        return sparse.csr_matrix((data, (row_index, column_index)),
                                 shape=(len(chosen), len(variables)))

    a_eq = matrix(rows)
    b_eq = np.array([row.low for row in rows]) if rows else None
    a_ub, b_ub = None, None
    if with_marks:
        upper = [row for row in with_marks if row.high != np.inf]
        stacked = [*upper, *with_marks]
        signs = [1.0] * len(upper) + [-1.0] * len(with_marks)
        built = matrix(stacked)
        assert built is not None
        a_ub = sparse.diags(signs) @ built
        b_ub = np.array([row.high for row in upper] + [-row.low for row in with_marks])
    cost = np.zeros(len(variables))
    for variable in objective:
        cost[position[variable]] = 1.0
    results = []
    for sign in (1.0, -1.0):
        result = linprog(sign * cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                         bounds=(0, None), method="highs-ipm")
        if result.status == 3:  # unbounded: no published figure caps it
            results.append(np.inf)
        elif result.status != 0:
            raise RuntimeError(f"audit programme failed: {result.message}")
        else:
            results.append(sign * result.fun)
    return results[0], results[1]


def audit(system: System, k: int) -> list[Exposure]:
    """Every hidden cell whose interval, given all that is published, is narrower than k, and
    every small cell about which the published figures tell more than "<k"."""
    cells = system.cells
    hidden = [n for n, cell in enumerate(cells) if cell.state is not State.PUBLISHED]
    if not hidden:
        return []
    # A published total whose parts are all published adds nothing to its parts' equations.
    implied = {relation[0] for relation in system.relations
               if all(cells[m].state is State.PUBLISHED for m in relation)}
    equalities = [_Row(list(cell.atoms), cell.value, cell.value)
                  for n, cell in enumerate(cells)
                  if cell.state is State.PUBLISHED and n not in implied]
    marks = {n: _Row(list(cells[n].atoms), 1.0 if cells[n].state is State.SMALL else float(k),
                     float(k - 1) if cells[n].state is State.SMALL else np.inf)
             for n in hidden}
    components = _Find(len(system.atom_counts))
    for row in [*equalities, *marks.values()]:
        components.join(row.variables)
    grouped: dict[int, list[int]] = defaultdict(list)
    for n in hidden:
        grouped[components.root(cells[n].atoms[0])].append(n)
    rows_of: dict[int, list[_Row]] = defaultdict(list)
    for row in equalities:
        rows_of[components.root(row.variables[0])].append(row)
    exposures = []
    for root, members in grouped.items():
        variables = sorted({a for n in members for a in cells[n].atoms}
                           | {a for row in rows_of[root] for a in row.variables})
        component_marks = [marks[n] for n in members]
        for n in members:
            objective = list(cells[n].atoms)
            low, high = _bounds(rows_of[root], variables, objective, [])
            if high - low < k - TOLERANCE:
                exposures.append(Exposure(cells[n].key, low, high, marks=False))
                continue
            if cells[n].state is State.SMALL:
                low, high = _bounds(rows_of[root], variables, objective, component_marks)
                if low > 1 + TOLERANCE or high < k - 1 - TOLERANCE:
                    exposures.append(Exposure(cells[n].key, low, high, marks=True))
    return exposures
