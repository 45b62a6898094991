"""public identifiers of published cases

Each published case (the complainant consented and staff approved its summary) gets a random
public identifier for its permalink (/complaints/public/<public_id>): 8 characters of the
secret codes' alphabet, unrelated to the tracking number. Cases published before this revision
get one here; a CHECK constraint keeps "published" and "has a public identifier" together.

Revision ID: d3f7a9c1e5b2
Revises: c8d4f2a6e1b9
Create Date: 2026-12-02 10:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3f7a9c1e5b2'
down_revision = 'c8d4f2a6e1b9'
branch_labels = None
depends_on = None

# Crockford's base 32, as portal/complaints/codes.py had it at this revision.
ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
LENGTH = 8
PUBLISHED = 'consent_publish AND summary_approved_at IS NOT NULL'

complaints = sa.table('complaints', sa.column('id', sa.Integer),
                      sa.column('consent_publish', sa.Boolean),
                      sa.column('summary_approved_at', sa.DateTime),
                      sa.column('public_id', sa.String))


def _backfill():
    """A public identifier for every case already published, none used twice."""
    connection = op.get_bind()
    published = connection.execute(sa.select(complaints.c.id).where(
        complaints.c.consent_publish.is_(True),
        complaints.c.summary_approved_at.is_not(None)).order_by(complaints.c.id)).scalars()
    given = set()
    for case_id in list(published):
        public_id = ''.join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        while public_id in given:
            public_id = ''.join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        given.add(public_id)
        connection.execute(complaints.update().where(complaints.c.id == case_id)
                           .values(public_id=public_id))


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.String(length=12), nullable=True))
    _backfill()
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_complaints_public_id'), ['public_id'])
        batch_op.create_check_constraint(batch_op.f('ck_complaints_published_has_public_id'),
                                         f'(public_id IS NOT NULL) = ({PUBLISHED})')


def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_complaints_published_has_public_id'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('uq_complaints_public_id'), type_='unique')
        batch_op.drop_column('public_id')
