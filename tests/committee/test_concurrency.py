"""Decisions and notices published at the same moment by several members' requests, on
PostgreSQL: each takes its own number of the year, without twins or gaps, and the same draft
published twice at once is published once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.committee import decisions, notices
from portal.committee.models import Decision, Notice
from portal.committee.services import CommitteeError
from portal.core.clock import local_today
from portal.core.models import utcnow
from portal.extensions import db
from portal.transparency.models import LogEntry
from tests.conftest import POSTGRES_URL

from .conftest import user_of

pytestmark = pytest.mark.skipif(not POSTGRES_URL,
                                reason="row locks need PostgreSQL (SQLite runs one writer)")
DRAFTS = 6


def _race(app, work: list[Callable[[], None]]) -> list[BaseException]:
    """Run each piece of work in its own thread and session, all starting together; the
    errors raised (a refusal is an error too)."""
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            with app.app_context():
                start.wait()
                try:
                    job()
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def _decision_drafts(app, ids) -> list[int]:
    with app.app_context():
        found = []
        for n in range(DRAFTS):
            draft = decisions.create_draft(decisions.DecisionData(
                meeting_id=ids["meeting"], title_zh=f"关于第{n + 1}项事务的决定",
                body_zh="正文", votes_for=3, votes_against=0, votes_abstain=0, votes_absent=0),
                user_of(ids["ann"]), utcnow())
            found.append(draft.id)
        db.session.commit()
        return found


def _publish_decision(ids, draft_id: int) -> Callable[[], None]:
    def job() -> None:
        decisions.publish_decision(db.session.get(Decision, draft_id), user_of(ids["bob"]),
                                   utcnow())
    return job


def test_decisions_published_at_once_take_distinct_numbers(app, committee) -> None:
    drafts = _decision_drafts(app, committee)
    assert _race(app, [_publish_decision(committee, d) for d in drafts]) == []
    with app.app_context():
        numbers = sorted(db.session.scalars(sa.select(Decision.sequence)))
        assert numbers == list(range(1, DRAFTS + 1))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).where(
            LogEntry.kind == "committee_decision")) == DRAFTS


def test_one_draft_published_twice_at_once_is_published_once(app, committee) -> None:
    draft = _decision_drafts(app, committee)[0]
    errors = _race(app, [_publish_decision(committee, draft)] * 3)
    assert len(errors) == 2 and all(isinstance(e, CommitteeError) for e in errors)
    with app.app_context():
        assert db.session.scalar(sa.select(Decision.number).where(Decision.id == draft)) \
            == f"UC-{local_today().year}-001"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).where(
            LogEntry.kind == "committee_decision")) == 1


def test_notices_published_at_once_take_distinct_numbers(app, committee) -> None:
    decision = _decision_drafts(app, committee)[0]
    assert _race(app, [_publish_decision(committee, decision)]) == []
    today = date.today()
    with app.app_context():
        number = db.session.get(Decision, decision).number
        drafts = [notices.create_draft(notices.NoticeData(
            decision_number=number, title_zh=f"第{n + 1}份通报", unit_zh="某供电所",
            happened_on=today - timedelta(days=30), facts_zh="事实", finding_zh="认定",
            action_zh="整改", action_due=today + timedelta(days=30)),
            user_of(committee["ann"]), utcnow()).id for n in range(DRAFTS)]
        db.session.commit()

    def publish(notice_id: int) -> Callable[[], None]:
        def job() -> None:
            notices.publish_notice(db.session.get(Notice, notice_id), user_of(committee["bob"]),
                                   utcnow())
        return job

    assert _race(app, [publish(n) for n in drafts]) == []
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(Notice.sequence))) == list(
            range(1, DRAFTS + 1))


def test_a_notice_is_closed_once_when_two_closing_updates_race(app, committee) -> None:
    decision = _decision_drafts(app, committee)[0]
    assert _race(app, [_publish_decision(committee, decision)]) == []
    today = date.today()
    with app.app_context():
        notice = notices.create_draft(notices.NoticeData(
            decision_number=db.session.get(Decision, decision).number, title_zh="通报",
            unit_zh="某供电所", happened_on=today - timedelta(days=30), facts_zh="事实",
            finding_zh="认定", action_zh="整改", action_due=today + timedelta(days=30)),
            user_of(committee["ann"]), utcnow())
        notices.publish_notice(notice, user_of(committee["bob"]), utcnow())
        # two closing drafts at once: the service refuses the second, so write it as a row
        # (as two requests drafting at the same moment could), to test the publication's guard
        from portal.committee.models import NoticeUpdate
        from portal.core.publication import PublicationStatus

        first = notices.draft_update(notice, notices.UpdateData("整改完成", closes=True),
                                     user_of(committee["ann"]), utcnow())
        second = NoticeUpdate(status=PublicationStatus.DRAFT, body_zh="整改完成（另一条）",
                              closes=True, drafted_by_id=committee["ann"])
        notice.updates.append(second)
        db.session.commit()
        updates = [first.id, second.id]

    def publish(update_id: int) -> Callable[[], None]:
        def job() -> None:
            from portal.committee.models import NoticeUpdate

            notices.publish_update(db.session.get(NoticeUpdate, update_id),
                                   user_of(committee["bob"]), utcnow())
        return job

    errors = _race(app, [publish(u) for u in updates])
    assert len(errors) == 1 and isinstance(errors[0], CommitteeError)
    with app.app_context():
        assert db.session.scalar(sa.select(Notice.closed_on)) is not None
