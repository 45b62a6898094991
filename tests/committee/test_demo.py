"""The committee's demo data: two 11-seat terms, agriculture seated only by the minimum, one
resignation with its replacement; the members' accounts, six meetings and about twenty
decisions taken at them, all fictitious and dated before the moment of loading."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.accounts import demo as accounts_demo
from portal.accounts.models import User
from portal.accounts.services import get_user
from portal.committee import (
    decision_views,
    decisions,
    demo,
    demo_work,
    meetings,
    services,
    workspace_views,
)
from portal.committee.demo_work_content import (
    DECISIONS,
    FICTITIOUS_EN,
    FICTITIOUS_ZH,
)
from portal.committee.enums import DecisionCategory, DecisionOutcome, Vote
from portal.committee.models import CommitteeMember, Decision, Meeting, Term
from portal.core import domains
from portal.core.numbering import YearCounter
from portal.core.publication import PublicationStatus
from portal.demo.loader import load_demo_data
from portal.extensions import db
from portal.transparency import audit
from portal.transparency.models import LogEntry
from tests.conftest import AuthActions, make_test_app

HAN = re.compile(r"[\u3400-\u9fff]")

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def test_the_demo_terms(app) -> None:
    with app.app_context():
        accounts_demo.load(NOW)
        lines = demo.load(NOW)
        db.session.commit()
        assert lines
        terms = db.session.scalars(sa.select(Term).order_by(Term.starts_on)).all()
        assert len(terms) == 2 and all(t.is_published and t.total_seats == 11 for t in terms)
        assert all(t.published_at is not None and t.published_at < NOW for t in terms)
        for term in terms:
            result = services.apportionment_of(term)
            assert result.complete
            agri = result.row("agricultural")
            assert agri.whole == 0 and agri.total == 1 and agri.without_minimum == 0
            shares = {row.key: row.share for row in result.rows}
            assert 0.6 < shares["large_industrial"] < 0.7 and 0.01 < shares["agricultural"] < 0.02
            assert len([c for c in term.candidates]) > term.total_seats
            assert all("演示" in m.name for m in term.members)
        current = terms[1]
        assert current.covers(NOW.date())
        seated = services.seated_on(current, NOW.date())
        assert len(seated) == 11
        resigned = [m for m in current.members if m.left_on is not None]
        assert len(resigned) == 1
        replacement = db.session.scalar(sa.select(CommitteeMember).where(
            CommitteeMember.replaces_id == resigned[0].id))
        assert replacement is not None and replacement.starts_on < NOW.date()
        assert replacement in seated and resigned[0] not in seated
        assert any(m.user_id is not None for m in current.members)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).where(
            LogEntry.kind == "committee_term")) == 2


# -- the committee's work: accounts, meetings and decisions (demo_work) ------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """An app whose database holds the whole demo, loaded at ``NOW``."""
    app = make_test_app(tmp_path_factory.mktemp("committee-work"))
    with app.app_context():
        app.config["DEMO_LINES"] = load_demo_data(NOW)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(work):
    with work.app_context():
        yield work


def _published():
    return db.session.scalars(sa.select(Decision).where(
        Decision.status == PublicationStatus.PUBLISHED).order_by(Decision.published_at)).all()


def _member_of(user_id, day):
    """The member an account acted as on ``day`` (None: none seated)."""
    members = db.session.scalars(sa.select(CommitteeMember).where(
        CommitteeMember.user_id == user_id)).all()
    return next((m for m in members if m.seated_on(day)), None)


def test_the_work_loads_as_its_own_data_set_after_the_terms(ctx):
    names = [name for name, _loader in domains.registry(ctx).demo_loaders]
    assert names.index("committee_work") == names.index("committee") + 1
    lines = ctx.config["DEMO_LINES"]
    new = {line.split()[0] for line in lines if "role=committee" in line}
    assert new == set(demo_work.ACCOUNTS.values())
    assert any("21 published decisions (2 amendments), 2 drafts" in line for line in lines)
    assert load_demo_data(NOW) == []  # loaded once


def test_six_meetings_five_with_minutes_one_to_come(ctx):
    found = db.session.scalars(sa.select(Meeting).order_by(Meeting.starts_at)).all()
    assert len(found) == 6
    held, to_come = found[:5], found[5]
    terms = db.session.scalars(sa.select(Term).order_by(Term.starts_on)).all()
    assert [m.term_id for m in found] == [terms[0].id] * 2 + [terms[1].id] * 4
    for meeting in held:
        seated = meetings.seated_at(meeting)
        assert meeting.starts_at < NOW and meeting.minutes.startswith(FICTITIOUS_ZH)
        assert 0 < len(seated) - len(meeting.attendees) <= 2
        assert set(meeting.attendees) <= set(seated)
        assert f"当日在任委员{len(seated)}人，出席{len(meeting.attendees)}人" in meeting.minutes
        assert meeting.created_at < meeting.starts_at - timedelta(days=10)
    assert {len(meetings.seated_at(m)) for m in held} == {10, 11}  # one while a seat was vacant
    assert to_come.starts_at > NOW and to_come.created_at < NOW
    assert to_come.minutes is None and to_come.attendees == []
    assert all(m.agenda.startswith(FICTITIOUS_ZH) and "演示数据，虚构" in m.place for m in found)
    assert meetings.upcoming(NOW) == [to_come]


def test_every_published_decision_is_two_person_and_its_votes_add_up(ctx):
    published = _published()
    assert len(published) == sum(1 for d in DECISIONS if d.publisher) == 21
    for decision in published:
        meeting, seated = decision.meeting, meetings.seated_at(decision.meeting)
        assert None not in (decision.drafted_by_id, decision.published_by_id)
        assert decision.drafted_by_id != decision.published_by_id, decision.number
        assert meeting.starts_at < decision.created_at < decision.published_at < NOW
        assert _member_of(decision.drafted_by_id, meetings.local_date(decision.created_at))
        assert _member_of(decision.published_by_id, meetings.local_date(decision.published_at))
        assert decision.seated == len(seated), decision.number
        assert decision.votes_absent == len(seated) - len(meeting.attendees)
        assert (decision.outcome is DecisionOutcome.ADOPTED) is (2 * decision.votes_for
                                                                 > len(seated))
        if decision.roll_call:
            votes = [v.vote for v in decision.roll_call]
            assert {v.member_id for v in decision.roll_call} == {m.id for m in seated}
            assert [votes.count(kind) for kind in Vote] == [
                decision.votes_for, decision.votes_against, decision.votes_abstain,
                decision.votes_absent]
    assert len([d for d in published if d.roll_call]) >= 3
    assert len([d for d in published if d.outcome is DecisionOutcome.REJECTED]) >= 3
    accounts = {d.drafted_by_id for d in published} | {d.published_by_id for d in published}
    assert len(accounts) == 5


def test_numbers_run_without_gaps_in_each_year(ctx):
    published = _published()
    by_year: dict[int, list[Decision]] = {}
    for decision in published:
        assert decision.year == meetings.local_date(decision.published_at).year
        assert decision.number == f"UC-{decision.year}-{decision.sequence:03d}"
        by_year.setdefault(decision.year, []).append(decision)
    assert len(by_year) >= 3
    for year, taken in by_year.items():
        assert [d.sequence for d in taken] == list(range(1, len(taken) + 1)), year
        assert db.session.scalar(sa.select(YearCounter.last).where(
            YearCounter.series == decisions.COUNTER_SERIES, YearCounter.year == year)) == len(
            taken)


def test_two_decisions_are_amended_by_later_ones(ctx):
    amendments = [d for d in _published() if d.amends is not None]
    assert len(amendments) == 2
    for amendment in amendments:
        original = amendment.amends
        assert original.is_published and original.published_at < amendment.published_at
        assert original.number in amendment.body_zh and original.number in amendment.body_en
        assert original.amendments == [amendment]


def test_decisions_cite_escalated_demo_complaints(ctx):
    citing = [d for d in _published() if d.complaints]
    assert len(citing) >= 3
    cited = [c for d in citing for c in d.complaints]
    assert len(cited) == len(set(cited))
    for decision in citing:
        assert f"{len(decision.complaints)}件" in decision.body_zh
        for complaint in decision.complaints:
            assert complaint.escalated_at is not None
            assert complaint.escalated_at < decision.meeting.starts_at


def test_decisions_link_demo_tariffs_and_fee_items(ctx):
    published = _published()
    assert {t.code for d in published for t in d.tariffs} >= {"RES-TOU-ZJ", "LI-DEM-10KV"}
    assert {f.code for d in published for f in d.fee_items} >= {"METER-CAL", "RECONNECT",
                                                               "HIGH-REL"}


def test_two_drafts_await_a_second_member(ctx, monkeypatch):
    drafts = db.session.scalars(sa.select(Decision).where(
        Decision.status == PublicationStatus.DRAFT)).all()
    assert len(drafts) == 2 and all(d.number is None for d in drafts)
    assert len({d.drafted_by_id for d in drafts}) == 2
    for draft in drafts:
        drafter = db.session.get(User, draft.drafted_by_id)
        others = [get_user(name) for name in ("demo-committee", "demo-vice-chair",
                                              "demo-member") if name != drafter.username]
        assert decisions.Action.PUBLISH not in decisions.allowed_actions(draft, drafter, NOW)
        assert all(decisions.Action.PUBLISH in decisions.allowed_actions(draft, other, NOW)
                   for other in others)
        past = get_user("demo-past-chair")
        assert decisions.allowed_actions(draft, past, NOW) == set()  # no longer seated


def test_the_data_is_fictitious_in_both_languages(ctx):
    assert {d.category for d in DECISIONS} == {c.value for c in DecisionCategory}
    stored = {d.title_zh: d.category.value for d in db.session.scalars(sa.select(Decision))}
    assert stored == {d.title_zh: d.category for d in DECISIONS}  # each stored as written
    for decision in db.session.scalars(sa.select(Decision)):
        assert decision.body_zh.startswith(FICTITIOUS_ZH)
        assert decision.body_en.startswith(FICTITIOUS_EN) and decision.title_en
        assert not HAN.search(decision.title_en + decision.body_en), decision.title_en
        assert "{" not in decision.body_zh + decision.body_en  # every number filled in


def test_the_transparency_log_verifies_with_the_decisions(ctx):
    count = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).where(
        LogEntry.kind == "committee_decision"))
    assert count == len(_published())
    summary = audit.verify()
    assert summary.entries >= count


def test_the_pages_show_the_work(work, monkeypatch):
    monkeypatch.setattr(decision_views, "utcnow", lambda: NOW)
    monkeypatch.setattr(workspace_views, "utcnow", lambda: NOW)
    client = work.test_client()
    with work.app_context():
        to_come = meetings.upcoming(NOW)[0]
        amendment = next(d for d in _published() if d.amends is not None)
        number, amended = amendment.number, amendment.amends.number
        draft = db.session.scalar(sa.select(Decision).join(User, User.id == Decision.drafted_by_id)
                                  .where(User.username == "demo-committee",
                                         Decision.status == PublicationStatus.DRAFT))
        held = meetings.past_query(NOW).limit(1)
        latest = db.session.scalars(held).first()
        title = draft.title_zh
    feed = client.get("/committee/meetings.ics").get_data(as_text=True)
    assert feed.count("BEGIN:VEVENT") == 1
    assert f"committee-meeting-{to_come.id}@" in feed
    page = client.get(f"/committee/decisions/{number}").get_data(as_text=True)
    assert amended in page and "演示数据，虚构" in page
    page = client.get(f"/committee/meetings/{latest.id}").get_data(as_text=True)
    assert "表决结果" in page and "UC-" in page
    password = re.search(r"demo-vice-chair\s+role=committee\s+password=(\S+)",
                         "\n".join(work.config["DEMO_LINES"])).group(1)
    assert AuthActions(work, client).login("demo-vice-chair", password).status_code == 302
    page = client.get("/staff/committee/work/").get_data(as_text=True)
    awaiting = page.split('id="awaiting-title"')[1].split("</section>")[0]
    assert title in awaiting


def test_demo_load_adds_the_work_to_a_demo_database_loaded_before(app, monkeypatch):
    registry = domains.registry(app)
    everything = list(registry.demo_loaders)
    monkeypatch.setattr(registry, "demo_loaders",
                        [item for item in everything
                         if item[0] not in {"committee_work", "committee_notices"}])
    with app.app_context():
        load_demo_data(NOW - timedelta(days=40))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0
        monkeypatch.setattr(registry, "demo_loaders", everything)
        lines = load_demo_data(NOW)
        assert any(line.startswith("Demo committee work: 6 meetings") for line in lines)
        assert lines[-1].startswith("Demo notices of irregular service: 5")
        assert len(_published()) == 21 and len(meetings.upcoming(NOW)) == 1
        audit.verify()


def test_the_demo_notices(ctx):
    from portal.committee.demo_notices import NOTICES
    from portal.committee.enums import NoticeState
    from portal.committee.models import Notice, NoticeUpdate
    from portal.committee.notices import state_of

    today = NOW.astimezone(ZoneInfo("Asia/Shanghai")).date()
    found = db.session.scalars(sa.select(Notice).order_by(Notice.published_at)).all()
    assert len(found) == len(NOTICES) == 5 and all(n.is_published for n in found)
    states = [state_of(n, today) for n in found]
    assert states.count(NoticeState.OVERDUE) == 1 and states.count(NoticeState.CLOSED) == 2
    closed = [n for n in found if n.closed_on is not None]
    assert {n.closed_on <= n.action_due for n in closed} == {True, False}  # in time, and late
    numbers = sorted((n.year, n.sequence) for n in found)
    for year in {y for y, _ in numbers}:
        assert [s for y, s in numbers if y == year] == list(range(1, 1 + sum(
            1 for y, _ in numbers if y == year)))
    for notice in found:
        assert notice.facts_zh.startswith(FICTITIOUS_ZH)
        assert notice.decision.is_published and notice.decision.outcome.value == "adopted"
        assert notice.published_by_id != notice.drafted_by_id and notice.published_at < NOW
        assert notice.happened_on <= notice.decision.decided_on <= notice.action_due
        assert _member_of(notice.drafted_by_id, notice.published_at.date()) is not None
    updates = db.session.scalars(sa.select(NoticeUpdate)).all()
    assert updates and all(u.is_published and u.published_by_id != u.drafted_by_id
                           and u.notice.published_at <= u.published_at < NOW for u in updates)
    assert sum(u.closes for u in updates) == 2
    assert audit.verify().entries >= len(found) + len(updates)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).where(
        LogEntry.kind == "committee_notice")) == 5 + 2  # each notice, and the closed again


def test_the_election_results_are_public(work):
    with work.app_context():
        term = db.session.scalars(sa.select(Term).order_by(Term.starts_on.desc())).first()
        candidate = term.candidates[0]
        elected = {m.candidate_id for m in term.members}
        name, votes, term_id = candidate.name, candidate.votes, term.id
    client = work.test_client()
    page = client.get(f"/committee/terms/{term_id}/seats?lang=en").get_data(as_text=True)
    assert "Election results" in page and name in page and f"{votes:,}" in page
    assert "Not elected" in page
    body = client.get("/api/v1/committee?on=" + NOW.date().isoformat()).get_json()
    assert {c["name"] for c in body["candidates"]} >= {name}
    assert sum(c["elected"] for c in body["candidates"]) == len(
        [c for c in elected if c is not None])
