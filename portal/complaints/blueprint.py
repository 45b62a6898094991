"""The blueprints of complaints: the public's pages, the staff's inbox and the committee's."""

from __future__ import annotations

from flask import Blueprint

public = Blueprint("complaints", __name__, url_prefix="/complaints")
staff = Blueprint("complaints_staff", __name__, url_prefix="/staff/complaints")
committee = Blueprint("complaints_committee", __name__,
                      url_prefix="/staff/complaints/committee")
