"""The audit on the demo data: a year of fictitious cases, refreshed as ``make run`` does, then
``flask --app portal stats audit`` proves by linear programming that no suppressed count can be
narrowed below k from everything published; and it fails, naming the cell, when a stored figure
is changed to give a small count away."""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts import demo as accounts_demo
from portal.complaints import demo as complaints_demo
from portal.core import transactions
from portal.core.models import utcnow
from portal.extensions import db
from portal.stats import refresh
from portal.stats.models import StatsFigure


def _demo_figures(app) -> None:
    now = utcnow()
    with app.app_context():
        accounts_demo.load(now)
        complaints_demo.load(now)
        refresh.refresh(now)
        transactions.commit()


def test_the_demo_figures_pass_the_audit(app, runner):
    _demo_figures(app)
    result = runner.invoke(args=["stats", "audit"])
    assert result.exit_code == 0, result.output
    assert "Audit passed" in result.output
    with app.app_context():
        states = dict(db.session.execute(sa.select(StatsFigure.state, sa.func.count())
                                         .group_by(StatsFigure.state)).all())
    assert states.get("small", 0) > 0  # the remote district's counts are small on purpose


def test_the_audit_fails_when_a_small_count_is_published(app, runner):
    _demo_figures(app)
    with app.app_context():
        small = db.session.scalars(sa.select(StatsFigure).where(StatsFigure.state == "small")
                                   .order_by(StatsFigure.period).limit(1)).one()
        year, named = small.year, f"{small.table_code} {small.period}"
        small.state = "published"
        transactions.commit()
    result = runner.invoke(args=["stats", "audit", "--period", str(year)])
    assert result.exit_code == 1, result.output
    assert f"exposed: {named}" in result.output


def test_the_audit_names_a_bad_period(app, runner):
    _demo_figures(app)
    result = runner.invoke(args=["stats", "audit", "--period", "2026-13"])
    assert result.exit_code == 2
    assert "Not a period" in result.output
