"""Withholding a table for a period as a whole: when a new month's quarter (or year) cannot be
published without narrowing a small count of the months published before, and those months'
counts may not be hidden (they are out already), the new tables are withheld instead of hiding
what was published."""

from __future__ import annotations

import copy
import csv
import io
import logging
import os
import random
import shutil
import zipfile
from datetime import timedelta
from itertools import pairwise

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.stats import auditing, catalogue, refresh
from portal.stats.disclosure import (
    Atom,
    CellKey,
    ProtectionError,
    State,
    System,
    audit,
    build,
    suppress,
    withholding,
)
from portal.stats.models import StatsFigure, StatsRun, StatsWithheld
from portal.stats.periods import Granularity, Period, year_periods
from tests.core.test_html_validity import Pages
from tests.stats.conftest import CASES, NOW, Case, compute, local
from tests.stats.test_disclosure import (
    MONTHS,
    YEAR,
    K,
    by_type,
    independent_audit,
    interval,
    key,
    systems,
)

VOCABULARY = {"type": ["c", "r", "s"], "category": ["A", "B", "C", "D"],
              "district": ["x", "y", "z"], "status": ["open", "done", "rejected"],
              "deadline": ["met", "late", "none"], "contact": ["within", "missed", "none"],
              "reply": ["within", "missed", "none"], "channel": ["portal", "partner"],
              "rating": ["1", "5", "none"],
              "resolved": ["yes", "no"], "escalated": ["yes", "no"], "finding": ["none", "up"]}


def random_year(seed: int, months: int) -> list[Atom]:
    """A year of random cases over the whole catalogue, 15 to 40 a month, many values rare."""
    chance = random.Random(seed)
    counts: dict[tuple[int, tuple[str, ...]], int] = {}
    for month in range(1, months + 1):
        for _ in range(chance.randint(15, 40)):
            values = tuple(chance.choice(VOCABULARY[d]) if chance.random() < 0.5
                           else VOCABULARY[d][0] for d in catalogue.ORDER)
            counts[month, values] = counts.get((month, values), 0) + 1
    return [Atom(month, dict(zip(catalogue.ORDER, values, strict=True)), count)
            for (month, values), count in sorted(counts.items())]


def monthly(atoms: list[Atom], months: int) -> list[tuple[System, frozenset[tuple[str, str]]]]:
    """Publish month after month as the refresh does: the counts published before stay."""
    known = refresh.Known([], {})
    published = []
    for last in range(1, months + 1):
        periods = [p for p in year_periods(2026) if max(p.months) <= last]
        new = [p for p in periods if max(p.months) == last]
        protected = refresh._protected(
            2026, lambda p=periods, n=last: build([a for a in atoms if a.month <= n], p,
                                                  catalogue.TABLES.values()), K, known, new)
        assert protected is not None
        system, withheld, _listing = protected
        published.append((system, withheld))
        known = refresh.Known([], {c.key: c.value for c in system.cells
                                   if c.state is State.PUBLISHED}, withheld)
    return published


def test_a_quarter_that_would_narrow_a_published_small_count_is_withheld(caplog) -> None:
    """Random cases, published month by month: in March, the first quarter's crossings of two
    dimensions would narrow a small count that January or February published, and nothing
    those months published may be hidden. They are withheld (none of their zeros shown
    either), every count published before stays, and the audit passes."""
    caplog.set_level(logging.INFO, logger="portal.stats.refresh")
    atoms = random_year(0, 4)
    published = monthly(atoms, 4)
    withheld = published[2][1]
    # without withholding, keeping February's counts is impossible
    fixed = {c.key: c.value for c in published[1][0].cells if c.state is State.PUBLISHED}
    with pytest.raises(ProtectionError):
        suppress(build([a for a in atoms if a.month <= 3],
                       [p for p in year_periods(2026) if max(p.months) <= 3],
                       catalogue.TABLES.values()), K, fixed=fixed)
    assert withheld and {period for _, period in withheld} == {"2026-Q1"}
    assert all(len(catalogue.TABLES[tuple(code.split(","))].dims) == 2 for code, _ in withheld)
    for (earlier, _), (later, _) in pairwise(published):
        for cell in earlier.cells:
            if cell.state is State.PUBLISHED:
                assert later.cells[later.index[cell.key]].state is State.PUBLISHED, cell.key
    for system, withheld in published:
        assert audit(system, K) == []
        for cell in system.cells:
            assert ((cell.key.table, cell.key.period) in withheld) == (
                cell.state is State.WITHHELD)
    # April, which brings no new quarter, keeps the first quarter's tables withheld
    assert published[3][1] == withheld
    assert "tables withheld for a period" in caplog.text


