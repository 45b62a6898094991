"""The public list's queries are served by its partial indexes (on PostgreSQL and SQLite), and
its counts are kept until the public data changes: a page never reads the whole table."""

from __future__ import annotations

import importlib.util

import sqlalchemy as sa

from portal import MIGRATIONS
from portal.complaints import queries, services
from portal.complaints.models import INBOX_VALUES, OPEN_VALUES, Complaint
from portal.core import paging
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import FILING
from tests.conftest import count_statements

CATEGORIES = ("BIZ-FEE", "OUT-REPAIR", "QUAL", "BIZ-BILL")


def _file(app, count, published, batch=0):
    with app.app_context():
        for index in range(count):
            filing = {**FILING, "category_code": CATEGORIES[index % len(CATEGORIES)]}
            receipt = services.submit_complaint(services.Filing(**filing),
                                                f"plan-{published}-{batch}-{index}", utcnow())
            if published:
                receipt.complaint.consent_publish = True
                services.approve_summary(receipt.complaint, None, "营业厅多收了费用。", utcnow())
        db.session.commit()


def _plan(query):
    """The database's plan of ``query`` (EXPLAIN), as text."""
    connection = db.session.connection()
    compiled = query.compile(dialect=connection.dialect,
                             compile_kwargs={"render_postcompile": True})
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("ANALYZE")
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params)
    else:
        connection.exec_driver_sql("ANALYZE complaints")
        # As on a big table, where reading rows in the index's order beats sorting them.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            connection.exec_driver_sql(f"SET LOCAL {setting} = off")
        rows = connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
    return "\n".join(str(row) for row in rows)


def test_the_public_list_reads_its_partial_indexes(app):
    _file(app, 40, published=True)
    _file(app, 40, published=False)
    with app.app_context():
        everything = _plan(queries.public_cases(queries.CaseFilters()).limit(20))
        assert "ix_complaints_listed" in everything, everything
        category = _plan(queries.public_cases(
            queries.CaseFilters(category=FILING["category_code"])).limit(20))
        assert "ix_complaints_listed_category" in category, category
        count = _plan(sa.select(sa.func.count()).select_from(queries.Complaint).where(
            *queries.PUBLISHED))
        assert "ix_complaints_listed" in count, count
        db.session.rollback()


def test_the_counts_are_kept_until_the_public_data_changes(app, client):
    _file(app, 5, published=True)
    built, page = count_statements(app, client, "/complaints/public?lang=en&page=1")
    again, next_page = count_statements(app, client, "/complaints/public?lang=en&page=2")
    # Page 2 is another page, but its counts are those of page 1: only the counter, the
    # page's cases (none here) and, when there are some, their events.
    assert again <= built - 4, (built, again)
    assert "5 cases" in page and "5 cases" in next_page
    _file(app, 1, published=True, batch=1)
    _built, later = count_statements(app, client, "/complaints/public?lang=en&page=2")
    assert "6 cases" in later


def test_the_migration_writes_the_inbox_statuses_as_the_model_does():
    """The migration spells the statuses out; a status added to the open ones must change both
    (else the index no longer serves the inbox)."""
    for name in ("3c9d2f6a1b7e_complaints_the_staff_inbox_index.py",
                 "8d2a6c1e4b90_complaints_inbox_index_holds_status.py"):
        spec = importlib.util.spec_from_file_location("inbox_migration",
                                                      MIGRATIONS / "versions" / name)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        assert ", ".join(f"'{value}'" for value in OPEN_VALUES) == migration.OPEN
        assert ", ".join(f"'{value}'" for value in INBOX_VALUES) == migration.INBOX


def test_the_inbox_reads_its_index_in_order(app):
    _file(app, 40, published=False)
    with app.app_context():
        page = _plan(queries.inbox(queries.CaseFilters(open_only=True), utcnow())
                     .limit(20).offset(20))
        assert "ix_complaints_inbox" in page, page
        assert "TEMP B-TREE" not in page and "Sort" not in page, page  # read in order
        db.session.rollback()


def test_a_deep_inbox_page_reads_the_index_alone(app):
    """The keys of a deep page (``paging`` reads them first) come from the index without
    fetching the rows passed over: an index-only scan on PostgreSQL, a covering index on
    SQLite."""
    _file(app, 40, published=False)
    with app.app_context():
        query = queries.inbox(queries.CaseFilters(open_only=True), utcnow())
        keys = query.with_only_columns(Complaint.id, maintain_column_froms=True)
        page = _plan(keys.limit(20).offset(20))
        assert "ix_complaints_inbox" in page, page
        assert ("Index Only Scan" in page if db.engine.dialect.name == "postgresql"
                else "COVERING INDEX" in page), page
        db.session.rollback()


def test_a_page_found_by_key_reads_the_inbox_index_from_its_row(app):
    """The next page after a case: a comparison of rows that the index answers, in order,
    without reading the rows before it (no OFFSET, no sort)."""
    _file(app, 40, published=False)
    with app.app_context():
        query = queries.inbox(queries.CaseFilters(open_only=True), utcnow())
        order = paging.key_order(query)
        place = db.session.execute(sa.select(*order.columns).order_by(Complaint.id)).first()
        for forward in (True, False):
            page = _plan(paging.beside(query, order, tuple(place), forward, 20))
            assert "ix_complaints_inbox" in page, page
            assert "TEMP B-TREE" not in page and "Sort" not in page, page
            if db.engine.dialect.name == "postgresql":
                assert "Index Cond" in page, page  # the comparison starts the scan
        db.session.rollback()
