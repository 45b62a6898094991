"""A published month's counts are final: cases that move on afterwards (an answer, a rating, an
escalation, a summary made public) change no figure of it, so that two extractions taken at
different times cannot be subtracted to reveal the few cases that changed between them; and a
count once published stays published when later months bring new relations to protect."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.complaints import services
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.stats import auditing
from portal.stats import refresh as refresh_module
from portal.stats.disclosure import ProtectionError, State
from portal.stats.models import StatsFigure, StatsMonth, StatsRun, StatsTime
from tests.stats.conftest import NOW, Case, compute, local

COUNTS = "/api/v1/stats/complaints"


def _figures() -> dict[tuple[str, str, str], tuple[int, str]]:
    return {(f.table_code, f.period, f.key): (f.count, f.state)
            for f in db.session.scalars(sa.select(StatsFigure))}


def _times() -> list[tuple[object, ...]]:
    return sorted(tuple(row) for row in db.session.execute(sa.select(
        StatsTime.month, StatsTime.measure, StatsTime.category_code, StatsTime.days,
        StatsTime.count).where(StatsTime.month <= date(2026, 7, 1))))


def _answers(client) -> list[object]:
    """What the API answers for July and the second quarter, but the extraction time."""
    found = []
    for period, group_by in (("2026-07", "category"), ("2026-Q2", "category,district"),
                             ("2026-Q2", "status"), ("2026-Q2", "deadline"),
                             ("2026-Q2", "rating"), ("2026-Q2", "escalated")):
        data = client.get(COUNTS, query_string={"period": period, "group_by": group_by})
        assert data.status_code == 200, data.get_json()
        found.append(data.get_json()["rows"])
    return found


def _move_cases_on(make_user) -> None:
    """A month and more later: June's unanswered case is answered late, a July case is rated
    and taken to the committee, a June case is made public."""
    staff_id = make_user("stats-staff", role="staff")[0].id
    staff = db.session.get(User, staff_id)
    later = local(2026, 9, 20)
    waiting = db.session.scalar(sa.select(Complaint).where(
        Complaint.category_code == "SVC-ATT", Complaint.status == ComplaintStatus.IN_PROGRESS))
    services.reply(waiting, None, "答复", later)
    july = db.session.scalar(sa.select(Complaint).where(
        Complaint.registered_at >= local(2026, 7, 8, 0),
        Complaint.registered_at < local(2026, 7, 9, 0)))
    services.rate(july, 1, False, later)
    services.change_status(july, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT, later,
                           reason="对答复不满意。")
    june = db.session.scalar(sa.select(Complaint).where(
        Complaint.registered_at >= local(2026, 6, 1, 0),
        Complaint.registered_at < local(2026, 6, 2, 0)))
    june.consent_publish = True
    services.approve_summary(june, staff, "电费疑问，已答复。", later)
    db.session.commit()


def test_cases_that_move_on_change_no_published_figure(app, client, stats, make_user):
    with app.app_context():
        figures, times = _figures(), _times()
    answers = _answers(client)
    with app.app_context():
        _move_cases_on(make_user)
        compute(local(2026, 9, 21))
        assert _figures() == figures
        assert _times() == times
    assert _answers(client) == answers


def test_a_month_is_final_from_its_publication(app, stats):
    with app.app_context():
        final = {row.month: row.frozen_at for row in db.session.scalars(sa.select(StatsMonth))}
        # every month from the first case's to July, each taken at the refresh that published it
        assert sorted(final) == [date(2025, 11, 1), date(2025, 12, 1)] + [
            date(2026, month, 1) for month in range(1, 8)]
        assert set(final.values()) == {NOW}
        compute(local(2026, 10, 1))
        final = {row.month: row.frozen_at for row in db.session.scalars(sa.select(StatsMonth))}
        assert final[date(2026, 8, 1)] == local(2026, 10, 1)
        assert final[date(2026, 7, 1)] == NOW


def test_a_count_once_published_stays_published(app, stats, add_cases):
    """August brings the third quarter's relations; nothing July published is hidden for
    them, and the audit of everything published still passes."""
    with app.app_context():
        before = {key: count for key, (count, state) in _figures().items()
                  if state == State.PUBLISHED.value}
    add_cases([Case(local(2026, 8, 12), category="GRID", district="BEISHAN")])
    with app.app_context():
        compute(local(2026, 10, 1))
        after = _figures()
        assert {key: after[key] for key in before} == {
            key: (count, State.PUBLISHED.value) for key, count in before.items()}
        run = db.session.scalar(sa.select(StatsRun))
        assert auditing.audit_year(run, 2026).exposures == []


def test_the_settling_delay_is_set_by_the_operator(app, add_cases):
    add_cases([Case(local(2026, 8, 3), accepted=local(2026, 8, 3, 11),
                    reply=local(2026, 8, 4))])
    app.config["STATS_SETTLE_DAYS"] = 0
    with app.app_context():
        assert compute(local(2026, 9, 1, 0, 0)).last_month == date(2026, 8, 1)
    app.config["STATS_SETTLE_DAYS"] = 60
    with app.app_context():
        # a longer delay never takes back a month published already
        assert compute(local(2026, 9, 2)).last_month == date(2026, 8, 1)


def test_a_refresh_that_cannot_protect_changes_nothing(app, runner, stats, monkeypatch):
    """Keeping a year's old figures while publishing a new month would show that month as
    zeros: the refresh is given up as a whole, and says so."""
    from portal.stats import refresh
    from portal.stats.disclosure import ProtectionError

    def failing(system, k, fixed=None, withheld=()):
        raise ProtectionError("cannot protect")

    monkeypatch.setattr(refresh, "suppress", failing)
    monkeypatch.setattr("portal.stats.cli.utcnow", lambda: local(2026, 10, 1))
    monkeypatch.setattr("portal.stats.cli.database_now", lambda: local(2026, 10, 1))
    with app.app_context():
        figures, run = _figures(), db.session.scalar(sa.select(StatsRun))
        last, extracted = run.last_month, run.extracted_at
    result = runner.invoke(args=["stats", "refresh"])
    assert result.exit_code == 1
    assert "disclosure control cannot protect" in result.output
    with app.app_context():
        run = db.session.scalar(sa.select(StatsRun))
        assert (run.last_month, run.extracted_at) == (last, extracted)
        assert _figures() == figures
        assert db.session.get(StatsMonth, date(2026, 8, 1)) is None


def _july_with_one_grid_case(app, add_cases) -> None:
    """July: 19 cases, one of them the only GRID case, published (and its snapshot taken)."""
    cases = [Case(local(2026, 7, day), category=category, district=district,
                  accepted=local(2026, 7, day, 11), reply=local(2026, 7, day, 15))
             for day, (category, district) in enumerate(
                 [("BIZ-FEE", "CENTRAL")] * 6 + [("BIZ-BILL", "CENTRAL")] * 6
                 + [("GRID", "CENTRAL")] + [("BIZ-FEE", "EAST")] * 6, start=1)]
    add_cases(cases)
    with app.app_context():
        compute(local(2026, 9, 10))
        assert auditing.audit_year(db.session.scalar(sa.select(StatsRun)), 2026).exposures == []


def _approve_all_but_grid(app, make_user, rated: bool = False) -> None:
    """The 18 July cases but GRID's made public (``rated``: first rated, so that they have
    moved on since July was taken: closed, no longer answered and waiting for a rating)."""
    staff_id = make_user("stats-staff", role="staff")[0].id
    with app.app_context():
        staff = db.session.get(User, staff_id)
        for complaint in db.session.scalars(sa.select(Complaint).where(
                Complaint.category_code != "GRID")):
            if rated:
                services.rate(complaint, 5, True, local(2026, 9, 12))
            complaint.consent_publish = True
            services.approve_summary(complaint, staff, "电费疑问，已答复。", local(2026, 9, 15))
        db.session.commit()


@pytest.mark.parametrize("rated", [False, True], ids=["as-counted", "moved-on"])
def test_a_summary_that_would_give_a_small_count_away_stays_off_the_public_list(
        app, client, add_cases, make_user, caplog, rated):
    """Once July is final, the 18 cases other than GRID's are approved for the public list:
    with them, the July total (out in the snapshot) minus the list gives the GRID case away.
    They wait: the refresh keeps them off the list, the figures stay as they were and the
    audit passes; also when they were rated and closed since July was taken (the list shows
    their category, district and month all the same)."""
    _july_with_one_grid_case(app, add_cases)
    with app.app_context():
        figures = _figures()
    _approve_all_but_grid(app, make_user, rated)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
            Complaint.listed_at.is_not(None))) == 0
    assert "电费疑问" not in client.get("/complaints/public").get_data(as_text=True)
    with app.app_context():
        compute(local(2026, 9, 20))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
            Complaint.listed_at.is_not(None))) == 0
        assert _figures() == figures
        assert auditing.audit_year(db.session.scalar(sa.select(StatsRun)), 2026).exposures == []
    assert "stay off the public list" in caplog.text
    assert "without the counts published before" not in caplog.text
    assert "电费疑问" not in client.get("/complaints/public").get_data(as_text=True)


def test_a_summary_of_a_final_month_joins_the_public_list_after_a_refresh(
        app, client, stats, make_user, auth):
    """A June case (June is final) made public: the staff page says it waits for the
    statistics; the next refresh checks it and lists it."""
    staff_id = make_user("stats-staff", role="staff")[0].id
    with app.app_context():
        staff = db.session.get(User, staff_id)
        june = db.session.scalar(sa.select(Complaint).where(
            Complaint.registered_at >= local(2026, 6, 1, 0),
            Complaint.registered_at < local(2026, 6, 2, 0)))
        june.consent_publish = True
        services.approve_summary(june, staff, "六月的电费疑问，已答复。", local(2026, 9, 20))
        db.session.commit()
        assert june.listed_at is None and not june.is_published
        public_id, case_id, number = june.public_id, june.id, june.tracking_number
    assert client.get(f"/complaints/public/{public_id}").status_code == 404
    auth.login("stats-staff")
    page = client.get(f"/staff/complaints/{number}?lang=en").get_data(as_text=True)
    assert "joins the public list after the next statistics refresh" in page
    auth.logout()
    with app.app_context():
        compute(local(2026, 9, 21))
        june = db.session.get(Complaint, case_id)
        assert june.listed_at == local(2026, 9, 21) and june.is_published
        assert auditing.audit_year(db.session.scalar(sa.select(StatsRun)), 2026).exposures == []
    page = client.get(f"/complaints/public/{public_id}").get_data(as_text=True)
    assert "六月的电费疑问" in page


def test_a_summary_of_a_month_not_yet_published_is_listed_at_once(app, stats, add_cases,
                                                                   make_user):
    add_cases([Case(local(2026, 9, 1), category="QUAL")])
    staff_id = make_user("stats-staff", role="staff")[0].id
    with app.app_context():
        case = db.session.scalar(sa.select(Complaint).where(Complaint.category_code == "QUAL",
                                                            Complaint.registered_at
                                                            >= local(2026, 9, 1, 0)))
        case.consent_publish = True
        services.approve_summary(case, db.session.get(User, staff_id), "九月的案件。",
                                 local(2026, 9, 20))
        assert case.listed_at == local(2026, 9, 20) and case.is_published


def test_a_public_list_that_gives_a_count_away_stops_the_refresh(app, add_cases, make_user):
    """The 18 cases other than July's GRID case are put on the public list without waiting for
    the statistics (as a case listed before an upgrade could be): nothing but hiding counts
    the July snapshot published could protect the GRID case now, which would not help. The
    refresh gives up, changing nothing, and the audit reports the small count that the
    figures and the public list give away."""
    _july_with_one_grid_case(app, add_cases)
    _approve_all_but_grid(app, make_user)
    with app.app_context():
        db.session.execute(sa.update(Complaint).where(Complaint.summary_approved_at.is_not(None))
                           .values(listed_at=local(2026, 9, 15)))
        db.session.commit()
        figures = _figures()
        with pytest.raises(ProtectionError):
            compute(local(2026, 10, 1))
        db.session.rollback()
        assert _figures() == figures
        exposures = auditing.audit_year(db.session.scalar(sa.select(StatsRun)), 2026).exposures
        assert any(e.key.values == ("GRID",) and e.high < 5 for e in exposures), exposures


def test_a_refresh_refuses_a_clock_it_cannot_trust(app, runner, stats, monkeypatch):
    """A clock ahead would make months final whose cases are still coming in, for good: a
    clock far from the database's, or behind the last refresh, stops the refresh."""
    with app.app_context():
        figures = _figures()
    monkeypatch.setattr("portal.stats.cli.utcnow", lambda: local(2026, 12, 1))
    monkeypatch.setattr("portal.stats.cli.database_now", lambda: local(2026, 10, 1))
    result = runner.invoke(args=["stats", "refresh"])
    assert result.exit_code == 1 and "differ by more than 15 minutes" in result.output
    with app.app_context():
        assert db.session.get(StatsMonth, date(2026, 10, 1)) is None
    # set back after running ahead: earlier than the last refresh (NOW)
    monkeypatch.setattr("portal.stats.cli.utcnow", lambda: local(2026, 9, 1))
    monkeypatch.setattr("portal.stats.cli.database_now", lambda: local(2026, 9, 1))
    result = runner.invoke(args=["stats", "refresh"])
    assert result.exit_code == 1 and "The last refresh ran at" in result.output
    with app.app_context():
        assert _figures() == figures
    # a right clock, a few minutes from the database's, goes ahead
    monkeypatch.setattr("portal.stats.cli.utcnow", lambda: local(2026, 10, 1, 10, 5))
    monkeypatch.setattr("portal.stats.cli.database_now", lambda: local(2026, 10, 1))
    result = runner.invoke(args=["stats", "refresh"])
    assert result.exit_code == 0, result.output