def test_withholding_starts_with_the_most_detailed_tables_of_the_longest_periods() -> None:
    q1 = Period(2026, Granularity.QUARTER, 1)
    steps = withholding(catalogue.TABLES.values(), [MONTHS[2], q1])
    first = {code for code, _ in steps[0]}
    assert all(period == "2026-Q1" for _, period in steps[0])
    assert first == {t.code for t in catalogue.TABLES.values()
                     if len(t.dims) == 2 and t.finest >= Granularity.QUARTER}
    assert all(earlier < later for earlier, later in pairwise(steps))
    assert steps[-1] == {(t.code, str(p)) for t in catalogue.TABLES.values()
                         for p in (MONTHS[2], q1) if t.offers(p)}


def test_a_table_that_holds_a_count_published_before_is_never_withheld() -> None:
    known = refresh.Known([], {key("total", MONTHS[2]): 30})
    for step in refresh.withholding_steps(known, [MONTHS[2]]):
        assert ("total", "2026-03") not in step


def test_a_withheld_count_of_k_or_more_needs_no_protection() -> None:
    """The types withheld, the total published: the complaints' 3 could be anything from 0 to
    25, and the 10 and 12 need no protection."""
    system = suppress(by_type(3, 10, 12), K, withheld={("type", str(YEAR))})
    assert audit(system, K) == [] and independent_audit(system) == set()
    assert {c.key.table: c.state for c in system.cells} == {"total": State.PUBLISHED,
                                                            "type": State.WITHHELD}


def test_a_withheld_cell_is_not_protected_itself_but_what_is_published_is() -> None:
    """A withheld table is as unpublished as a crossing the catalogue does not publish for a
    period: subtraction may bound its cells, but nothing published is exposed by it."""
    system = by_type(3, 10, 12)
    for cell in system.cells:
        cell.state = State.WITHHELD if cell.key.values == ("complaint",) else State.PUBLISHED
    assert audit(system, K) == []


@settings(max_examples=15, deadline=None)
@given(systems(), st.data())
def test_after_suppression_with_tables_withheld_nothing_is_exposed(
        system: System, data: st.DataObject) -> None:
    pairs = sorted({(c.key.table, c.key.period) for c in system.cells})
    withheld = data.draw(st.sets(st.sampled_from(pairs), max_size=4))
    suppress(system, K, withheld=withheld)
    assert audit(system, K) == []
    for cell in system.cells:
        assert (cell.state is State.WITHHELD) == ((cell.key.table, cell.key.period) in withheld)
        if cell.state is State.HIDDEN:
            assert cell.value >= K
    if len(system.cells) <= 80:  # the independent audit is slow: a few LPs per hidden cell
        assert independent_audit(system) == set()


def test_a_random_year_published_month_by_month_keeps_every_count() -> None:
    """A whole year, month by month, for a few random years: no count published before is
    hidden later, and the audit passes every month (it used to fall back on hiding them)."""
    for seed in (1,):
        published = monthly(random_year(seed, 12), 12)
        for (earlier, _), (later, _) in pairwise(published):
            kept = {c.key for c in later.cells if c.state is State.PUBLISHED}
            assert {c.key for c in earlier.cells if c.state is State.PUBLISHED} <= kept
        assert all(audit(system, K) == [] for system, _ in published)


# --- as readers see it --------------------------------------------------------------------------

COUNTS = "/api/v1/stats/complaints"


