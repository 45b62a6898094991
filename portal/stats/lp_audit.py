"""The exact audit of ``portal.stats.disclosure``: linear programmes over the atoms in HiGHS.

Kept apart so that the solver (``highspy``) and its numerical libraries (NumPy, SciPy) are
loaded only by a statistics refresh, never by a web worker that merely shows the figures.
"""

from __future__ import annotations

import time

import highspy
import numpy as np
from highspy._core import _Highs
from numpy.typing import NDArray
from scipy import sparse

from portal.stats.disclosure import CellKey, Exposure, State, System

TOLERANCE = 1e-6


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
