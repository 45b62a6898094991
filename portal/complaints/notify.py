"""Emails to complainants who gave an address and asked to be contacted.

Sent by a background job once the change is committed (``portal.core.jobs``), in the
complainant's language, with the tracking number and a link to the tracking page but never the
secret code. A failed delivery is logged (without the address), tried again, and never undoes
the change.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.complaints.enums import ComplaintStatus
from portal.complaints.models import Complaint
from portal.core import jobs, mail, protection, urls
from portal.extensions import db

CASE_EMAIL = "complaint-email"


def case_changed(complaint: Complaint, status: ComplaintStatus | None = None) -> bool:
    """Tell the complainant that their case has a new reply or status; True if sent, False if
    there is nowhere to send it; raises if the mail server refused (the job tries again).
    ``status``: the one the change set (a later change has its own email)."""
    if not mail.configured() or not complaint.consent_contact:
        return False
    address = protection.decrypt(complaint.contact_email_enc)
    if not address:
        return False
    with force_locale(complaint.language):
        subject = _("Your complaint %(number)s: %(status)s", number=complaint.tracking_number,
                    status=(status or complaint.status).title)
        message = mail.new_message(
            address, subject,
            render_template("complaints/email.txt", complaint=complaint,
                            status=status or complaint.status,
                            url=urls.absolute("complaints.track",
                                              number=complaint.tracking_number)))
    return mail.deliver(message, f"complaint {complaint.tracking_number}")


@jobs.handler(CASE_EMAIL)
def _send(complaint_id: int, status: str | None = None) -> None:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is not None:
        case_changed(complaint, ComplaintStatus(status) if status else None)


def when_committed(complaint: Complaint) -> None:
    """Tell the complainant about their case once the request's change is committed (a
    background job: the request does not wait for the mail server)."""
    jobs.later(CASE_EMAIL, complaint_id=complaint.id, status=complaint.status.value)