def test_the_audit_knows_a_listed_case_as_it_was_counted(app, add_cases, make_user):
    """Listed July cases that were rated and closed since July was taken still count, in the
    audit, in the groups they were counted in: it finds what the figures and the list give
    away."""
    _july_with_one_grid_case(app, add_cases)
    _approve_all_but_grid(app, make_user, rated=True)
    with app.app_context():
        db.session.execute(sa.update(Complaint).where(Complaint.summary_approved_at.is_not(None))
                           .values(listed_at=local(2026, 9, 15)))
        db.session.commit()
        exposures = auditing.audit_year(db.session.scalar(sa.select(StatsRun)), 2026).exposures
        assert any(e.key.values == ("GRID",) and e.high < 5 for e in exposures), exposures


def test_the_cases_of_months_final_before_the_upgrade_are_taken_as_they_stand(app, stats):
    """A database upgraded from before ``stats_cases`` has final months without their cases:
    the next refresh takes them once, as they stand."""
    from portal.stats.models import StatsCase

    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(StatsCase))
        assert before == db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))
        db.session.execute(sa.delete(StatsCase))
        db.session.commit()
        compute(local(2026, 9, 21))
        final = db.session.scalar(sa.select(sa.func.count()).select_from(StatsCase).where(
            StatsCase.month <= date(2026, 7, 1)))
        assert final == db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)
                                          .where(Complaint.registered_at < local(2026, 8, 1, 0)))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatsCase)) == before