def _withhold_august_by_one_dimension(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if August's tables by one dimension narrowed a small count of July's: suppression
    fails unless they are withheld."""
    real = refresh.suppress

    def narrowing(system: System, k: int, fixed=None, withheld=()):
        if fixed and ("category", "2026-08") not in withheld:
            raise ProtectionError("narrows July")
        return real(system, k, fixed=fixed, withheld=withheld)

    monkeypatch.setattr(refresh, "suppress", narrowing)


def test_a_withheld_table_is_shown_as_withheld_everywhere(app, client, stats, add_cases,
                                                         monkeypatch, tmp_path):
    add_cases([Case(local(2026, 8, day), category="BIZ-FEE") for day in (3, 4, 5, 6, 7, 10)]
              + [Case(local(2026, 8, 11), category="GRID", district="BEISHAN")])
    _withhold_august_by_one_dimension(monkeypatch)
    with app.app_context():
        compute(local(2026, 10, 1))
        assert set(db.session.execute(sa.select(StatsWithheld.table_code,
                                                StatsWithheld.period))) == {
            ("type", "2026-08"), ("category", "2026-08"), ("district", "2026-08"),
            ("contact", "2026-08"), ("reply", "2026-08")}
        run = db.session.scalar(sa.select(StatsRun))
        assert auditing.audit_year(run, 2026).exposures == []
    monkeypatch.undo()

    # the API: every row withheld, zeros too; the total by month stays published
    rows = client.get(COUNTS, query_string={"period": "2026-08", "group_by": "category"}
                      ).get_json()["rows"]
    assert len(rows) == 11
    assert all(row["count"] is None and row["suppressed"] and row["withheld"]
               and not row["below_k"] for row in rows)
    [total] = client.get(COUNTS, query_string={"period": "2026-08"}).get_json()["rows"]
    assert total["count"] == 8 and not total["withheld"]  # one August case was there already
    text = client.get(COUNTS + ".csv", query_string={"period": "2026-08", "group_by": "district"}
                      ).get_data().decode("utf-8-sig")
    assert {row["withheld"] for row in csv.DictReader(io.StringIO(text))} == {"true"}
    # the dashboard says why, in both languages; the trend marks the month
    page = client.get("/stats/?period=2026-08&lang=en").get_data(as_text=True)
    assert "Not published for this period" in page
    page = client.get("/stats/?period=2026-08&lang=zh").get_data(as_text=True)
    assert "本期不予公布" in page
    page = client.get("/stats/?period=2026-08&category=BIZ-FEE&lang=en").get_data(as_text=True)
    assert "withheld" in page
    # the pages that show it are valid HTML (the demo data withholds nothing)
    if shutil.which("java") or os.environ.get("CI"):
        pages = Pages(tmp_path)
        for lang in ("zh", "en"):
            for path in ("/stats/?period=2026-08", "/stats/?period=2026-08&category=BIZ-FEE",
                         "/stats/districts?period=2026-08",
                         "/stats/embed/categories?period=2026-08"):
                pages.add(path, client.get(f"{path}&lang={lang}"))
        assert pages.problems() == ""
    # the month's snapshot says so too
    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/stats/snapshots/2026-08.zip").data))
    text = archive.read("complaints-category-2026-08.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {row["withheld"] for row in rows} == {"true"}

    with app.app_context():
        # the same month again: still withheld (July's counts are final)
        compute(local(2026, 10, 2))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatsWithheld)) == 5
        # September settles: publishing August's tables is tried again, and still cannot be
        # done (August's total is out already: 8, all of them complaints, one of them GRID's)
        compute(local(2026, 10, 31))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatsWithheld)) == 5
        run = db.session.scalar(sa.select(StatsRun))
        assert run.last_month.month == 9
        assert auditing.audit_year(run, 2026).exposures == []


def test_publishing_beside_a_withheld_table_narrows_none_of_its_small_counts() -> None:
    """What is published in the month a table is withheld (and afterwards) tells no more about
    the withheld table's small counts than the counts published before it already did, or at
    least leaves them k wide: a withheld quarter is not given away by its new month. (Checked
    by linprog, independently of the suppression's own audit, on random years that withhold.)"""
    checked = 0
    for seed in (3, 8):
        before: dict[CellKey, int] = {}
        for system, _ in monthly(random_year(seed, 4), 4):
            then = copy.deepcopy(system)
            for cell in then.cells:
                cell.state = (State.PUBLISHED if before.get(cell.key) == cell.value
                              else State.WITHHELD)
            for n, cell in enumerate(system.cells):
                if cell.state is State.WITHHELD and 0 < cell.value < K:
                    low, high = interval(system, n, marks=False)
                    known_low, known_high = interval(then, n, marks=False)
                    assert high - low >= min(K, known_high - known_low) - 1e-6, cell.key
                    checked += 1
            before = {c.key: c.value for c in system.cells if c.state is State.PUBLISHED}
    assert checked >= 10


NEW_TABLES = ("contact", "reply", "district,contact", "district,reply")


def test_tables_added_to_the_catalogue_keep_every_count_published_before(app, add_cases,
                                                                         monkeypatch):
    """A year published before the catalogue gained tables (an upgrade): the next refresh
    publishes them for the months final already without changing any count published
    before, and where it could not, it withholds only the added tables there."""
    old = {dims: table for dims, table in catalogue.TABLES.items()
           if table.code not in NEW_TABLES}
    add_cases(CASES)
    with app.app_context():
        monkeypatch.setattr(catalogue, "TABLES", old)
        compute(NOW)
        monkeypatch.undo()
        before = {(f.table_code, f.period, f.key): f.count for f in db.session.scalars(
            sa.select(StatsFigure).where(StatsFigure.state == State.PUBLISHED.value))}
        assert not {code for code, _, _ in before} & set(NEW_TABLES)
        # as if publishing the replies by district for the second quarter narrowed a count
        real = refresh.suppress

        def narrowing(system: System, k: int, fixed=None, withheld=()):
            in_2026 = any(key.period.startswith("2026") for key in fixed or {})
            if in_2026 and ("district,reply", "2026-Q2") not in withheld:
                raise ProtectionError("narrows a count of June")
            return real(system, k, fixed=fixed, withheld=withheld)

        monkeypatch.setattr(refresh, "suppress", narrowing)
        compute(NOW + timedelta(hours=1))
        monkeypatch.undo()
        after = {(f.table_code, f.period, f.key): (f.count, f.state)
                 for f in db.session.scalars(sa.select(StatsFigure))}
        assert all(after[key] == (count, State.PUBLISHED.value)
                   for key, count in before.items())
        withheld = set(db.session.execute(sa.select(StatsWithheld.table_code,
                                                    StatsWithheld.period)))
        assert ("district,reply", "2026-Q2") in withheld
        assert {code for code, _ in withheld} <= set(NEW_TABLES)
        # the added tables are published for the other months final already
        assert after[("reply", "2026-05", "within")][1] in (State.PUBLISHED.value, "small",
                                                             "hidden")
        run = db.session.scalar(sa.select(StatsRun))
        assert auditing.audit_year(run, 2026).exposures == []


def test_added_tables_are_withheld_only_in_the_periods_published_before() -> None:
    q2 = Period(2026, Granularity.QUARTER, 2)
    added = [catalogue.TABLES[("district", "reply")]]
    held = CellKey("district,reply", "2026-Q2", ("CENTRAL", "within"))
    known = refresh.Known([], {held: 12}, added=(added, [q2, MONTHS[3]]))
    steps = refresh.withholding_steps(known, [])
    assert steps[0] == frozenset()  # what was withheld before: nothing
    # a table that holds a count published before is never withheld
    assert all(("district,reply", "2026-Q2") not in step for step in steps)
    assert not refresh.withholding_steps(refresh.Known([], {}, added=(added, [q2])), [])[0]
    assert ("district,reply", "2026-Q2") in refresh.withholding_steps(
        refresh.Known([], {}, added=(added, [q2])), [])[-1]
