"""typed event facts, enum CHECK constraints, indexes for statistics

A rating ("4|1": score|resolved) and an assignee's user name were packed into the body of a
complaint event; they become the typed columns ``rating``, ``resolved`` and ``assignee_id``, and
existing rows are converted (the downgrade packs them back). Every enum column gets a CHECK
constraint ``ck_<table>_<column>`` listing its values; the actor kind "system", which nothing
ever wrote, is no longer one of them.

Revision ID: c8d4f2a6e1b9
Revises: b7e1c2d3a4f5
Create Date: 2026-11-27 11:00:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8d4f2a6e1b9'
down_revision = 'b7e1c2d3a4f5'
branch_labels = None
depends_on = None

STATUSES = ('registered', 'accepted', 'rejected', 'in_progress', 'replied', 'closed',
            'reopened', 'withdrawn', 'escalated', 'decided')
PERIODS = ('all', 'peak', 'flat', 'valley')
# table -> column -> allowed values, as the models' enums stood at this revision.
ENUMS = {
    'users': {'role': ('staff', 'committee', 'admin')},
    'districts': {'area_type': ('urban', 'rural', 'remote')},
    'complaints': {'type': ('complaint', 'report', 'suggestion'), 'status': STATUSES},
    'complaint_events': {
        'kind': ('status', 'reply', 'note', 'information', 'assigned', 'contact_viewed',
                 'rated', 'summary_approved'),
        'actor_kind': ('complainant', 'staff', 'committee'),
        'from_status': STATUSES, 'to_status': STATUSES,
    },
    'tariffs': {'customer_class': ('residential', 'agricultural', 'general', 'large_industrial'),
                'voltage_level': ('lv', '1_10kv', '35kv', '110kv', '220kv')},
    'tariff_versions': {'status': ('draft', 'published'),
                        'billing_basis': ('monthly', 'annual'),
                        'basic_charge_basis': ('capacity', 'demand')},
    'tariff_period_hours': {'period': PERIODS},
    'tariff_prices': {'period': PERIODS},
    'fee_items': {'status': ('active', 'abolished')},
}
EVENT_CHECKS = {
    'rating_range': 'rating IS NULL OR (rating >= 1 AND rating <= 5)',
    'rated_has_rating': "(kind = 'rated') = (rating IS NOT NULL)",
    'rating_has_verdict': '(rating IS NULL) = (resolved IS NULL)',
    'assignee_when_assigned': "assignee_id IS NULL OR kind = 'assigned'",
}

events = sa.table('complaint_events', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                  sa.column('body', sa.Text), sa.column('rating', sa.SmallInteger),
                  sa.column('resolved', sa.Boolean), sa.column('assignee_id', sa.Integer))
users = sa.table('users', sa.column('id', sa.Integer), sa.column('username', sa.String))


RATING = re.compile(r'^\s*([1-5])\s*\|\s*([01])\s*$')


def _check_before_changing():
    """Refuse, before any change, a database this migration cannot convert faithfully: a
    rating that is not "score|resolved" (1-5, 0 or 1), or an enum column holding a value its new
    CHECK constraint would refuse. The message names the rows to correct by hand."""
    connection = op.get_bind()
    problems = []
    rated = connection.execute(sa.select(events.c.id, events.c.body)
                               .where(events.c.kind == 'rated')).all()
    bad = [event_id for event_id, body in rated if body is None or not RATING.match(body)]
    if bad:
        problems.append(f'complaint_events {bad[:20]}: a rating is not "score|resolved" '
                        '(score 1 to 5, resolved 0 or 1)')
    for table, columns in ENUMS.items():
        for column, values in columns.items():
            target = sa.table(table, sa.column(column, sa.String))
            found = connection.execute(sa.select(target.c[column]).distinct().where(
                target.c[column].is_not(None), target.c[column].not_in(values))).scalars().all()
            if found:
                problems.append(f'{table}.{column} holds {sorted(found)}, allowed: {values}')
    if problems:
        raise RuntimeError('Migration c8d4f2a6e1b9 changed nothing; correct these rows first: '
                           + '; '.join(problems))


def _in(column, values):
    return '{} IN ({})'.format(column, ', '.join(f"'{value}'" for value in values))


def _type_events():
    """Fill the typed columns from the old bodies; a body that only held that data is cleared."""
    connection = op.get_bind()
    user_ids = dict(connection.execute(sa.select(users.c.username, users.c.id)).all())
    rows = connection.execute(sa.select(events.c.id, events.c.kind, events.c.body).where(
        events.c.kind.in_(['rated', 'assigned']), events.c.body.is_not(None))).all()
    for event_id, kind, body in rows:
        if kind == 'rated':
            score, verdict = RATING.match(body).groups()  # checked by _check_before_changing
            values = {'rating': int(score), 'resolved': verdict == '1', 'body': None}
        elif body in user_ids:
            values = {'assignee_id': user_ids[body], 'body': None}
        else:
            continue  # an unknown user name stays readable in the body
        connection.execute(events.update().where(events.c.id == event_id).values(**values))


def _pack_events():
    """Put ratings and assignees back into the bodies, as the old code wrote them."""
    connection = op.get_bind()
    rated = connection.execute(sa.select(events.c.id, events.c.rating, events.c.resolved)
                               .where(events.c.rating.is_not(None))).all()
    for event_id, rating, resolved in rated:
        connection.execute(events.update().where(events.c.id == event_id)
                           .values(body=f'{rating}|{int(bool(resolved))}'))
    assigned = connection.execute(
        sa.select(events.c.id, users.c.username)
        .join_from(events, users, events.c.assignee_id == users.c.id)).all()
    for event_id, username in assigned:
        connection.execute(events.update().where(events.c.id == event_id)
                           .values(body=username))


def upgrade():
    _check_before_changing()
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('resolved', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaint_events_assignee_id_users'),
                                    'users', ['assignee_id'], ['id'])
    _type_events()
    for table, columns in ENUMS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{column}'),
                                                 _in(column, values))
            if table == 'complaint_events':
                for name, condition in EVENT_CHECKS.items():
                    batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{name}'),
                                                     condition)
                batch_op.create_index('ix_complaint_events_kind_created',
                                      ['kind', 'created_at'], unique=False)
            if table == 'complaints':
                batch_op.create_index(batch_op.f('ix_complaints_registered_at'),
                                      ['registered_at'], unique=False)


def downgrade():
    _pack_events()
    for table, columns in ENUMS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == 'complaints':
                batch_op.drop_index(batch_op.f('ix_complaints_registered_at'))
            if table == 'complaint_events':
                batch_op.drop_index('ix_complaint_events_kind_created')
                for name in EVENT_CHECKS:
                    batch_op.drop_constraint(batch_op.f(f'ck_{table}_{name}'), type_='check')
            for column in columns:
                batch_op.drop_constraint(batch_op.f(f'ck_{table}_{column}'), type_='check')
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_events_assignee_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('resolved')
        batch_op.drop_column('rating')
