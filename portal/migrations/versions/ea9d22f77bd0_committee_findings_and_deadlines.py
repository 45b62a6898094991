"""committee findings and deadlines: an outcome on the decision, escalation date and deadline

The users' committee's decision gets a typed ``outcome`` (upheld, partly upheld, not upheld)
on its event, with a CHECK that only a decision carries one. Decisions recorded before this
revision keep ``outcome`` NULL: nobody recorded an outcome then, and none is invented; the pages
say "not recorded".

A case gets ``escalated_at`` (when it was taken to the committee) and ``committee_due_at`` (by
when the committee should decide). Both are filled for cases already escalated: the date from
the escalation event, the deadline by the rule the portal applies from now on
(``COMMITTEE_WORKING_DAYS`` working days, 15 unless configured, counted with the Chinese
statutory calendar in ``TIMEZONE``). A case without an escalation event keeps both NULL.

The downgrade drops the three columns: outcomes recorded since are lost (the reasons stay).

Revision ID: ea9d22f77bd0
Revises: d3f7a9c1e5b2
Create Date: 2026-12-01 10:00:00.000000

"""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
import portal.core.models


# revision identifiers, used by Alembic.
revision = 'ea9d22f77bd0'
down_revision = 'd3f7a9c1e5b2'
branch_labels = None
depends_on = None

OUTCOMES = ('upheld', 'partly_upheld', 'not_upheld')

complaints = sa.table('complaints', sa.column('id', sa.Integer),
                      sa.column('escalated_at', portal.core.models.UTCDateTime()),
                      sa.column('committee_due_at', portal.core.models.UTCDateTime()))
events = sa.table('complaint_events', sa.column('complaint_id', sa.Integer),
                  sa.column('kind', sa.String), sa.column('to_status', sa.String),
                  sa.column('created_at', portal.core.models.UTCDateTime()))


def _settings():
    """The committee's period and the time zone, as the application is configured."""
    try:
        from flask import current_app
        return (int(current_app.config.get('COMMITTEE_WORKING_DAYS', 15)),
                str(current_app.config.get('TIMEZONE', 'Asia/Shanghai')))
    except RuntimeError:  # no application context
        return 15, 'Asia/Shanghai'


def _working_day(day):
    import chinese_calendar
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def _due(escalated_at, days, zone):
    """End of the ``days``-th working day after the day of escalation, local time (as
    portal.complaints.workdays.reply_due computes it at this revision)."""
    day = escalated_at.astimezone(ZoneInfo(zone)).date()
    while days > 0:
        day += timedelta(days=1)
        if _working_day(day):
            days -= 1
    return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(zone)).astimezone(
        timezone.utc)


def _fill_escalations():
    connection = op.get_bind()
    days, zone = _settings()
    rows = connection.execute(
        sa.select(events.c.complaint_id, sa.func.max(events.c.created_at))
        .where(events.c.kind == 'status', events.c.to_status == 'escalated')
        .group_by(events.c.complaint_id)).all()
    for complaint_id, escalated_at in rows:
        connection.execute(complaints.update().where(complaints.c.id == complaint_id).values(
            escalated_at=escalated_at, committee_due_at=_due(escalated_at, days, zone)))


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', portal.core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('committee_due_at',
                                      portal.core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_complaints_escalated_at'), ['escalated_at'],
                              unique=False)
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.Enum(*OUTCOMES, name='outcome',
                                                         native_enum=False, length=24,
                                                         create_constraint=False),
                                      nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_complaint_events_outcome'),
                                         "outcome IN ('upheld', 'partly_upheld', 'not_upheld')")
        batch_op.create_check_constraint(
            batch_op.f('ck_complaint_events_outcome_when_decided'),
            "outcome IS NULL OR (kind = 'status' AND to_status = 'decided')")
    _fill_escalations()


def downgrade():
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_complaint_events_outcome_when_decided'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_complaint_events_outcome'), type_='check')
        batch_op.drop_column('outcome')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_escalated_at'))
        batch_op.drop_column('committee_due_at')
        batch_op.drop_column('escalated_at')
