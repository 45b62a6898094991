"""The database itself refuses a value outside an enum column's vocabulary."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.demo.loader import load_demo_data
from portal.extensions import db

# Other columns set with the bad value so that only the enum's own CHECK can refuse the row
# (e.g. a version that is not a draft must have been published).
COMPANIONS = {
    ("tariff_versions", "status"): {"published_at": sa.func.current_timestamp()},
    ("tariff_versions", "basic_charge_basis"): {"basic_charge_rate": 1},
    ("fee_items", "status"): {"abolished_on": sa.func.current_date()},
}


def _first_event(*where):
    return sa.column("id") == sa.select(sa.func.min(sa.column("id"))).select_from(
        sa.table("complaint_events")).where(*where).scalar_subquery()


# The one row to change (else the first): one whose other CHECKs the bad value cannot trip
# (a rating belongs to a "rated" event, an outcome to the committee's decision).
ROWS = {("complaint_events", "kind"): _first_event(sa.column("kind") == "status"),
        ("complaint_events", "outcome"): _first_event(sa.column("to_status") == "decided"),
        # a closed notice must be published: change an open one
        ("committee_notices", "status"): sa.column("id") == sa.select(
            sa.func.min(sa.column("id"))).select_from(sa.table("committee_notices")).where(
            sa.column("closed_on").is_(None)).scalar_subquery()}


def _enum_columns():
    return [(table, column) for table in db.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, sa.Enum)]


def test_every_enum_column_refuses_a_foreign_value(app):
    with app.app_context():
        load_demo_data()
        columns = _enum_columns()
        assert len(columns) == 34
        accepted = []
        for table, column in columns:
            key = (table.name, column.name)
            values = {column.name: "bogus", **COMPANIONS.get(key, {})}
            # Raw SQL: untyped columns, so that SQLAlchemy's own enum check stays out of it.
            raw = sa.table(table.name, *map(sa.column, values))
            key_column = sa.column(next(iter(table.primary_key)).name)
            first_row = key_column == sa.select(sa.func.min(key_column)).select_from(
                raw).scalar_subquery()
            statement = sa.update(raw).values(values).where(ROWS.get(key, first_row))
            if db.session.scalar(sa.select(sa.func.count()).select_from(raw)) == 0:
                # No demo row to change (a table the demo data leaves empty): the CHECK
                # must at least be declared (test_migrations: the database has what is declared).
                names = {constraint.name for constraint in table.constraints}
                assert f"ck_{table.name}_{column.name}" in names, key
                continue
            try:
                with db.engine.begin() as connection:
                    assert connection.execute(statement).rowcount > 0, key
            except sa.exc.IntegrityError as error:
                assert f"ck_{table.name}_{column.name}" in str(error.orig), key
            else:
                accepted.append(key)
        assert accepted == []
        db.engine.dispose()


def test_an_event_by_an_unknown_actor_kind_is_refused(app):
    """The actor kind "system" (never used) is no longer part of the vocabulary."""
    with app.app_context():
        load_demo_data()
        complaint_id = db.session.scalar(sa.text("SELECT MIN(id) FROM complaints"))
        db.session.remove()
        insert = sa.text(
            "INSERT INTO complaint_events (complaint_id, kind, actor_kind, created_at)"
            " VALUES (:complaint, 'note', :actor, CURRENT_TIMESTAMP)")
        with db.engine.begin() as connection:
            connection.execute(insert, {"complaint": complaint_id, "actor": "staff"})
        with pytest.raises(sa.exc.IntegrityError, match="ck_complaint_events_actor_kind"), \
                db.engine.begin() as connection:
            connection.execute(insert, {"complaint": complaint_id, "actor": "system"})
        db.engine.dispose()
