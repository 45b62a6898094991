"""The demo data reads as a real service's would: documents dated when they were published,
staff at work in working hours, a handful of open cases overdue, the open ones recent.

The demo is loaded at fixed moments, so that the day the suite runs changes nothing: a
Wednesday afternoon, and a Monday before customer service starts (the weekend's filings wait
for their first contact).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.accounts.services import get_user
from portal.complaints import demo as complaints_demo
from portal.complaints import services
from portal.complaints.enums import OPEN_STATUSES, ActorKind, ComplaintStatus, EventKind
from portal.complaints.models import Complaint, ComplaintEvent
from portal.complaints.workdays import is_working_day
from portal.core import protection
from portal.demo.loader import load_demo_data
from portal.extensions import db
from portal.fees.models import FeeItem, TariffVersion
from tests.conftest import make_test_app

ZONE = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 25, 15, 0, tzinfo=ZONE).astimezone(UTC)
MONDAY_EARLY = datetime(2026, 11, 23, 8, 0, tzinfo=ZONE).astimezone(UTC)
S, A, K = ComplaintStatus, ActorKind, EventKind


@pytest.fixture(scope="module", params=[WEDNESDAY, MONDAY_EARLY],
                ids=["wednesday-afternoon", "monday-early"])
def loaded(request, tmp_path_factory):
    """An app whose database holds the demo data loaded at a fixed moment."""
    app = make_test_app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        app.config["DEMO_LINES"] = load_demo_data(request.param)
    yield app, request.param
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def data(loaded):
    """(now, every complaint) inside the app's context."""
    app, now = loaded
    with app.app_context():
        yield now, db.session.scalars(sa.select(Complaint).order_by(Complaint.id)).all()


def local(moment):
    return moment.astimezone(ZONE)


def test_tariffs_and_fee_items_are_dated_by_their_documents(data):
    now, _cases = data
    versions = db.session.scalars(sa.select(TariffVersion)).all()
    assert versions
    for version in versions:
        published = local(version.published_at)
        assert published.date() < version.effective_from, version.basis_number
        assert now - published > timedelta(days=300)  # the document's date, not the load's
        assert is_working_day(published.date()) and time(8, 30) <= published.time() <= time(
            17, 30)
        assert version.created_at <= version.published_at
    for item in db.session.scalars(sa.select(FeeItem)).all():
        day = item.effective_from or item.abolished_on
        assert local(item.created_at).date() < day, item.code
        assert now - item.created_at > timedelta(days=300)


def test_staff_and_committee_act_on_working_days_in_working_hours(data):
    _now, _cases = data
    events = db.session.scalars(sa.select(ComplaintEvent).where(
        ComplaintEvent.actor_kind != A.COMPLAINANT)).all()
    assert len(events) > 1000
    outside = [(e.kind.value, local(e.created_at).isoformat()) for e in events
               if not is_working_day(local(e.created_at).date())
               or not time(8, 30) <= local(e.created_at).time() <= time(17, 30)]
    assert outside == []


def test_residents_file_at_any_hour_and_on_days_off(data):
    _now, cases = data
    hours = Counter(local(case.registered_at).hour for case in cases)
    assert sum(hours[h] for h in range(0, 7)) > 10  # a few at night
    assert max(hours, key=hours.__getitem__) in range(9, 17)
    days_off = [case for case in cases if not is_working_day(local(case.registered_at).date())]
    assert 0.1 < len(days_off) / len(cases) < 0.3


def _overdue(cases, now):
    return [case for case in cases if case.status.is_open and case.overdue(now)]


def test_a_handful_of_open_cases_is_overdue_not_a_hundred(data):
    now, cases = data
    open_cases = [case for case in cases if case.status.is_open]
    waiting_reply = [case for case in _overdue(cases, now) if case.first_contacted_at]
    assert 25 <= len(open_cases) <= 120
    assert 2 <= len(waiting_reply) <= 8
    assert len(waiting_reply) / len(open_cases) <= 0.08
    if now == WEDNESDAY:  # a working day: nothing else waits
        share = len(_overdue(cases, now)) / len(open_cases)
        assert 0.03 <= share <= 0.08, share


def test_only_the_weekend_s_filings_wait_for_their_first_contact(data):
    now, cases = data
    last_day = local(now).date() - timedelta(days=1)
    while not is_working_day(last_day):
        last_day -= timedelta(days=1)
    # Filed late on the last working day or since: customer service had gone home.
    afternoon = datetime.combine(last_day, time(14), ZONE)
    waiting = [case for case in _overdue(cases, now) if case.first_contacted_at is None]
    assert all(case.registered_at > afternoon for case in waiting)
    if now == MONDAY_EARLY:
        assert waiting  # what came in since Friday evening


def test_open_cases_are_recent_and_closed_ones_spread_over_the_months(data):
    now, cases = data
    for case in cases:
        if case.status.is_open:
            assert now - case.reply_due_at < timedelta(days=10), case.tracking_number
            assert now - case.events[-1].created_at < timedelta(days=10)
    months = Counter(local(case.closed_at).strftime("%Y-%m") for case in cases
                     if case.status is S.CLOSED)
    closed_per_month = [count for _month, count in sorted(months.items())]
    assert len(closed_per_month) >= 12 and min(closed_per_month[1:-1]) > 80


