"""complaints: the staff inbox's index, open cases first by reply deadline

Revision ID: 3c9d2f6a1b7e
Revises: e5362ffdef91
Create Date: 2026-11-29 17:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9d2f6a1b7e'
down_revision = 'e5362ffdef91'
branch_labels = None
depends_on = None

# As ``portal.complaints.models`` writes them (sorted, literal): the index serves the inbox's
# query only while both have the very same values.
OPEN = "'accepted', 'in_progress', 'registered', 'reopened'"
INBOX = "'accepted', 'escalated', 'in_progress', 'registered', 'reopened'"


def upgrade():
    where = sa.text(f"status IN ({INBOX})")
    op.create_index("ix_complaints_inbox", "complaints",
                    [sa.text(f"(CASE WHEN (status IN ({OPEN})) THEN 0 ELSE 1 END)"),
                     "reply_due_at", "id"],
                    unique=False, postgresql_where=where, sqlite_where=where)


def downgrade():
    op.drop_index("ix_complaints_inbox", table_name="complaints")
