"""The migrations build exactly the models' schema, and go up, down and up again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from tests.conftest import TEST_DATA_KEY, database_url, reset_database, unmigrated_app

# Alembic cannot compare an index on an expression (the inbox's); its migration is checked
# against the model in tests/complaints/test_list_plans.py instead.
pytestmark = [pytest.mark.filterwarnings("ignore:.*expression-based index 'ix_complaints_inbox'"),
              pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression")]


def _app(tmp_path):
    return unmigrated_app(tmp_path)


EXPRESSION_INDEXES = {"ix_complaints_inbox"}
INDEX_QUERIES = {
    "postgresql": sa.text("SELECT 1 FROM pg_indexes WHERE indexname = :name"),
    "sqlite": sa.text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name")}


def _differences():
    """Alembic's differences between the database and the models, but for the indexes on an
    expression, which it cannot compare (PostgreSQL writes them back in its own words): those
    must merely exist."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "render_as_batch": True})
        found = compare_metadata(context, db.metadata)
        listed = INDEX_QUERIES[connection.dialect.name]
        for name in EXPRESSION_INDEXES:
            assert connection.execute(listed, {"name": name}).first(), name
    return [each for each in found if not (
        isinstance(each, tuple) and each[0] in ("add_index", "remove_index")
        and each[1].name in EXPRESSION_INDEXES)]


def _tables():
    return set(sa.inspect(db.engine).get_table_names())


def _check_constraints():
    """Names of the CHECK constraints in the database and in the models (Alembic's comparison
    leaves them out)."""
    inspector = sa.inspect(db.engine)
    stored = {(table, check["name"]) for table in inspector.get_table_names()
              for check in inspector.get_check_constraints(table)}
    modelled = {(table.name, str(constraint.name)) for table in db.metadata.sorted_tables
                for constraint in table.constraints if isinstance(constraint, sa.CheckConstraint)}
    return stored, modelled


def test_migrated_schema_equals_the_models(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade()
        assert _differences() == []
        stored, modelled = _check_constraints()
        assert stored == modelled
        assert ("complaint_events", "ck_complaint_events_actor_kind") in stored
        db.engine.dispose()


def test_upgrade_downgrade_upgrade(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade()
        model_tables = {table.name for table in db.metadata.sorted_tables}
        assert model_tables <= _tables()
        downgrade(revision="base")
        assert _tables() == {"alembic_version"}
        upgrade()
        assert model_tables <= _tables()
        assert _differences() == []
        stored, modelled = _check_constraints()
        assert stored == modelled
        db.engine.dispose()


def test_existing_second_factor_secrets_are_encrypted_and_back(tmp_path):
    """The security migration encrypts stored TOTP secrets; its downgrade decrypts them."""
    from portal.core import protection

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": database_url(tmp_path), "TESTING": True,
                      "LOG_LEVEL": "WARNING", "DATA_KEY": TEST_DATA_KEY})
    reset_database(database_url(tmp_path))
    with app.app_context():
        upgrade(revision="3774cf61b013")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (username, display_name, role, password_hash, session_token,"
                " totp_secret, failed_logins, locked_until, created_at) VALUES ('alice', 'A',"
                " 'staff', 'x', 't', 'JBSWY3DPEHPK3PXP', 0, NULL, CURRENT_TIMESTAMP)"))
        upgrade()
        with db.engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT totp_secret FROM users")).scalar_one()
        assert stored != "JBSWY3DPEHPK3PXP"
        assert protection.decrypt(stored) == "JBSWY3DPEHPK3PXP"
        downgrade(revision="3774cf61b013")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT totp_secret FROM users")).scalar_one() \
                == "JBSWY3DPEHPK3PXP"
        db.engine.dispose()


EVENTS_BEFORE_TYPING = "b7e1c2d3a4f5"


