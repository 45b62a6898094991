"""The administrators' page of background jobs: those waiting and those that failed, each of
which can be sent again."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.accounts.roles import Permission, permission_required
from portal.core import domains, jobs
from portal.core.domains import NavItem
from portal.core.job_models import Job, JobState
from portal.core.models import utcnow
from portal.core.paging import page_of
from portal.extensions import db

staff = Blueprint("jobs_staff", __name__, url_prefix="/staff/jobs")
PAGE_SIZE = 50
# What each kind of job does, as administrators read it.
KINDS = {"complaint-email": _l("Email to a complainant"),
         "login-warning-email": _l("Email warning of failed logins")}


@staff.get("/")
@permission_required(Permission.MANAGE_USERS)
def index() -> str:
    """Failed jobs first (newest first), then those waiting."""
    failed_first = sa.case((Job.state == JobState.FAILED, 0), else_=1)
    query = sa.select(Job).where(Job.state != JobState.DONE).order_by(
        failed_first, Job.id.desc())
    return render_template("jobs/index.html", pagination=page_of(query, PAGE_SIZE),
                           kinds=KINDS, now=utcnow())


@staff.post("/<int(max=2147483647):job_id>/retry")
@permission_required(Permission.MANAGE_USERS)
def retry(job_id: int) -> Response:
    """Send a failed job again: five more attempts (the app checks the CSRF token of every
    POST)."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if job.state != JobState.FAILED:
        flash(_("Only a failed job can be sent again."), "error")
        return redirect(url_for("jobs_staff.index"), 303)
    jobs.retry(job)
    flash(_("The job was sent again."), "success")
    return redirect(url_for("jobs_staff.index"), 303)


def init_app(app: Flask) -> None:
    """Register the page and its link for administrators."""
    app.register_blueprint(staff)
    domains.add_navigation(app, NavItem("jobs_staff.index", _l("Jobs"),
                                        Permission.MANAGE_USERS, position=195))
