"""Administrators' pages of the committee: terms and seats, candidates, members, accounts.

Nothing here commits: the request does, once, when the view answers below 400 without a
refusal (``portal.core.transactions``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts.models import User
from portal.accounts.roles import Permission, Role, permission_required
from portal.committee import services
from portal.committee.blueprint import staff
from portal.committee.forms import (
    AccountForm,
    CandidateForm,
    ConfirmForm,
    MemberForm,
    ResignationForm,
    TermForm,
)
from portal.committee.models import CommitteeMember, Term
from portal.core import confirmation, publication, transactions
from portal.core.confirmation import Answer, Question
from portal.core.errors import report
from portal.core.models import utcnow
from portal.core.text import bracketed, marked
from portal.extensions import db
from portal.fees.enums import CustomerClass

MANAGE = Permission.MANAGE_COMMITTEE


def _term_or_404(term_id: int) -> Term:
    term = db.session.get(Term, term_id, options=[
        selectinload(Term.fees), selectinload(Term.members), selectinload(Term.candidates)])
    if term is None:
        abort(404)
    return term


def _member_or_404(member_id: int) -> CommitteeMember:
    member = db.session.get(CommitteeMember, member_id)
    if member is None:
        abort(404)
    return member


def _titled(text: object, member: CommitteeMember) -> Markup:
    """A heading naming a member, the name marked with its language."""
    return escape(str(text)) % {"name": marked(member.name)}


def _refuse(error: services.CommitteeError, form: Any) -> None:
    """The message beside its field, or at the top of the form's error summary."""
    if error.field and error.field in form:
        report(error, form)
        return
    transactions.refused()
    form.form_errors = [*form.form_errors, str(error.message)]


def _status(form: Any) -> int:
    return 400 if form.is_submitted() else 200


@staff.get("/")
@permission_required(MANAGE)
def index() -> str:
    """Every term, newest first (a term lasts years: the list stays short)."""
    terms = db.session.scalars(sa.select(Term).options(selectinload(Term.fees))
                               .order_by(Term.starts_on.desc())).all()
    return render_template("committee/staff_index.html", terms=terms)


@staff.route("/terms/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_term() -> Any:
    """Draft a term: dates, seats and each class's fees."""
    form = TermForm()
    if form.validate_on_submit():
        try:
            term = services.create_term(form.to_data(), current_user)
        except services.CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("Draft saved. Check the seats, then publish the term."), "success")
            return redirect(url_for("committee_staff.show_term", term_id=term.id))
    return render_template("committee/staff_term_form.html", form=form, term=None), \
        _status(form)


@staff.route("/terms/<int(max=2147483647):term_id>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_term(term_id: int) -> Any:
    """Change a draft term (a published term never changes)."""
    term = _term_or_404(term_id)
    if term.is_published:
        flash(str(services.PUBLISHED_IS_FINAL), "error")
        return redirect(url_for("committee_staff.show_term", term_id=term_id))
    form = TermForm()
    if not form.is_submitted():
        form.fill_from(term)
    if form.validate_on_submit():
        try:
            services.update_term(term, form.to_data())
        except services.CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("Draft saved. Check the seats, then publish the term."), "success")
            return redirect(url_for("committee_staff.show_term", term_id=term.id))
    return render_template("committee/staff_term_form.html", form=form, term=term), \
        _status(form)


@staff.get("/terms/<int(max=2147483647):term_id>")
@permission_required(MANAGE)
def show_term(term_id: int) -> str:
    """A term with its seats step by step, its candidates and members."""
    term = _term_or_404(term_id)
    return render_template("committee/staff_term.html", term=term,
                           result=services.apportionment_of(term), form=ConfirmForm())


def _figures(term: Term) -> str:
    """What the confirmation was given for: the term's dates, seats, reference year and fees
    with their sources, as the public page and the log show them. A term edited while the
    question was open is asked about again."""
    fees = ",".join(f"{fee.customer_class.value}={fee.fees}" for fee in
                    sorted(term.fees, key=lambda fee: fee.customer_class.value))
    sources = publication.fingerprint([[fee.customer_class.value, fee.source, fee.source_url]
                                    for fee in sorted(term.fees,
                                                      key=lambda fee: fee.customer_class.value)])
    return (f"{term.status.value}|{term.starts_on}|{term.ends_on}|{term.total_seats}|"
            f"{term.minimum_seats}|{term.reference_year}|{fees}|{sources}")


