"""complaints: partial indexes of the public list, all cases and by category

Revision ID: e5362ffdef91
Revises: 523bd4446117
Create Date: 2026-11-29 17:41:47.916708

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5362ffdef91'
down_revision = '523bd4446117'
branch_labels = None
depends_on = None


# The same expression as ``portal.complaints.models.LISTED``, as each database writes it.
LISTED = {"postgresql": "consent_publish = true", "sqlite": "consent_publish = 1"}
REST = " AND summary_approved_at IS NOT NULL AND listed_at IS NOT NULL"
INDEXES = {"ix_complaints_listed": ["registered_at", "id"],
           "ix_complaints_listed_category": ["category_code", "registered_at", "id"]}


def upgrade():
    where = {f"{name}_where": sa.text(condition + REST) for name, condition in LISTED.items()}
    for name, columns in INDEXES.items():
        op.create_index(name, "complaints", columns, unique=False, **where)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="complaints")
