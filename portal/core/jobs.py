"""Work done after the request (emails): kept in the database with the change that caused it,
run once that change is committed, retried with backoff, and never lost silently.

A domain registers a kind of job with ``@jobs.handler("complaint-email")`` on a function that
takes the job's arguments (ids and other plain values, never personal data: with a queue they
travel through Redis) and raises when the work failed. ``jobs.later(kind, **arguments)`` adds
the job to the request's transaction (table ``jobs``): rolled back, it never existed; committed,
it is handed on at once:

- with ``PORTAL_QUEUE_URL``, to RQ (queue ``portal``), whose workers (``flask --app portal
  worker``) run it;
- without, to a thread of this process (the request does not wait).

A failed attempt is tried again after 10 seconds, a minute, 5 minutes and 30 minutes; after the
fifth the job is ``failed``, which administrators see on the jobs page and can send again. The
duty ``flask --app portal jobs run-due`` hands on every job whose time has come that nobody
holds (a queue that was down, a process that stopped while a retry waited): run it every
minute. A runner takes a job with one UPDATE that only one runner can win, and holds it for
15 minutes (a runner that dies lets it go then), so a job is never run twice at once. A job
whose error can never succeed (an address the server refuses for good) fails at once.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request

from portal.core import duties, transactions
from portal.core.job_models import Job, JobState
from portal.core.models import utcnow
from portal.extensions import db

logger = logging.getLogger("portal.jobs")
QUEUE_NAME = "portal"
# Seconds before each next attempt; one attempt more than waits.
BACKOFF = (10, 60, 300, 1800)
ATTEMPTS = len(BACKOFF) + 1
# How long a runner holds a job it took: longer than any attempt (a mail server's timeout).
LEASE = timedelta(minutes=15)
# How long a job done is kept (for the record) before the duty ``purge-jobs`` deletes it.
KEPT_DONE = timedelta(days=30)
# RQ's scheduler counts in whole seconds: a retry may come this much before its time.
EARLY = timedelta(seconds=2)
HANDLERS: dict[str, Callable[..., None]] = {}
EXECUTOR = "portal.jobs.executor"
_lock = threading.Lock()


class JobError(Exception):
    """A job's work failed in a way worth trying again (a mail server that refused)."""


def handler(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the function that does jobs of ``kind`` (at import: any process may run
    them)."""
    def register(function: Callable[..., None]) -> Callable[..., None]:
        HANDLERS[kind] = function
        return function
    return register


def later(kind: str, **arguments: Any) -> Job:
    """Do ``kind`` with ``arguments`` once the current transaction is committed."""
    if kind not in HANDLERS:
        raise KeyError(f"no handler for jobs of kind {kind!r}")
    job = Job(kind=kind, arguments=json.dumps(arguments, sort_keys=True),
              state=JobState.WAITING, attempts=0, run_after=utcnow(),
              base_url=request.host_url[:200] if has_request_context() else None)
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    transactions.after_commit(lambda: hand_on(job_id))
    return job


def hand_on(job_id: int, delay: float = 0) -> None:
    """Give the job to the queue, or to a thread of this process; if the queue cannot take it,
    it waits for ``jobs run-due``."""
    url = current_app.config["QUEUE_URL"]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if url:  # on a thread too: a Redis that does not answer must not hold the request
        if app.testing:
            _queue_safely(url, job_id, delay)
        else:
            _executor(app).submit(_queue_safely, url, job_id, delay)
        return
    if app.testing:  # tests see a job done when the request has answered; a retry waits for
        if not delay:  # `jobs run-due` (no thread outlives a test)
            run(job_id)
        return
    timer = threading.Timer(delay, _submit, (app, job_id)) if delay else None
    if timer is None:
        _submit(app, job_id)
    else:
        timer.daemon = True
        timer.start()


def _queue_safely(url: str, job_id: int, delay: float) -> None:
    try:
        _enqueue(url, job_id, delay)
    except Exception as error:  # Redis down: the row waits for the duty
        logger.warning("job %s not queued (%s): it waits for `jobs run-due`", job_id,
                       type(error).__name__)


def _enqueue(url: str, job_id: int, delay: float) -> None:
    from redis import Redis
    from rq import Queue

    queue = Queue(QUEUE_NAME, connection=Redis.from_url(url, socket_connect_timeout=2,
                                                         socket_timeout=2))
    if delay:
        queue.enqueue_in(timedelta(seconds=delay), run_queued, job_id)
    else:
        queue.enqueue(run_queued, job_id)


def _executor(app: Flask) -> ThreadPoolExecutor:
    with _lock:
        found: ThreadPoolExecutor | None = app.extensions.get(EXECUTOR)
        if found is None:
            found = app.extensions[EXECUTOR] = ThreadPoolExecutor(
                max_workers=2, thread_name_prefix="portal-job")
        return found


def _submit(app: Flask, job_id: int) -> Future[None]:
    def work() -> None:
        with app.app_context():
            run(job_id)
    return _executor(app).submit(work)


def wait_for_jobs(app: Flask) -> None:
    """Wait until this process's threads have run the jobs handed to them (tests, commands)."""
    executor: ThreadPoolExecutor | None = app.extensions.pop(EXECUTOR, None)
    if executor is not None:
        executor.shutdown(wait=True)


def run_queued(job_id: int) -> None:
    """What an RQ worker runs: each job in an app context of its own (a fresh database
    session: a connection lost during one job does not spoil the next)."""
    with current_app.app_context():
        run(job_id)


def _claim(job_id: int, now: datetime) -> Job | None:
    """Take the job if it is waiting and due: one UPDATE that only one runner can win, which
    also counts the attempt and holds the job for ``LEASE`` (a runner that dies lets it go
    then), committed before the work starts."""
    taken = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.state == JobState.WAITING,
                             Job.run_after <= now + EARLY)
        .values(attempts=Job.attempts + 1, run_after=now + LEASE)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(Job, job_id)


