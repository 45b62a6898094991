"""Scheduled duties: one run at a time on all hosts, a daily duty once a day, a failure
recorded and finished by the next run, nothing half-done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.core import duties, jobs
from portal.core.duty_models import DutyRecord
from portal.core.job_models import Job
from portal.core.models import utcnow
from portal.extensions import db

MONDAY = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def counted(monkeypatch):
    """A daily duty that counts its runs and leaves a job behind (a change of its own)."""
    runs = []

    def work(now):
        runs.append(now)
        jobs.later("test-noop")
        if len(runs) == getattr(work, "fail_on", 0):
            raise ZeroDivisionError("a message that could quote someone's address")
        return f"run {len(runs)}"
    monkeypatch.setitem(jobs.HANDLERS, "test-noop", lambda: None)
    monkeypatch.setitem(duties.DUTIES, "test-daily",
                        duties.Duty("test-daily", work, "daily 08:00", daily=True))
    return work, runs


def _jobs(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Job))


def _record(app, name="test-daily"):
    with app.app_context():
        record = db.session.get(DutyRecord, name)
        db.session.expunge_all()
        return record


def test_a_daily_duty_works_once_a_day_unless_forced(app, runner, counted):
    _work, runs = counted
    first = runner.invoke(args=["duties", "run", "test-daily"])
    assert first.exit_code == 0 and "test-daily: run 1" in first.output
    again = runner.invoke(args=["duties", "run", "test-daily"])
    assert again.exit_code == 0 and "already done today" in again.output
    assert len(runs) == 1 and _jobs(app) == 1
    forced = runner.invoke(args=["duties", "run", "test-daily", "--force"])
    assert forced.exit_code == 0 and "run 2" in forced.output and _jobs(app) == 2
    record = _record(app)
    assert record.holder is None and record.last_outcome == "run 2"
    with app.app_context():  # the next day, the work again
        assert duties.run("test-daily", utcnow() + timedelta(days=1)) == "run 3"


def test_a_duty_held_by_another_process_is_left_to_it(app, runner, counted):
    _work, runs = counted
    with app.app_context():
        db.session.add(DutyRecord(name="test-daily", holder="other-host:42",
                                  held_until=utcnow() + timedelta(minutes=5)))
        db.session.commit()
    busy = runner.invoke(args=["duties", "run", "test-daily"])
    assert busy.exit_code == 0 and "another process is running it" in busy.output
    assert runs == [] and _record(app).holder == "other-host:42"
    listed = runner.invoke(args=["duties", "list"])
    assert "running on other-host:42" in listed.output
    with app.app_context():  # that process died: its hold ends, and the duty is taken over
        db.session.execute(sa.update(DutyRecord).values(
            held_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    taken = runner.invoke(args=["duties", "run", "test-daily"])
    assert taken.exit_code == 0 and "run 1" in taken.output and _record(app).holder is None


def test_a_failed_run_keeps_nothing_is_recorded_and_the_next_run_finishes(
        app, runner, counted, caplog):
    work, _runs = counted
    work.fail_on = 1
    failed = runner.invoke(args=["duties", "run", "test-daily"])
    assert failed.exit_code == 1 and "failed (ZeroDivisionError)" in failed.output
    assert "address" not in failed.output and "address" not in caplog.text
    record = _record(app)
    assert record.last_error == "ZeroDivisionError" and record.holder is None
    assert record.last_period is None and _jobs(app) == 0  # the job it wrote is gone
    assert "FAILED" in runner.invoke(args=["duties", "list"]).output
    again = runner.invoke(args=["duties", "run", "test-daily"])
    assert again.exit_code == 0 and "run 2" in again.output and _jobs(app) == 1
    assert "FAILED" not in runner.invoke(args=["duties", "list"]).output


def test_a_refused_duty_says_why(app, runner, monkeypatch):
    def refuse(_now):
        raise duties.Refused("The clocks differ by an hour.")
    monkeypatch.setitem(duties.DUTIES, "test-refuse", duties.Duty("test-refuse", refuse, "hourly",
                                                                  daily=False))
    result = runner.invoke(args=["duties", "run", "test-refuse"])
    assert result.exit_code == 1 and "The clocks differ by an hour." in result.output
    assert _record(app, "test-refuse").last_error == "Refused"


@pytest.mark.parametrize("name", ["nothing", "", "staff-reminders; rm -rf /", "x" * 500])
def test_an_unknown_duty_is_refused_with_the_list(app, runner, name):
    result = runner.invoke(args=["duties", "run", name])
    assert result.exit_code == 2 and "staff-reminders" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DutyRecord)) == 0


def test_the_portal_s_duties_are_listed_with_their_schedule(app, runner):
    listed = runner.invoke(args=["duties", "list"]).output
    for name in ("staff-reminders", "supervisor-summary", "purge-contacts", "purge-jobs",
                 "stats-refresh"):
        assert name in listed
    assert "never done" in listed


def test_two_hosts_starting_a_duty_at_once_run_it_once(app, counted):
    """The second process finds the duty held: its UPDATE matches no row."""
    _work, runs = counted
    with app.app_context():
        now = MONDAY
        duties._take("test-daily", now, "host-a:1")
        with pytest.raises(duties.Busy):
            duties._take("test-daily", now, "host-b:2")
        with pytest.raises(duties.Busy):
            duties.run("test-daily", now)
        assert runs == []


def test_old_jobs_done_are_deleted_and_failed_ones_kept(app, runner, monkeypatch):
    from portal.core.job_models import JobState

    with app.app_context():
        old = utcnow() - timedelta(days=31)
        for state, finished in ((JobState.DONE, old), (JobState.DONE, utcnow()),
                                (JobState.FAILED, old)):
            db.session.add(Job(kind="complaint-email", arguments="{}", state=state, attempts=1,
                               run_after=old, finished_at=finished))
        db.session.commit()
    result = runner.invoke(args=["duties", "run", "purge-jobs"])
    assert result.exit_code == 0 and "1 job(s) done before" in result.output
    with app.app_context():
        left = sorted(state.value for state in db.session.scalars(sa.select(Job.state)))
    assert left == ["done", "failed"]


def test_a_run_killed_on_this_host_is_taken_over_at_once(app, runner, counted):
    """Its process is gone (kill -9, a stopped unit): the next run need not wait an hour."""
    import socket

    _work, _runs = counted
    with app.app_context():
        db.session.add(DutyRecord(name="test-daily", holder=f"{socket.gethostname()}:999999999",
                                  held_until=utcnow() + timedelta(minutes=50)))
        db.session.commit()
    taken = runner.invoke(args=["duties", "run", "test-daily"])
    assert taken.exit_code == 0 and "run 1" in taken.output


def test_an_operator_lets_go_of_a_duty_held_on_a_host_that_is_gone(app, runner, counted):
    with app.app_context():
        db.session.add(DutyRecord(name="test-daily", holder="gone-host:7",
                                  held_until=utcnow() + timedelta(minutes=50)))
        db.session.commit()
    busy = runner.invoke(args=["duties", "run", "test-daily"])
    assert "gone-host:7 until" in busy.output and "duties release test-daily" in busy.output
    released = runner.invoke(args=["duties", "release", "test-daily"])
    assert released.exit_code == 0 and "let go" in released.output
    assert "run 1" in runner.invoke(args=["duties", "run", "test-daily"]).output
    assert "was not held" in runner.invoke(args=["duties", "release", "test-daily"]).output
    assert runner.invoke(args=["duties", "release", "nothing"]).exit_code == 2


def test_a_run_that_outlived_its_hold_keeps_nothing(app, runner, monkeypatch):
    """Another run took the duty when this one's lease ended: this one's work is undone."""
    def slow(_now):
        jobs.later("test-noop")
        db.session.execute(sa.update(DutyRecord).values(holder="other-host:1"))  # taken over
        return "done"
    monkeypatch.setitem(jobs.HANDLERS, "test-noop", lambda: None)
    monkeypatch.setitem(duties.DUTIES, "test-slow", duties.Duty("test-slow", slow, "hourly",
                                                                daily=False))
    result = runner.invoke(args=["duties", "run", "test-slow"])
    assert result.exit_code == 1 and "LostHold" in result.output
    assert _jobs(app) == 0