def _insert_old_case(connection):
    """A case with events written the old way: rating "score|resolved", assignee's user name."""
    connection.execute(sa.text(
        "INSERT INTO users (id, username, display_name, role, password_hash, session_token,"
        " failed_logins, created_at) VALUES (7, 'li.lei', 'L', 'staff', 'x', 't', 0,"
        " CURRENT_TIMESTAMP)"))
    connection.execute(sa.text(
        "INSERT INTO complaints (id, tracking_number, year, sequence, submission_digest,"
        " code_hash, type, category_code, district_code, subject, description,"
        " consent_contact, consent_publish, language, status, registered_at,"
        " first_contact_due_at, reply_due_at, reopen_count) VALUES (1, 'T-1', 2026, 1, 'd', 'h',"
        " 'complaint', (SELECT MIN(code) FROM complaint_categories),"
        " (SELECT MIN(code) FROM districts), 's', 'd', FALSE, FALSE, 'zh_Hans_CN', 'closed',"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
    for event_id, kind, actor_kind, body in [
            (1, "rated", "complainant", "2|0"), (2, "rated", "complainant", "5|1"),
            (3, "assigned", "staff", "li.lei"), (4, "assigned", "staff", None),
            (5, "assigned", "staff", "gone.user"), (6, "note", "staff", "5|1")]:
        connection.execute(sa.text(
            "INSERT INTO complaint_events (id, complaint_id, kind, actor_kind, body, created_at)"
            " VALUES (:id, 1, :kind, :actor_kind, :body, CURRENT_TIMESTAMP)"),
            {"id": event_id, "kind": kind, "actor_kind": actor_kind, "body": body})


def _events(connection, *names):
    events = sa.table("complaint_events", sa.column("id"), *map(sa.column, names))
    return {row[0]: tuple(row[1:]) for row in connection.execute(
        sa.select(*events.c).order_by(events.c.id))}


def test_event_ratings_and_assignees_become_typed_columns_and_back(tmp_path):
    """Existing ratings and assignments are converted into the typed columns, and back."""
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision=EVENTS_BEFORE_TYPING)
        with db.engine.begin() as connection:
            _insert_old_case(connection)
        upgrade()
        with db.engine.connect() as connection:
            typed = _events(connection, "rating", "resolved", "assignee_id", "body")
        assert typed == {1: (2, False, None, None), 2: (5, True, None, None),
                         3: (None, None, 7, None), 4: (None, None, None, None),
                         5: (None, None, None, "gone.user"), 6: (None, None, None, "5|1")}
        downgrade(revision=EVENTS_BEFORE_TYPING)
        with db.engine.connect() as connection:
            assert _events(connection, "body") == {
                1: ("2|0",), 2: ("5|1",), 3: ("li.lei",), 4: (None,), 5: ("gone.user",),
                6: ("5|1",)}
        db.engine.dispose()


def _add_rated_event(connection, event_id, body):
    connection.execute(sa.text(
        "INSERT INTO complaint_events (id, complaint_id, kind, actor_kind, body, created_at)"
        " VALUES (:id, 1, 'rated', 'complainant', :body, CURRENT_TIMESTAMP)"),
        {"id": event_id, "body": body})


@pytest.mark.parametrize("body", ["x|y", "", None, "6|1", "0|0", "4", "5|1|extra"])
def test_a_rating_the_migration_cannot_read_stops_it_before_any_change(tmp_path, capfd, body):
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision=EVENTS_BEFORE_TYPING)
        with db.engine.begin() as connection:
            _insert_old_case(connection)
            _add_rated_event(connection, 10, body)
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits with 1
            upgrade()
        assert 'complaint_events [10]: a rating is not "score|resolved"' in capfd.readouterr().err
        assert "_alembic_tmp_complaint_events" not in sa.inspect(db.engine).get_table_names()
        with db.engine.begin() as connection:  # corrected by hand, the upgrade goes through
            connection.execute(sa.text("UPDATE complaint_events SET body = ' 3 | 0 ' "
                                       "WHERE id = 10"))
        upgrade()
        with db.engine.connect() as connection:
            assert _events(connection, "rating", "resolved", "body")[10] == (3, False, None)
        db.engine.dispose()


BEFORE_YEAR_COUNTERS = "d1a7e3b5c9f2"


