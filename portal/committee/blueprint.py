"""The blueprints of the users' committee: public pages, administrators' pages and the API.

The committee's work on escalated complaints stays in ``portal.complaints``
(``complaints_committee`` under ``/staff/complaints/committee/``)."""

from __future__ import annotations

from flask import Blueprint

from portal.core.api import api_blueprint

public = Blueprint("committee", __name__, url_prefix="/committee")
staff = Blueprint("committee_staff", __name__, url_prefix="/staff/committee")
api = api_blueprint("committee_api", __name__)
# The members' workspace: meetings, drafts, decisions awaiting a second member.
workspace = Blueprint("committee_workspace", __name__, url_prefix="/staff/committee/work")