def run(job_id: int) -> bool:
    """One attempt at the job, if it is waiting, due and not held; True if it was done."""
    try:
        job = _claim(job_id, utcnow())
    except Exception:
        db.session.rollback()  # the database went away: the job waits for the next run
        raise
    if job is None:
        return False
    try:
        # Inside a request to the address the job came from: url_for, the language.
        with current_app.test_request_context("/", base_url=job.base_url or _base_url()):
            HANDLERS[job.kind](**json.loads(job.arguments))
    except Exception as error:
        db.session.rollback()
        _failed(job_id, error)
        return False
    job.state, job.finished_at, job.last_error = JobState.DONE, utcnow(), None
    db.session.commit()
    return True


def _base_url() -> str:
    """The address links name for a job made outside any request (by a duty): the public
    address, else the first host the portal answers to."""
    config = current_app.config
    if config["PUBLIC_URL"]:
        return str(config["PUBLIC_URL"])
    hosts = config.get("TRUSTED_HOSTS") or ["localhost"]
    return f"http://{hosts[0]}/"


def _failed(job_id: int, error: Exception) -> None:
    """Note the failed attempt (its error's kind only: a message may quote an address) and
    try again later, or give up."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.last_error = type(error).__name__[:80]
    if job.attempts >= ATTEMPTS or getattr(error, "permanent", False):
        job.state, job.finished_at = JobState.FAILED, utcnow()
        db.session.commit()
        logger.warning("job %s (%s) failed after %s attempt(s): given up", job_id, job.kind,
                       job.attempts)
        return
    delay = BACKOFF[job.attempts - 1]
    job.run_after = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    logger.warning("job %s (%s) failed (%s): again in %s s", job_id, job.kind,
                   job.last_error, delay)
    hand_on(job_id, delay)


def retry(job: Job) -> None:
    """Send a failed job again (an administrator asked): five more attempts."""
    job.state, job.attempts, job.run_after, job.finished_at = (
        JobState.WAITING, 0, utcnow(), None)
    job_id = job.id
    transactions.after_commit(lambda: hand_on(job_id))


def run_due(now: datetime | None = None) -> int:
    """Hand on every waiting job whose time has come; the number handed on."""
    moment = now or utcnow()
    due = list(db.session.scalars(sa.select(Job.id).where(
        Job.state == JobState.WAITING, Job.run_after <= moment).order_by(Job.id)))
    db.session.rollback()
    for job_id in due:
        hand_on(job_id)
    return len(due)


@duties.duty("purge-jobs", schedule="daily 04:00")
def purge_done(now: datetime) -> str:
    """Delete the jobs done more than ``KEPT_DONE`` ago (failed ones stay until sent again)."""
    deleted = db.session.execute(sa.delete(Job).where(
        Job.state == JobState.DONE, Job.finished_at < now - KEPT_DONE))
    return f"{getattr(deleted, 'rowcount', 0) or 0} job(s) done before " \
        f"{(now - KEPT_DONE):%Y-%m-%d} deleted"
