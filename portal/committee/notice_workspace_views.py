"""The members' work on notices of irregular service: a member drafts a notice (or an update of
a published one), another member publishes it after a confirmation. Nothing here commits: the
request does (``portal.core.transactions``)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import Permission, permission_required
from portal.committee import notices
from portal.committee.blueprint import workspace
from portal.committee.forms import ConfirmForm
from portal.committee.models import Notice, NoticeUpdate
from portal.committee.notice_forms import NoticeForm, UpdateForm
from portal.committee.notices import Action
from portal.committee.services import CommitteeError, DraftChangedError
from portal.committee.staff_views import _refuse, _status
from portal.core import confirmation
from portal.core.clock import local_today
from portal.core.confirmation import Answer, Question
from portal.core.errors import report
from portal.core.models import utcnow
from portal.core.text import localized_field
from portal.extensions import db

BUSINESS = Permission.COMMITTEE_BUSINESS


def _user() -> Any:
    return current_user._get_current_object()


def _notice_or_404(notice_id: int) -> Notice:
    found = db.session.get(Notice, notice_id)
    if found is None:
        abort(404)
    return found


def _update_or_404(notice: Notice, update_id: int) -> NoticeUpdate:
    found = db.session.get(NoticeUpdate, update_id)
    if found is None or found.notice_id != notice.id:
        abort(404)
    return found


def _page(found: Notice, status: int = 200) -> Any:
    now, user = utcnow(), _user()
    drafts = [u for u in found.updates if not u.is_published]
    return render_template(
        "committee/work_notice.html", notice=found, form=ConfirmForm(), Action=Action,
        state=notices.state_of(found, local_today()),
        allowed=notices.allowed_actions(found, user, now),
        drafts=[(u, notices.update_actions(u, user, now)) for u in drafts],
        published=[u for u in found.updates if u.is_published]), status


def _form_page(form: Any, title: str) -> Any:
    return render_template("committee/work_form.html", form=form, title=title), _status(form)


@workspace.route("/notices/new", methods=["GET", "POST"])
@permission_required(BUSINESS)
def new_notice() -> Any:
    """Draft a notice (``?decision=UC-...`` fills in the decision it rests on)."""
    form = NoticeForm()
    if not form.is_submitted() and request.args.get("decision"):
        form.decision_number.data = request.args["decision"][:20]
    if form.validate_on_submit():
        try:
            draft = notices.create_draft(form.to_data(), _user(), utcnow())
        except CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The draft is saved. Another member must publish it."), "success")
            return redirect(url_for("committee_workspace.show_notice", notice_id=draft.id))
    return _form_page(form, _("Draft a notice of irregular service"))


@workspace.get("/notices/<int(max=2147483647):notice_id>")
@permission_required(BUSINESS)
def show_notice(notice_id: int) -> Any:
    """A notice as members see it, with its draft updates and what the member may do next."""
    return _page(_notice_or_404(notice_id))


def _final(found: Notice) -> Any:
    report(CommitteeError(notices.PUBLISHED_IS_FINAL))
    return _page(found, 409)


@workspace.route("/notices/<int(max=2147483647):notice_id>/edit", methods=["GET", "POST"])
@permission_required(BUSINESS)
def edit_notice(notice_id: int) -> Any:
    """Change a draft notice (a published one never changes: 409)."""
    found = _notice_or_404(notice_id)
    if found.is_published:
        return _final(found)
    form = NoticeForm()
    if not form.is_submitted():
        form.fill_from(found)
    if form.validate_on_submit():
        try:
            notices.update_draft(found, form.to_data(), _user(), utcnow())
        except CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The draft is saved. Another member must publish it."), "success")
            return redirect(url_for("committee_workspace.show_notice", notice_id=found.id))
    return _form_page(form, _("Change the draft"))


def _notice_question(found: Notice, state: str) -> Question:
    return Question(
        title=_("Publish the notice “%(title)s”?", title=localized_field(found, "title")),
        consequences=[_("It takes the next number of the year and becomes public, with the "
                        "unit it names, and is entered in the public record."),
                      _("Check that it names no customer and no employee."),
                      _("A published notice never changes: what happens next is told in "
                        "updates, each published by two members in turn.")],
        action=url_for("committee_workspace.publish_notice", notice_id=found.id),
        confirm_label=_("Yes, publish the notice"),
        cancel_url=url_for("committee_workspace.show_notice", notice_id=found.id),
        cancel_label=_("Back to the draft"), state=state)


@workspace.post("/notices/<int(max=2147483647):notice_id>/publish")
@permission_required(BUSINESS)
def publish_notice(notice_id: int) -> Any:
    """Publish a draft notice after a confirmation; only a member other than its drafter may.
    A draft changed since the question, even while this request waited for the lock, is asked
    about again (409)."""
    found = _notice_or_404(notice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        notices.check_publication(found, _user(), utcnow())
    except CommitteeError as error:
        report(error)
        return _page(found, 409 if found.is_published else 403)
    state = notices.fingerprint(found)
    reply = confirmation.answer(state=state)
    if reply is not Answer.GIVEN:
        return confirmation.ask(_notice_question(found, state), reply)
    try:
        notices.publish_notice(found, _user(), utcnow(), seen=state)
    except DraftChangedError:
        return confirmation.ask(_notice_question(found, notices.fingerprint(found)),
                                Answer.CHANGED)
    except CommitteeError as error:  # published from another tab while this one waited
        report(error)
        return _page(found, 409 if found.is_published else 403)
    flash(_("Notice %(number)s is published.", number=found.number), "success")
    return redirect(url_for("committee.notice", number=found.number))


@workspace.post("/notices/<int(max=2147483647):notice_id>/delete")
@permission_required(BUSINESS)
def delete_notice(notice_id: int) -> Any:
    """Throw a draft notice away."""
    found = _notice_or_404(notice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if found.is_published:
        return _final(found)
    try:
        notices.check_deletion(found, _user(), utcnow())
    except CommitteeError as error:
        report(error)
        return _page(found, 403)
    state = notices.fingerprint(found)
    reply = confirmation.answer(state=state)
    if reply is not Answer.GIVEN:
        return confirmation.ask(Question(
            title=_("Delete the draft “%(title)s”?", title=localized_field(found, "title")),
            consequences=[_("The draft notice is deleted for good.")],
            action=url_for("committee_workspace.delete_notice", notice_id=notice_id),
            confirm_label=_("Yes, delete the draft"),
            cancel_url=url_for("committee_workspace.show_notice", notice_id=notice_id),
            cancel_label=_("Back to the draft"), state=state), reply)
    try:
        notices.delete_draft(found, _user(), utcnow())
    except CommitteeError as error:  # published from another tab meanwhile
        report(error)
        return _page(found, 409)
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("committee_workspace.index"))


@workspace.route("/notices/<int(max=2147483647):notice_id>/updates/new",
                 methods=["GET", "POST"])
@permission_required(BUSINESS)
def new_update(notice_id: int) -> Any:
    """Draft an update of a published, open notice."""
    found = _notice_or_404(notice_id)
    form = UpdateForm()
    if form.validate_on_submit():
        try:
            notices.draft_update(found, form.to_data(), _user(), utcnow())
        except CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The draft update is saved. Another member must publish it."), "success")
            return redirect(url_for("committee_workspace.show_notice", notice_id=found.id))
    status = 409 if found.closed_on is not None or not found.is_published else None
    page, code = _form_page(form, _("Update of notice %(number)s",
                                    number=found.number or _("(draft)")))
    return page, status or code


@workspace.post("/notices/<int(max=2147483647):notice_id>/updates/"
                "<int(max=2147483647):update_id>/publish")
@permission_required(BUSINESS)
def publish_update(notice_id: int, update_id: int) -> Any:
    """Publish a draft update after a confirmation (by a member other than its drafter)."""
    found = _notice_or_404(notice_id)
    update = _update_or_404(found, update_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        notices.check_update_publication(update, _user(), utcnow())
    except CommitteeError as error:
        report(error)
        return _page(found, 409 if update.is_published or found.closed_on else 403)
    state = notices.update_fingerprint(update)
    reply = confirmation.answer(state=state)
    if reply is not Answer.GIVEN:
        return confirmation.ask(_update_question(found, update, state), reply)
    try:
        notices.publish_update(update, _user(), utcnow(), seen=state)
    except DraftChangedError:
        return confirmation.ask(_update_question(found, update,
                                                 notices.update_fingerprint(update)),
                                Answer.CHANGED)
    except CommitteeError as error:  # published or closed from another tab meanwhile
        report(error)
        return _page(found, 409 if update.is_published or found.closed_on else 403)
    flash(_("The update is published."), "success")
    return redirect(url_for("committee.notice", number=found.number))


def _update_question(found: Notice, update: NoticeUpdate, state: str) -> Question:
    consequences = [_("It becomes public on the notice's page and is entered in the public "
                      "record; it never changes afterwards.")]
    if update.closes:
        consequences.append(_("It closes the notice: no update can follow."))
    return Question(
        title=_("Publish this update of notice %(number)s?", number=found.number),
        consequences=consequences,
        action=url_for("committee_workspace.publish_update", notice_id=found.id,
                       update_id=update.id),
        confirm_label=_("Yes, publish the update"),
        cancel_url=url_for("committee_workspace.show_notice", notice_id=found.id),
        cancel_label=_("Back to the notice"), state=state)


@workspace.post("/notices/<int(max=2147483647):notice_id>/updates/"
                "<int(max=2147483647):update_id>/delete")
@permission_required(BUSINESS)
def delete_update(notice_id: int, update_id: int) -> Any:
    """Throw a draft update away."""
    found = _notice_or_404(notice_id)
    update = _update_or_404(found, update_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        notices.check_deletion(update, _user(), utcnow())
    except CommitteeError as error:
        report(error)
        return _page(found, 409 if update.is_published else 403)
    state = notices.update_fingerprint(update)
    reply = confirmation.answer(state=state)
    if reply is not Answer.GIVEN:
        return confirmation.ask(Question(
            title=_("Delete this draft update of notice %(number)s?", number=found.number),
            consequences=[_("The draft update is deleted for good.")],
            action=url_for("committee_workspace.delete_update", notice_id=notice_id,
                           update_id=update_id),
            confirm_label=_("Yes, delete the draft"),
            cancel_url=url_for("committee_workspace.show_notice", notice_id=notice_id),
            cancel_label=_("Back to the notice"), state=state), reply)
    try:
        notices.delete_update(update, _user(), utcnow())
    except CommitteeError as error:  # published from another tab meanwhile
        report(error)
        return _page(found, 409)
    flash(_("The draft update was deleted."), "success")
    return redirect(url_for("committee_workspace.show_notice", notice_id=found.id))
