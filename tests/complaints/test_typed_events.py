"""A rating and an assignment are stored in typed columns and shown on every timeline."""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import User
from portal.complaints import services
from portal.complaints.enums import ActorKind, ComplaintStatus, EventKind
from portal.complaints.models import Complaint, ComplaintEvent
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import open_case


def _complaint(number):
    return db.session.scalar(sa.select(Complaint).where(Complaint.tracking_number == number))


def _answer(app, number):
    with app.app_context():
        complaint = _complaint(number)
        for target in (ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS):
            services.change_status(complaint, target, ActorKind.STAFF, utcnow())
        services.reply(complaint, None, "已退还费用。", utcnow())
        db.session.commit()


def _event(kind):
    return db.session.scalars(sa.select(ComplaintEvent).where(ComplaintEvent.kind == kind)).one()


def test_a_rating_is_stored_in_columns_and_shown_to_complainant_and_committee(
        app, client, file_complaint, make_user, auth):
    number, code = file_complaint()
    _answer(app, number)
    with app.app_context():
        complaint = _complaint(number)
        services.rate(complaint, 2, False, utcnow())
        services.change_status(complaint, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                               utcnow(), reason="不满意")
        db.session.commit()
        rated = _event(EventKind.RATED)
        assert (rated.rating, rated.resolved, rated.body) == (2, False, None)
    open_case(client, number, code)
    page = client.get(f"/complaints/track/{number}?lang=en").get_data(as_text=True)
    assert "Answer rated" in page and "2 of 5, not resolved" in page
    make_user("member", role="committee")
    auth.login("member")
    page = client.get(f"/staff/complaints/committee/{number}?lang=en").get_data(as_text=True)
    assert "2 of 5, not resolved" in page


def test_a_resolved_rating_reads_resolved(app, client, file_complaint):
    number, code = file_complaint()
    _answer(app, number)
    with app.app_context():
        services.rate(_complaint(number), 5, True, utcnow())
        db.session.commit()
    open_case(client, number, code)
    page = client.get(f"/complaints/track/{number}?lang=en").get_data(as_text=True)
    assert "5 of 5, resolved" in page


def test_an_assignment_names_the_assignee_by_reference(app, client, file_complaint, make_user,
                                                       auth):
    number, _ = file_complaint()
    handler, _ = make_user("handler", role="staff")
    colleague, _ = make_user("wang.wu", role="staff")
    with app.app_context():
        complaint = _complaint(number)
        services.assign(complaint, db.session.get(User, handler.id),
                        db.session.get(User, colleague.id), utcnow())
        services.assign(complaint, db.session.get(User, handler.id), None, utcnow())
        db.session.commit()
        events = db.session.scalars(sa.select(ComplaintEvent).where(
            ComplaintEvent.kind == EventKind.ASSIGNED).order_by(ComplaintEvent.id)).all()
        assert [(e.assignee_id, e.body) for e in events] == [(colleague.id, None), (None, None)]
    auth.login("handler")
    page = client.get(f"/staff/complaints/{number}?lang=en").get_data(as_text=True)
    assert "<strong>Assigned</strong>: wang.wu" in page
