"""Prometheus metrics at ``/metrics``, for a scraper holding ``PORTAL_METRICS_TOKEN``.

Unset, there is no such address (404). Set, ``/metrics`` answers a request with
``Authorization: Bearer <token>`` and refuses any other (401). It gives:

- the requests of each endpoint (never a path: a path can name a tracking number) by method and
  status, and their latency as a histogram (prometheus-flask-exporter); under gunicorn the
  workers' figures are summed through ``PROMETHEUS_MULTIPROC_DIR``, which ``gunicorn.conf.py``
  sets up;
- read from the database at each scrape: complaints by status, overdue cases, jobs waiting and
  failed, the length of the Redis queue, each duty's last success and failure;
- ``portal_metrics_database_up`` 0 when the database did not answer (the figures read from it
  are then absent, and the scrape still succeeds).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, request
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from portal.extensions import db

logger = logging.getLogger("portal.metrics")
# Latency buckets (seconds): kept pages answer in milliseconds, built ones in tens of them.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = str(current_app.config["METRICS_TOKEN"])
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("A metrics token is needed.\n", 401,
                            {"WWW-Authenticate": 'Bearer realm="metrics"',
                             "Content-Type": "text/plain; charset=utf-8",
                             "Cache-Control": "no-store"})
        return view(*args, **kwargs)
    return wrapper


class PortalCollector(Collector):
    """What the portal's own tables say, read at each scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("portal_metrics_database_up",
                               "1 if the database answered this scrape's queries.")
        with self.app.app_context():
            try:
                families = list(_from_database())
            except sa.exc.SQLAlchemyError as error:
                db.session.rollback()
                logger.warning("metrics: the database did not answer (%s)",
                               type(error).__name__)
                families = []
                up.add_metric([], 0)
            else:
                up.add_metric([], 1)
            finally:
                db.session.remove()
            families.extend(_queue())
        yield up
        yield from families


def _from_database() -> Iterator[Metric]:
    from portal.complaints import queries
    from portal.complaints.enums import ComplaintStatus
    from portal.complaints.models import Complaint
    from portal.core.duties import DUTIES
    from portal.core.duty_models import DutyRecord
    from portal.core.job_models import Job, JobState
    from portal.core.models import utcnow

    by_status = dict(db.session.execute(sa.select(Complaint.status, sa.func.count())
                                        .group_by(Complaint.status)).all())
    complaints = GaugeMetricFamily("portal_complaints", "Complaints by status.",
                                   labels=["status"])
    for status in ComplaintStatus:
        complaints.add_metric([status.value], by_status.get(status, 0))
    yield complaints
    overdue = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
        queries.due_before(utcnow()))) or 0
    yield GaugeMetricFamily("portal_complaints_overdue",
                            "Open complaints with a deadline passed (first contact or reply).",
                            value=overdue)
    states = dict(db.session.execute(sa.select(Job.state, sa.func.count()).where(
        Job.state != JobState.DONE).group_by(Job.state)).all())
    jobs = GaugeMetricFamily("portal_jobs", "Background jobs waiting (for an attempt or a "
                             "retry) and failed (after their last attempt).", labels=["state"])
    for state in (JobState.WAITING, JobState.FAILED):
        jobs.add_metric([state.value], states.get(state, 0))
    yield jobs
    succeeded = GaugeMetricFamily("portal_duty_last_success_timestamp_seconds",
                                  "When each scheduled duty last finished (0: never).",
                                  labels=["duty"])
    failed = GaugeMetricFamily("portal_duty_last_failure_timestamp_seconds",
                               "When each scheduled duty last failed.", labels=["duty"])
    records = {record.name: record for record in db.session.scalars(sa.select(DutyRecord))}
    for name in sorted(set(DUTIES) | set(records)):  # 0: never done (a timer never enabled)
        record = records.get(name)
        finished = record.last_finished_at if record else None
        succeeded.add_metric([name], finished.timestamp() if finished else 0)
        if record and record.last_failed_at:
            failed.add_metric([name], record.last_failed_at.timestamp())
    yield succeeded
    yield failed


def _queue() -> Iterator[Metric]:
    url = current_app.config["QUEUE_URL"] if current_app else ""
    if not url:
        return
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    from portal.core.jobs import QUEUE_NAME

    try:
        connection = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        length = Queue(QUEUE_NAME, connection=connection).count
    except (RedisError, OSError) as error:
        logger.warning("metrics: the queue did not answer (%s)", type(error).__name__)
        yield GaugeMetricFamily("portal_metrics_queue_up", "1 if the queue answered.", value=0)
        return
    yield GaugeMetricFamily("portal_metrics_queue_up", "1 if the queue answered.", value=1)
    yield GaugeMetricFamily("portal_queue_length", "Jobs on the Redis queue, not yet taken.",
                            value=length)


def _multiprocess(app: Flask) -> None:
    """Under gunicorn: each scrape sums the workers' files, and reads the database once."""
    from prometheus_client import multiprocess
    from prometheus_client.exposition import choose_encoder
    from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

    collector = PortalCollector(app)

    class Summed(GunicornInternalPrometheusMetrics):  # type: ignore[misc]
        def generate_metrics(self, accept_header: str | None = None,
                             names: list[str] | None = None) -> tuple[str, str]:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            registry.register(collector)
            chosen = registry.restricted_registry(names) if names else registry
            encode, content_type = choose_encoder(accept_header or "")
            return encode(chosen).decode("utf-8"), content_type

    Summed(app, group_by="endpoint", buckets=BUCKETS, defaults_prefix="portal",
           metrics_decorator=_token_required, excluded_paths=["^/metrics$"])


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _known_methods_only(wsgi_app: Any) -> Any:
    """Answer 501 to a method HTTP does not define before the app (and its metrics) sees it:
    each method becomes a label, and made-up ones would grow the metrics without end."""
    def guarded(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") not in KNOWN_METHODS:
            start_response("501 Not Implemented", [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Allow", ", ".join(sorted(KNOWN_METHODS)))])
            return [b"Not a method this site knows.\n"]
        return wsgi_app(environ, start_response)
    return guarded


def init_app(app: Flask) -> None:
    """Serve ``/metrics`` if ``PORTAL_METRICS_TOKEN`` is set (before the page cache's hooks, so
    that kept pages are counted too)."""
    if not app.config["METRICS_TOKEN"]:
        return
    app.wsgi_app = _known_methods_only(app.wsgi_app)  # type: ignore[method-assign]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _multiprocess(app)
        return
    from prometheus_flask_exporter import PrometheusMetrics

    metrics = PrometheusMetrics(
        app, group_by="endpoint", buckets=BUCKETS, defaults_prefix="portal",
        registry=CollectorRegistry(), metrics_decorator=_token_required,
        excluded_paths=["^/metrics$"])
    metrics.registry.register(PortalCollector(app))
