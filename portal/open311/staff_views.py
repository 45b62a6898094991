"""The partners' page: each API key's owner, channel, creation, last use and counts, and a
button that revokes it (after a confirmation). Keys are made on the command line
(``flask --app portal apikeys create``), where the key is shown once."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.accounts.roles import Permission, permission_required
from portal.core import confirmation
from portal.core.confirmation import Answer, Question
from portal.core.models import utcnow
from portal.extensions import db
from portal.open311 import keys
from portal.open311.blueprint import staff
from portal.open311.models import ApiKey


@staff.get("/")
@permission_required(Permission.MANAGE_PARTNERS)
def index() -> Any:
    """Every key, newest first."""
    return render_template("open311/partners.html", rows=keys.usage())


@staff.post("/<int(max=2147483647):key_id>/revoke")
@permission_required(Permission.MANAGE_PARTNERS)
def revoke(key_id: int) -> Any:
    """Revoke a key after a confirmation: its requests are refused from then on."""
    key = db.session.get(ApiKey, key_id)
    if key is None:
        abort(404)
    if not key.active:
        flash(_("The key “%(name)s” was revoked before.", name=key.name), "info")
        return redirect(url_for("open311_staff.index"))
    reply = confirmation.answer()
    if reply is not Answer.GIVEN:
        return confirmation.ask(Question(
            title=_("Revoke the key “%(name)s”?", name=key.name),
            consequences=[_("Requests with this key are refused at once, for good: %(owner)s "
                            "will need a new key to file complaints.", owner=key.owner),
                          _("Complaints filed with it stay as they are.")],
            action=url_for("open311_staff.revoke", key_id=key.id),
            confirm_label=_("Yes, revoke the key"), cancel_url=url_for("open311_staff.index"),
            cancel_label=_("Back to the partners"),
            facts=[(_("Channel"), key.channel), (_("Owner"), key.owner)]), reply)
    keys.revoke(key, utcnow())
    flash(_("The key “%(name)s” is revoked.", name=key.name), "success")
    return redirect(url_for("open311_staff.index"))
