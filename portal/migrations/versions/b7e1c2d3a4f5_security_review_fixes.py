"""security review: encrypted second-factor secrets, login waits, account emails, tracking waits

Revision ID: b7e1c2d3a4f5
Revises: 3774cf61b013
Create Date: 2026-11-27 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import portal.core.models


# revision identifiers, used by Alembic.
revision = 'b7e1c2d3a4f5'
down_revision = '3774cf61b013'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))


def _recode(change):
    """Encrypt (or decrypt) every stored second-factor secret with PORTAL_DATA_KEY."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.totp_secret)
                              .where(users.c.totp_secret.is_not(None))).all()
    for user_id, secret in rows:
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(totp_secret=change(secret)))


def upgrade():
    from portal.core import protection

    op.create_table('tracking_throttles',
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('wait_until', portal.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_tracking_throttles_failures_not_negative')),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_tracking_throttles'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64),
                              type_=sa.String(length=255), existing_nullable=True)
        batch_op.alter_column('locked_until', new_column_name='throttled_until',
                              existing_type=sa.DateTime(timezone=True),
                              existing_nullable=True)
        batch_op.add_column(sa.Column('last_failed_at', portal.core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    _recode(protection.encrypt)


def downgrade():
    from portal.core import protection

    _recode(protection.decrypt)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')
        batch_op.drop_column('last_failed_at')
        batch_op.alter_column('throttled_until', new_column_name='locked_until',
                              existing_type=sa.DateTime(timezone=True),
                              existing_nullable=True)
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255),
                              type_=sa.String(length=64), existing_nullable=True)
    op.drop_table('tracking_throttles')
