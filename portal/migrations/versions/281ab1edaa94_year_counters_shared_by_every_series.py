"""year counters shared by every numbered series: complaints move onto them

``year_counters(series, year, last)`` (portal/core/numbering.py) replaces
``complaint_counters(year, last)``: each complaint year becomes the row of the series
``complaint``, so the next tracking number follows the last one given. The downgrade copies the
``complaint`` rows back; other series' rows belong to later revisions, downgraded before this one.

Revision ID: 281ab1edaa94
Revises: d1a7e3b5c9f2
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '281ab1edaa94'
down_revision = 'd1a7e3b5c9f2'
branch_labels = None
depends_on = None

SERIES = 'complaint'


def upgrade():
    op.create_table('year_counters',
    sa.Column('series', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.CheckConstraint('last >= 0', name=op.f('ck_year_counters_last_not_negative')),
    sa.PrimaryKeyConstraint('series', 'year', name=op.f('pk_year_counters'))
    )
    op.execute(sa.text(
        "INSERT INTO year_counters (series, year, last)"
        " SELECT :series, year, last FROM complaint_counters").bindparams(series=SERIES))
    op.drop_table('complaint_counters')


def downgrade():
    op.create_table('complaint_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_complaint_counters'))
    )
    op.execute(sa.text(
        "INSERT INTO complaint_counters (year, last)"
        " SELECT year, last FROM year_counters WHERE series = :series").bindparams(series=SERIES))
    op.drop_table('year_counters')
