"""What a step that cannot be undone will do to a case, in words, for its confirmation page.

Each sentence is read from the rules that make it true (the workflow table, the actions'
rules, the purge of contact details, the emails), so that the page never promises more or less
than what happens.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.complaints import workflow
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.complaints.models import Complaint
from portal.core import mail

S = ComplaintStatus


def _retention_days() -> int:
    return int(str(current_app.config["CONTACT_RETENTION_DAYS"]))


def _deadlines_end(complaint: Complaint) -> str | None:
    if complaint.first_contacted_at is not None and complaint.replied_at is not None:
        return None
    return _("End the case's deadlines: they no longer count down or become overdue.")


def _contact_purged(complaint: Complaint, whose: str) -> str | None:
    if not (complaint.has_contact or complaint.account_number_enc):
        return None
    days = _retention_days()
    if whose == "yours":
        return ngettext("Delete your contact details %(num)s day after the case is closed.",
                        "Delete your contact details %(num)s days after the case is closed.",
                        days)
    return ngettext("Delete the complainant's contact details %(num)s day after the case is "
                    "closed.", "Delete the complainant's contact details %(num)s days after "
                    "the case is closed.", days)


def of_withdrawal(complaint: Complaint) -> list[str]:
    """Withdrawing: the case is closed for good."""
    lines = [_("Close your case: customer service stops handling it and will not answer it.")]
    if workflow.final_for(S.WITHDRAWN, ActorKind.COMPLAINANT):
        lines.append(_("Make it final: the case cannot be reopened, and you can no longer "
                       "add information or take it to the users' committee. To raise the "
                       "problem again you would file a new complaint."))
    lines += [line for line in (_deadlines_end(complaint),
                                _contact_purged(complaint, "yours")) if line]
    return lines


def of_rejection(complaint: Complaint) -> list[str]:
    """Not accepting: the complainant is told why and may go to the users' committee."""
    lines = [_("Close the case as not accepted.")]
    if workflow.final_for(S.REJECTED, ActorKind.STAFF):
        lines.append(_("Make it final for customer service: nobody on staff can change its "
                       "status afterwards."))
    lines.append(_("Show the complainant the new status and your reason on their case page."))
    if mail.configured() and complaint.consent_contact and complaint.contact_email_enc:
        lines.append(_("Tell the complainant by email that their case has news."))
    if workflow.allowed(S.REJECTED, S.ESCALATED, ActorKind.COMPLAINANT):
        lines.append(_("Let the complainant take the case to the users' committee at once, "
                       "without waiting for a deadline to pass."))
    if complaint.is_published:
        lines.append(_("Publish your reason with the case's public summary (redacted like the "
                       "summary)."))
    lines += [line for line in (_deadlines_end(complaint),
                                _contact_purged(complaint, "theirs")) if line]
    return lines


CONSEQUENCES = {S.WITHDRAWN: of_withdrawal, S.REJECTED: of_rejection}


def of_status(complaint: Complaint, target: ComplaintStatus) -> list[str]:
    """What moving the case to ``target`` will do (nothing listed for other statuses)."""
    explain = CONSEQUENCES.get(target)
    return explain(complaint) if explain else []