def test_a_summary_approved_while_a_refresh_runs_waits_for_it(app, stats, make_user,
                                                              monkeypatch):
    """A refresh makes August final (without the August case, which is not listed) while a
    summary of that case is approved: the approval waits for the refresh to end and then
    holds the case back, instead of listing it unchecked beside figures that never saw it."""
    staff_id = make_user("stats-staff", role="staff")[0].id
    running, outcome = threading.Event(), {}
    original = refresh_module._publish_year

    def slow_publish(*args, **kwargs):
        running.set()
        time.sleep(1.0)  # the approval tries meanwhile
        return original(*args, **kwargs)

    monkeypatch.setattr(refresh_module, "_publish_year", slow_publish)

    def run_refresh() -> None:
        with app.app_context():
            try:
                compute(local(2026, 10, 5))
            finally:
                db.session.remove()

    def approve() -> None:
        running.wait(10)
        with app.app_context():
            try:
                august = db.session.scalar(sa.select(Complaint).where(
                    Complaint.registered_at >= local(2026, 8, 1, 0),
                    Complaint.registered_at < local(2026, 9, 1, 0)))
                august.consent_publish = True
                services.approve_summary(august, db.session.get(User, staff_id),
                                         "八月的案件。", local(2026, 10, 5, 11))
                db.session.commit()
                outcome["listed_at"] = august.listed_at
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run_refresh), threading.Thread(target=approve)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcome == {"listed_at": None}
    with app.app_context():
        assert db.session.scalar(sa.select(StatsRun.last_month)) == date(2026, 8, 1)
