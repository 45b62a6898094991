"""transparency log: entries, complete-subtree hashes, the head row, signed checkpoints

What was published before this revision is recorded by ``flask --app portal audit backfill``
(run once after upgrading): it needs the application's signing key, which a migration does not
have.

Revision ID: d1a7e3b5c9f2
Revises: ea9d22f77bd0
Create Date: 2026-11-27 14:55:00.000000

"""
import hashlib

from alembic import op
import sqlalchemy as sa

from portal.core.models import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'd1a7e3b5c9f2'
down_revision = 'ea9d22f77bd0'
branch_labels = None
depends_on = None


def upgrade():
    head = op.create_table('transparency_log_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.LargeBinary(length=32), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_transparency_log_head_one_row')),
    sa.CheckConstraint('size >= 0', name=op.f('ck_transparency_log_head_size_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transparency_log_head'))
    )
    op.create_table('transparency_entries',
    sa.Column('index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('published_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.CheckConstraint('"index" >= 0', name=op.f('ck_transparency_entries_index_not_negative')),
    sa.PrimaryKeyConstraint('index', name=op.f('pk_transparency_entries'))
    )
    with op.batch_alter_table('transparency_entries', schema=None) as batch_op:
        batch_op.create_index('ix_transparency_entries_key_index', ['key', 'index'], unique=False)
        batch_op.create_index('ix_transparency_entries_kind_published_at', ['kind', 'published_at'], unique=False)
        batch_op.create_index('ix_transparency_entries_published_at', ['published_at'], unique=False)
    op.create_table('transparency_nodes',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('position', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.CheckConstraint('level >= 0 AND level < 64', name=op.f('ck_transparency_nodes_level_in_range')),
    sa.PrimaryKeyConstraint('level', 'position', name=op.f('pk_transparency_nodes'))
    )
    op.create_table('transparency_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tree_size', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.LargeBinary(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transparency_checkpoints')),
    sa.UniqueConstraint('tree_size', name=op.f('uq_transparency_checkpoints_tree_size'))
    )
    with op.batch_alter_table('transparency_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transparency_checkpoints_created_at'), ['created_at'], unique=False)
    # The empty log: SHA-256 of nothing (RFC 9162 2.1.1).
    op.bulk_insert(head, [{'id': 1, 'size': 0, 'root': hashlib.sha256(b'').digest()}])


def downgrade():
    with op.batch_alter_table('transparency_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transparency_checkpoints_created_at'))
    op.drop_table('transparency_checkpoints')
    op.drop_table('transparency_nodes')
    with op.batch_alter_table('transparency_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_transparency_entries_published_at')
        batch_op.drop_index('ix_transparency_entries_kind_published_at')
        batch_op.drop_index('ix_transparency_entries_key_index')
    op.drop_table('transparency_entries')
    op.drop_table('transparency_log_head')