def test_most_replies_are_in_time_some_late(data):
    _now, cases = data
    first_replies = {}
    for event in db.session.scalars(sa.select(ComplaintEvent).where(
            ComplaintEvent.kind == K.REPLY).order_by(ComplaintEvent.id)):
        first_replies.setdefault(event.complaint_id, event.created_at)
    due = {case.id: case.first_contact_due_at for case in cases if case.reopen_count == 0}
    replied = [case for case in cases if case.id in first_replies and case.reopen_count == 0]
    late = [case for case in replied if first_replies[case.id] > case.reply_due_at]
    assert len(replied) > 1500 and due
    assert 0.02 < len(late) / len(replied) < 0.12
    contacted_late = [case for case in cases if case.first_contacted_at
                      and case.first_contacted_at > case.first_contact_due_at]
    assert len(contacted_late) / len(cases) < 0.3  # filings of weekends and holidays


def test_the_committee_has_a_few_cases_waiting_and_decided_ones(data):
    _now, cases = data
    statuses = Counter(case.status for case in cases)
    assert 3 <= statuses[S.ESCALATED] <= 12
    assert statuses[S.DECIDED] >= 10
    decided = [case for case in cases if case.status is S.DECIDED]
    assert all(case.events[-1].actor_kind is A.COMMITTEE and case.events[-1].actor_id
               and case.events[-1].body.startswith("经审议") for case in decided)


def test_the_data_is_clearly_fictitious(data):
    _now, cases = data
    assert all(case.description.startswith("（演示数据，虚构）") for case in cases)
    phones = {protection.decrypt(case.contact_phone_enc) for case in cases
              if case.contact_phone_enc}
    assert phones and all(phone.startswith("1380000") for phone in phones)
    names = {protection.decrypt(case.contact_name_enc) for case in cases if case.contact_name_enc}
    assert names and all(name.startswith("演示用户") for name in names)


def test_cases_and_their_dates_are_what_the_services_would_have_stored(data):
    """Replay a sample of cases (every status) through the real services and compare."""
    _now, cases = data
    rng = random.Random(7)
    by_status: dict[ComplaintStatus, list[Complaint]] = {}
    for case in cases:
        by_status.setdefault(case.status, []).append(case)
    sample = [case for group in by_status.values() for case in rng.sample(group, min(8, len(
        group)))]
    staff, member = get_user("demo-staff"), get_user("demo-committee")
    for index, case in enumerate(sample):
        copy = _replay(case, index, staff, member)
        for column in ("status", "first_contacted_at", "replied_at", "closed_at",
                       "reply_due_at", "first_contact_due_at", "rating", "resolved",
                       "reopen_count", "summary_approved_at", "public_summary",
                       "assigned_to_id"):
            assert getattr(copy, column) == getattr(case, column), (case.tracking_number,
                                                                    column)
        assert [_event(e) for e in copy.events] == [_event(e) for e in case.events]
    db.session.rollback()


def _event(event):
    return (event.kind, event.actor_kind, event.actor_id, event.from_status, event.to_status,
            event.body, event.rating, event.resolved, event.assignee_id, event.created_at)


def _replay(case, index, staff, member):
    """The case filed and handled again through ``services``, at its events' times."""
    filing = services.Filing(
        type=case.type, category_code=case.category_code, district_code=case.district_code,
        subject=case.subject, description=case.description, occurred_on=case.occurred_on,
        location=case.location, consent_contact=case.consent_contact,
        consent_publish=case.consent_publish)
    copy = services.submit_complaint(filing, f"replay-{index}", case.registered_at).complaint
    skip = False
    for event in case.events[1:]:
        at = event.created_at
        if skip:  # the status change a reply or a rating made by itself
            skip = False
            continue
        if event.kind is K.REPLY:
            services.reply(copy, staff, event.body, at)
            skip = _next_is(case, event, S.REPLIED)
        elif event.kind is K.RATED:
            services.rate(copy, event.rating, event.resolved, at)
            skip = event.resolved and _next_is(case, event, S.CLOSED)
        elif event.kind is K.SUMMARY_APPROVED:
            services.approve_summary(copy, staff, services.suggested_summary(copy), at)
        elif event.kind is K.ASSIGNED:
            services.assign(copy, staff, staff, at)
        elif event.kind is K.NOTE:
            services.add_note(copy, staff, event.body, at)
        else:
            actor = {A.STAFF: staff, A.COMMITTEE: member}.get(event.actor_kind)
            services.change_status(copy, event.to_status, event.actor_kind, at, actor=actor,
                                   reason=event.body)
    return copy


def _next_is(case, event, status):
    following = case.events[case.events.index(event) + 1:]
    return bool(following) and following[0].to_status is status and \
        following[0].created_at == event.created_at


def test_loading_is_deterministic(loaded):
    app, now = loaded
    if now != WEDNESDAY:
        pytest.skip("once is enough")
    with app.app_context():
        def plan():
            demo = complaints_demo._Demo(now, ZONE, complaints_demo._reply_days())
            demo.settle_overdue()
            return [(case.registered, case.subject, [(s.at, s.kind, s.to) for s in case.steps])
                    for case in demo.cases]
        assert plan() == plan()


def test_the_printed_cases_let_a_visitor_try_tracking_both_ways(loaded):
    """demo load prints an answered case (to rate it) and an open one (to withdraw it)."""
    app, _now = loaded
    lines = [line for line in app.config["DEMO_LINES"] if "Track one" in line]
    assert [("(answered)" in lines[0]), ("(open)" in lines[1])] == [True, True]
    with app.app_context():
        for line, wanted in zip(lines, ({S.REPLIED}, OPEN_STATUSES), strict=True):
            number = line.split(": ")[1].split()[0]
            status = db.session.scalar(sa.select(Complaint.status).where(
                Complaint.tracking_number == number))
            assert status in wanted, (line, status)
