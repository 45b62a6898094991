"""The blueprints of complaints: the public's pages, the staff's inbox and the committee's."""

from __future__ import annotations

from flask import Blueprint

public = Blueprint("complaints", __name__, url_prefix="/complaints")
# The filing steps (``complaints.filing.check``...), nested so that their error handler (the
# "could not be saved" page) applies to them alone.
filing = Blueprint("filing", __name__, url_prefix="/new")
public.register_blueprint(filing)
staff = Blueprint("complaints_staff", __name__, url_prefix="/staff/complaints")
committee = Blueprint("complaints_committee", __name__,
                      url_prefix="/staff/complaints/committee")