def test_complaint_counters_become_the_complaint_series_and_back(tmp_path):
    """The next tracking number follows the last one given before the upgrade, and after a
    downgrade; rows of other series go with the shared table."""
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE_YEAR_COUNTERS)
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO complaint_counters (year, last)"
                                       " VALUES (2025, 41), (2026, 7)"))
        upgrade()
        with db.engine.begin() as connection:
            rows = connection.execute(sa.text(
                "SELECT series, year, last FROM year_counters ORDER BY year")).all()
            assert [tuple(row) for row in rows] == [("complaint", 2025, 41),
                                                    ("complaint", 2026, 7)]
            connection.execute(sa.text("INSERT INTO year_counters (series, year, last)"
                                       " VALUES ('decision', 2026, 3)"))
        assert "complaint_counters" not in _tables()
        downgrade(revision=BEFORE_YEAR_COUNTERS)
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT year, last FROM complaint_counters ORDER BY year")).all()
        assert [tuple(row) for row in rows] == [(2025, 41), (2026, 7)]
        assert "year_counters" not in _tables()
        db.engine.dispose()


BEFORE_TARIFF_DISTRICTS = "c2941b44e630"


@pytest.mark.parametrize("demo_loaded", [True, False])
def test_the_demo_tariffs_are_limited_to_their_districts(tmp_path, demo_loaded):
    """Where the fee demo data is loaded, the Beishan County tariff and the one outside it get
    their districts; other tariffs, and any database without the demo, apply everywhere."""
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE_TARIFF_DISTRICTS)
        with db.engine.begin() as connection:
            for code in ("RES-TIER-BJ", "RES-TIER-ZJ", "RES-TOU-ZJ"):
                connection.execute(sa.text(
                    "INSERT INTO tariffs (code, name_zh, customer_class, voltage_level,"
                    " created_at) VALUES (:code, :code, 'residential', 'lv', :at)"),
                    {"code": code, "at": "2026-01-01 00:00:00+00:00"})
            if demo_loaded:
                connection.execute(sa.text(
                    "INSERT INTO demo_datasets (name, loaded_at)"
                    " VALUES ('fees', '2026-01-01 00:00:00+00:00')"))
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT t.code, d.district_code FROM tariff_districts d"
                " JOIN tariffs t ON t.id = d.tariff_id ORDER BY t.code, d.district_code")).all()
        expected = [("RES-TIER-BJ", "BEISHAN")] + [
            ("RES-TIER-ZJ", code) for code in ("CENTRAL", "EAST", "HITECH", "NANLING",
                                               "WEST-SUB")]
        assert [tuple(row) for row in rows] == (expected if demo_loaded else [])
        downgrade(revision=BEFORE_TARIFF_DISTRICTS)
        assert "tariff_districts" not in _tables() and "tariffs" in _tables()
        db.engine.dispose()


BEFORE_FINAL_MONTHS = "d8bf71718581"


def test_the_months_published_before_the_upgrade_become_final(tmp_path):
    """The last refresh published up to June with these counts: June stays published, with
    them, instead of being withdrawn until it settles and published again from other counts."""
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE_FINAL_MONTHS)
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO stats_runs (extracted_at, min_cell, first_month, last_month, cases)"
                " VALUES ('2026-07-01 02:00:00.000000', 5, '2026-05-01', '2026-06-01', 3)"))
            for month in ("2026-05-01", "2026-06-01", "2026-07-01"):
                connection.execute(sa.text(
                    "INSERT INTO stats_cells (month, type, category_code, district_code, status,"
                    " deadline, rating, resolved, escalated, finding, count) VALUES (:month,"
                    " 'complaint', 'GRID', 'CENTRAL', 'replied', 'met', 'none', 'none', 'no',"
                    " 'none', 1)"), {"month": month})
        upgrade()
        with db.engine.connect() as connection:
            months = connection.execute(sa.text(
                "SELECT month FROM stats_months ORDER BY month")).scalars().all()
        assert [str(month)[:10] for month in months] == ["2026-05-01", "2026-06-01"]
        db.engine.dispose()
