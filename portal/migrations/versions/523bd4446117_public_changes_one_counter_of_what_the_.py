"""public changes: one counter of what the public sees, for the page cache

Revision ID: 523bd4446117
Revises: 6d13eafd3ba4
Create Date: 2026-11-29 17:02:18.813161

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import portal.core.models


# revision identifiers, used by Alembic.
revision = '523bd4446117'
down_revision = '6d13eafd3ba4'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('public_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_changes'))
    )
    op.bulk_insert(table, [{'id': 1, 'generation': 1,
                            'changed_at': datetime.now(timezone.utc)}])


def downgrade():
    op.drop_table('public_changes')
