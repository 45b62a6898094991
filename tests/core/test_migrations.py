"""The migrations build exactly the models' schema, and go up, down and up again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from tests.conftest import TEST_DATA_KEY, database_url, reset_database


def _app(tmp_path):
    url = database_url(tmp_path)
    reset_database(url)
    return create_app({"SECRET_KEY": "x", "DATABASE_URL": url, "TESTING": True,
                       "LOG_LEVEL": "WARNING"})


def _differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def _tables():
    return set(sa.inspect(db.engine).get_table_names())


def test_migrated_schema_equals_the_models(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade()
        assert _differences() == []
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
