"""``flask --app portal worker`` (runs the queued jobs) and ``flask --app portal jobs ...``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from portal.core import jobs, transactions
from portal.core.job_models import Job, JobState
from portal.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs: run those due, list and retry the failed.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, drills).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run the queued jobs (PORTAL_QUEUE_URL) until stopped; start one or more beside
    gunicorn."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = current_app.config["QUEUE_URL"]
    if not url:
        raise click.ClickException("PORTAL_QUEUE_URL is not set: the web processes run the "
                                   "jobs themselves, no worker is needed.")
    connection = Redis.from_url(url)
    # One process that runs each job inside this app (SimpleWorker does not fork: the app,
    # its database pool and its catalogues are made once).
    SimpleWorker([Queue(jobs.QUEUE_NAME, connection=connection)],
                 connection=connection).work(burst=burst, with_scheduler=True)


@jobs_cli.command("run-due")
@with_appcontext
def run_due() -> None:
    """Hand on the jobs whose time has come that nobody holds (run every minute)."""
    count = jobs.run_due()
    jobs.wait_for_jobs(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"{count} job(s) handed on.")


@jobs_cli.command("list")
@click.option("--state", type=click.Choice([s.value for s in JobState]), default="failed",
              show_default=True)
@with_appcontext
def list_jobs(state: str) -> None:
    """The jobs in one state, newest first."""
    for job in db.session.scalars(sa.select(Job).where(Job.state == JobState(state))
                                  .order_by(Job.id.desc()).limit(200)):
        click.echo(f"{job.id}\t{job.kind}\t{job.attempts} attempt(s)\t"
                   f"{job.last_error or '-'}\t{job.created_at:%Y-%m-%d %H:%M}")


@jobs_cli.command("retry")
@click.argument("job_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def retry(job_id: int) -> None:
    """Send a failed job again."""
    job = db.session.get(Job, job_id)
    if job is None or job.state != JobState.FAILED:
        raise click.ClickException(f"No failed job {job_id}.")
    jobs.retry(job)
    transactions.commit()
    jobs.wait_for_jobs(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"Job {job_id} sent again.")
