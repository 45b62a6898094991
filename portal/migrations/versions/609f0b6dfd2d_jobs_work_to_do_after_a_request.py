"""jobs: work to do after a request (emails), kept with the change that caused it

Revision ID: 609f0b6dfd2d
Revises: 8d2a6c1e4b90
Create Date: 2026-11-29 21:26:14.865121

"""
from alembic import op
import sqlalchemy as sa
import portal.core.models


# revision identifiers, used by Alembic.
revision = '609f0b6dfd2d'
down_revision = '8d2a6c1e4b90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('arguments', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('waiting', 'done', 'failed', name='state', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('base_url', sa.String(length=200), nullable=True),
    sa.Column('last_error', sa.String(length=80), nullable=True),
    sa.Column('finished_at', portal.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['state', 'run_after'], unique=False)



def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_due')

    op.drop_table('jobs')
