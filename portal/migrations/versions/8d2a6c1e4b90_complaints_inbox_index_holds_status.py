"""complaints: the inbox's index holds the status too, so that deep pages and counts read the
index alone (an index-only scan: no row is fetched for the cases a page passes over)

Revision ID: 8d2a6c1e4b90
Revises: 3c9d2f6a1b7e
Create Date: 2026-11-29 21:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2a6c1e4b90'
down_revision = '3c9d2f6a1b7e'
branch_labels = None
depends_on = None

# As ``portal.complaints.models`` writes them (sorted, literal): the index serves the inbox's
# query only while both have the very same values.
OPEN = "'accepted', 'in_progress', 'registered', 'reopened'"
INBOX = "'accepted', 'escalated', 'in_progress', 'registered', 'reopened'"


def _create(columns):
    where = sa.text(f"status IN ({INBOX})")
    op.create_index("ix_complaints_inbox", "complaints",
                    [sa.text(f"(CASE WHEN (status IN ({OPEN})) THEN 0 ELSE 1 END)"), *columns],
                    unique=False, postgresql_where=where, sqlite_where=where)


def upgrade():
    op.drop_index("ix_complaints_inbox", table_name="complaints")
    _create(["reply_due_at", "id", "status"])


def downgrade():
    op.drop_index("ix_complaints_inbox", table_name="complaints")
    _create(["reply_due_at", "id"])