@staff.post("/terms/<int(max=2147483647):term_id>/publish")
@permission_required(MANAGE)
def publish_term(term_id: int) -> Any:
    """Publish a draft term, after a confirmation: its seats become public and final."""
    term = _term_or_404(term_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("committee_staff.show_term", term_id=term_id)
    question = Question(
        title=_("Publish the term from %(start)s to %(end)s?", start=term.starts_on.isoformat(),
                end=term.ends_on.isoformat()),
        consequences=[_("Its seats and fees become public and are entered in the public "
                        "record."), _("A published term can never be changed.")],
        action=url_for("committee_staff.publish_term", term_id=term_id),
        confirm_label=_("Yes, publish the term"), cancel_url=back,
        cancel_label=_("Back to the term"), state=_figures(term))
    reply = confirmation.answer(state=_figures(term))
    if reply is not Answer.GIVEN:
        return confirmation.ask(question, reply)
    try:
        services.publish_term(term, current_user, utcnow())
    except services.CommitteeError as error:
        report(error)
        return redirect(back)
    flash(_("The term is published."), "success")
    return redirect(back)


@staff.post("/terms/<int(max=2147483647):term_id>/delete")
@permission_required(MANAGE)
def delete_term(term_id: int) -> Response:
    """Throw a draft term away."""
    term = _term_or_404(term_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_term(term)
    except services.CommitteeError as error:
        report(error)
        return redirect(url_for("committee_staff.show_term", term_id=term_id))
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("committee_staff.index"))


@staff.route("/terms/<int(max=2147483647):term_id>/candidates/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_candidate(term_id: int) -> Any:
    """Record a candidate and the votes the returning officer counted."""
    term = _term_or_404(term_id)
    form = CandidateForm()
    if form.validate_on_submit():
        try:
            services.record_candidate(term, CustomerClass(form.customer_class.data),
                                      form.name.data or "", int(form.votes.data or 0))
        except services.CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The candidate is recorded."), "success")
            return redirect(url_for("committee_staff.show_term", term_id=term_id))
    return render_template("committee/staff_form.html", form=form, term=term,
                           title=_("Record a candidate")), _status(form)


@staff.route("/terms/<int(max=2147483647):term_id>/members/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_member(term_id: int) -> Any:
    """Seat an elected member."""
    term = _term_or_404(term_id)
    form = MemberForm(term)
    if form.validate_on_submit():
        try:
            services.elect_member(term, form.to_data())
        except services.CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The member is recorded."), "success")
            return redirect(url_for("committee_staff.show_term", term_id=term_id))
    return render_template("committee/staff_form.html", form=form, term=term,
                           title=_("Record an elected member")), _status(form)


@staff.route("/members/<int(max=2147483647):member_id>/resign", methods=["GET", "POST"])
@permission_required(MANAGE)
def resign_member(member_id: int) -> Any:
    """Record a member's resignation."""
    member = _member_or_404(member_id)
    form = ResignationForm()
    if form.validate_on_submit() and form.left_on.data is not None:
        try:
            services.resign_member(member, form.left_on.data)
        except services.CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The resignation is recorded."), "success")
            return redirect(url_for("committee_staff.show_term", term_id=member.term_id))
    return render_template("committee/staff_form.html", form=form, term=member.term,
                           member=member, title=_titled(_l("Resignation of %(name)s"), member)
                           ), _status(form)


@staff.route("/members/<int(max=2147483647):member_id>/replace", methods=["GET", "POST"])
@permission_required(MANAGE)
def replace_member(member_id: int) -> Any:
    """Seat the replacement of a member who left."""
    member = _member_or_404(member_id)
    form = MemberForm(member.term)
    if not form.is_submitted():
        form.customer_class.data = member.customer_class.value
        form.role.data = member.role.value
    if form.validate_on_submit():
        try:
            services.replace_member(member, form.to_data())
        except services.CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The replacement is recorded."), "success")
            return redirect(url_for("committee_staff.show_term", term_id=member.term_id))
    return render_template("committee/staff_form.html", form=form, term=member.term,
                           member=member, title=_titled(_l("Replacement of %(name)s"), member)
                           ), _status(form)


@staff.route("/members/<int(max=2147483647):member_id>/account", methods=["GET", "POST"])
@permission_required(MANAGE)
def link_account(member_id: int) -> Any:
    """Link the committee account a member logs in with."""
    member = _member_or_404(member_id)
    accounts = db.session.scalars(sa.select(User).where(
        User.role == Role.COMMITTEE, User.disabled_at.is_(None)).order_by(User.username)).all()
    form = AccountForm(member, [(str(user.id), user.display_name + bracketed(user.username))
                                for user in accounts])
    if form.validate_on_submit():
        raw = form.user_id.data or ""
        user = (db.session.get(User, int(raw))
                if raw.isdigit() and 0 < int(raw) <= services.MAX_ID else None)
        try:
            if raw and user is None:
                raise services.CommitteeError(_("There is no such account."), "user_id")
            services.link_account(member, user)
        except services.CommitteeError as error:
            _refuse(error, form)
        else:
            flash(_("The account link is saved."), "success")
            return redirect(url_for("committee_staff.show_term", term_id=member.term_id))
    return render_template("committee/staff_form.html", form=form, term=member.term,
                           member=member, title=_titled(_l("Account of %(name)s"), member)
                           ), _status(form)
