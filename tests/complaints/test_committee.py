"""The users' committee's workspace: what is pending comes first, with counts, dates, deadlines
and filters; the complainant's files; a finding with an outcome and reasons, which the
complainant (and the public, for a published case) reads."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import gettext
from PIL import Image

from portal.accounts.models import User
from portal.complaints import attachments, services
from portal.complaints.codes import new_public_id
from portal.complaints.enums import ActorKind, ComplaintStatus, FindingOutcome
from portal.complaints.models import Complaint, ComplaintEvent
from portal.complaints.workdays import reply_due
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import FILING, open_case
from tests.conftest import csrf_token

LIST = "/staff/complaints/committee/"
NUMBER = re.compile(r'translate="no">(TS-\d{4}-\d{6})<')
REASONS = "供电公司超过答复时限且未说明原因，投诉成立，责令三日内书面答复。"
DAY = timedelta(days=1)


def _numbers(page: str) -> list[str]:
    return NUMBER.findall(page)


def _tally(page: str) -> dict[str, int]:
    """The counts above the list: {"pending": 3, "overdue": 1, "decided": 2}."""
    return {key: int(count) for key, count in re.findall(
        r'class="tally-(\w+)[^"]*"><a [^>]*><span class="tally-count">(\d+)</span>', page)}


def _case(number: str) -> Complaint:
    complaint = db.session.scalar(sa.select(Complaint).where(
        Complaint.tracking_number == number))
    assert complaint is not None
    return complaint


@pytest.fixture
def member(make_user, auth):
    user, _password = make_user("member", role="committee")
    auth.login("member")
    return user


@pytest.fixture
def escalated(app):
    """File a case at ``filed``, take it to the committee at ``at``, and decide it at
    ``decided`` (with ``outcome``) if given; returns its tracking number."""
    counter = iter(range(10_000))

    def factory(at: datetime, filed: datetime | None = None, decided: datetime | None = None,
                outcome: FindingOutcome | None = FindingOutcome.UPHELD, **filing):
        with app.app_context():
            receipt = services.submit_complaint(
                services.Filing(**{**FILING, **filing}), f"committee-{next(counter)}",
                filed or at - 20 * DAY)
            complaint = receipt.complaint
            services.change_status(complaint, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                                   at, reason="超过答复时限。")
            if decided is not None:
                someone = db.session.scalar(sa.select(User).where(User.role == "committee"))
                services.decide(complaint, someone, outcome, REASONS, decided)
            db.session.commit()
            return complaint.tracking_number

    return factory


# The list: pending first, counts, dates, deadlines --------------------------------------------

def test_pending_cases_come_first_soonest_deadline_first_then_the_latest_decisions(
        client, member, escalated):
    now = utcnow()
    decided_early = escalated(now - 40 * DAY, decided=now - 30 * DAY)
    decided_late = escalated(now - 35 * DAY, decided=now - 2 * DAY)
    recent = escalated(now - 1 * DAY)
    oldest = escalated(now - 30 * DAY)
    middle = escalated(now - 10 * DAY)
    page = client.get(f"{LIST}?lang=en").get_data(as_text=True)
    assert _numbers(page) == [oldest, middle, recent, decided_late, decided_early]
    assert "5 cases, pending first, soonest deadline first" in page


def test_counts_pending_overdue_and_decided_under_each_filter(client, member, escalated):
    now = utcnow()
    escalated(now - 30 * DAY)                                      # overdue
    escalated(now - 30 * DAY, category_code="QUAL")                # overdue
    escalated(now - 1 * DAY, district_code="BEISHAN")              # pending
    escalated(now - 40 * DAY, decided=now - 5 * DAY, category_code="QUAL")
    page = client.get(f"{LIST}?lang=en").get_data(as_text=True)
    assert _tally(page) == {"pending": 3, "overdue": 2, "decided": 1}
    page = client.get(f"{LIST}?lang=en&category=QUAL").get_data(as_text=True)
    assert _tally(page) == {"pending": 1, "overdue": 1, "decided": 1}
    page = client.get(f"{LIST}?lang=en&district=BEISHAN").get_data(as_text=True)
    assert _tally(page) == {"pending": 1, "overdue": 0, "decided": 0}
    # The status narrows the list, not the counts (they are the choices it offers).
    page = client.get(f"{LIST}?lang=en&status=decided").get_data(as_text=True)
    assert _tally(page) == {"pending": 3, "overdue": 2, "decided": 1}
    assert len(_numbers(page)) == 1
    assert re.search(r'class="tally-decided[^"]* tally-current"', page)


def test_the_committee_has_15_working_days_counted_with_the_chinese_calendar(
        app, client, member, escalated):
    # Escalated on Monday 29 September 2025, 10:00 in Shanghai: the National Day
    # holidays (1-8 October) do not count, Saturday 11 October (a working day) does.
    at = datetime(2025, 9, 29, 2, 0, tzinfo=UTC)
    number = escalated(at)
    with app.app_context():
        complaint = _case(number)
        assert complaint.escalated_at == at
        assert complaint.committee_due_at == datetime(2025, 10, 27, 16, 0, tzinfo=UTC)
    page = client.get(f"{LIST}?lang=en").get_data(as_text=True)
    row = page[page.index(number):]
    row = row[:row.index("</tr>")]
    assert "Sep 29, 2025" in row and "Oct 27, 2025" in row  # escalated on, decision due
    assert "Sep 9, 2025" in row  # filed 20 days before
    assert '<strong class="overdue">overdue</strong>' in row
    case = client.get(f"{LIST}{number}?lang=en").get_data(as_text=True)
    assert "10/27/25, 11:59" in case and "overdue" in case


def test_the_period_is_a_setting_and_a_case_within_it_is_not_overdue(
        app, client, member, escalated):
    app.config["COMMITTEE_WORKING_DAYS"] = 5
    at = utcnow() - DAY
    number = escalated(at)
    with app.app_context():
        assert _case(number).committee_due_at == reply_due(at, 5, "Asia/Shanghai")
    page = client.get(f"{LIST}?lang=en").get_data(as_text=True)
    assert "within 5 working days" in page
    assert 'class="overdue"' not in page and 'row-overdue' not in page
    assert _tally(page) == {"pending": 1, "overdue": 0, "decided": 0}


def test_a_decided_case_shows_when_and_what_the_committee_found(app, client, member,
                                                                escalated):
    now = utcnow()
    escalated(now - 40 * DAY, decided=now - 3 * DAY, outcome=FindingOutcome.PARTLY_UPHELD)
    page = client.get(f"{LIST}?lang=en").get_data(as_text=True)
    assert "Decided on" in page and "Partly upheld" in page
    assert 'row-overdue' not in page  # a decision ends the deadline
    zh = client.get(f"{LIST}?lang=zh_Hans_CN").get_data(as_text=True)
    assert _in_chinese(app, "Partly upheld") in zh


# Filters ----------------------------------------------------------------------------------------

def test_filters_by_status_category_district_and_month(app, client, member, escalated):
    now = utcnow()
    overdue = escalated(now - 30 * DAY)
    fresh = escalated(now - DAY, category_code="QUAL", district_code="BEISHAN")
    decided = escalated(now - 40 * DAY, decided=now - 5 * DAY)
    september = escalated(datetime(2025, 9, 30, 16, 30, tzinfo=UTC))  # 1 October in Shanghai

    def listed(query: str) -> list[str]:
        response = client.get(f"{LIST}?lang=en&{query}")
        assert response.status_code == 200, query
        return _numbers(response.get_data(as_text=True))

    assert set(listed("status=pending")) == {overdue, fresh, september}
    assert set(listed("status=overdue")) == {overdue, september}
    assert listed("status=decided") == [decided]
    assert len(listed("status=all")) == 4
    assert listed("category=QUAL") == [fresh]
    assert listed("district=BEISHAN&status=pending") == [fresh]
    assert listed("month=2025-10") == [september]  # months are those of Shanghai
    assert listed("month=2025-10&status=decided") == []
    page = client.get(f"{LIST}?lang=en&month=2025-10").get_data(as_text=True)
    assert '<option selected value="2025-10">October 2025</option>' in page
    assert "No cases match." in page or _numbers(page)


def test_the_filters_are_a_form_without_scripts_and_kept_from_page_to_page(
        client, member, escalated):
    now = utcnow()
    for index in range(23):
        escalated(now - (index + 1) * DAY, category_code="QUAL")
    escalated(now - DAY)
    page = client.get(f"{LIST}?lang=en&category=QUAL&status=pending").get_data(as_text=True)
    # A plain GET form with its own submit button: it works without scripts.
    form = page[page.index('<form method="get" class="filters"'):]
    form = form[:form.index("</form>")]
    assert '<button type="submit"' in form and not re.search(r"\son[a-z]+=", form)
    assert len(_numbers(page)) == 20 and "Page 1 of 2" in page
    following = re.search(r'rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "category=QUAL" in following and "status=pending" in following
    second = client.get(following).get_data(as_text=True)
    assert len(_numbers(second)) == 3


def test_no_case_yet(client, member):
    page = client.get(f"{LIST}?lang=en").get_data(as_text=True)
    assert "No case has been taken to the committee." in page
    assert _tally(page) == {"pending": 0, "overdue": 0, "decided": 0}


@pytest.mark.parametrize(("query", "message"), [
    ("status=nonsense", "Choose what to show from the list."),
    ("status=", "Choose what to show from the list."),
    ("category=NOPE", "Choose a category from the list."),
    ("district=%3Cscript%3E", "Choose a district from the list."),
    ("month=2025-13", "Choose a month from the list."),
    ("month=October", "Choose a month from the list."),
    ("month=2099-01", "Choose a month from the list."),
    ("month=1999-01", "Choose a month from the list."),
])
def test_a_filter_value_not_on_its_list_is_refused_with_a_message(
        client, member, escalated, query, message):
    number = escalated(utcnow() - 2 * DAY)
    response = client.get(f"{LIST}?lang=en&{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and 'class="error-summary"' in page and 'aria-invalid="true"' in page
    assert _numbers(page) == [number]  # the wrong filter narrows nothing
    assert "<script>" not in page


def _in_chinese(app, message: str) -> str:
    """A message as the Chinese catalogue gives it (its translation is checked by test_i18n)."""
    with app.test_request_context("/?lang=zh_Hans_CN"):
        return str(gettext(message))


def test_a_refused_filter_speaks_chinese_on_chinese_pages(app, client, member, escalated):
    escalated(utcnow() - 2 * DAY)
    response = client.get(f"{LIST}?lang=zh_Hans_CN&category=NOPE")
    assert response.status_code == 400
    assert _in_chinese(app, "Choose a category from the list.") in response.get_data(
        as_text=True)


@pytest.mark.parametrize("url", [LIST, f"{LIST}?status=pending"])
def test_only_members_and_administrators_see_the_list(client, make_user, auth, url):
    assert client.get(url).status_code == 302  # anonymous: to the login page
    make_user("handler", role="staff")
    auth.login("handler")
    assert client.get(url).status_code == 403


# Files ------------------------------------------------------------------------------------------

def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), "orange").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def case_with_file(app, escalated):
    """An escalated case whose complainant sent a photo; returns (number, file id)."""
    number = escalated(utcnow() - 2 * DAY)
    with app.app_context():
        complaint = _case(number)
        services.add_information(complaint, "现场照片", utcnow(),
                                 [attachments.clean(_png())])
        db.session.commit()
        return number, _case(number).attachments[0].id


def test_members_see_and_open_the_complainants_files(client, member, case_with_file):
    number, file_id = case_with_file
    page = client.get(f"{LIST}{number}?lang=en").get_data(as_text=True)
    link = f"{LIST}{number}/attachments/{file_id}"
    assert f'href="{link}"' in page and "attachment-1.png" in page
    response = client.get(link)
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    assert response.headers["Content-Disposition"] == "attachment; filename=attachment-1.png"
    assert response.headers["Cache-Control"] == "no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_case_without_files_says_so(client, member, escalated):
    number = escalated(utcnow() - 2 * DAY)
    page = client.get(f"{LIST}{number}?lang=en").get_data(as_text=True)
    assert "The complainant sent no files." in page


def test_the_public_cannot_open_a_file_through_the_committees_address(client, case_with_file):
    number, file_id = case_with_file
    response = client.get(f"{LIST}{number}/attachments/{file_id}")
    assert response.status_code == 302 and "/accounts/login" in response.headers["Location"]


def test_staff_use_their_own_address_and_members_only_theirs(
        client, make_user, auth, case_with_file):
    number, file_id = case_with_file
    make_user("handler", role="staff")
    make_user("member", role="committee")
    auth.login("handler")
    assert client.get(f"{LIST}{number}/attachments/{file_id}").status_code == 403
    assert client.get(f"/staff/complaints/{number}/attachments/{file_id}").status_code == 200
    auth.logout()
    auth.login("member")
    assert client.get(f"/staff/complaints/{number}/attachments/{file_id}").status_code == 403


def test_members_open_files_of_escalated_cases_only(app, client, member, case_with_file,
                                                    file_complaint, escalated):
    number, file_id = case_with_file
    other = escalated(utcnow() - DAY)
    assert client.get(f"{LIST}{other}/attachments/{file_id}").status_code == 404
    assert client.get(f"{LIST}{number}/attachments/{file_id + 1000}").status_code == 404
    open_number, _code = file_complaint()
    with app.app_context():
        services.add_information(_case(open_number), "", utcnow(), [attachments.clean(_png())])
        db.session.commit()
        open_file = _case(open_number).attachments[0].id
    assert client.get(f"{LIST}{open_number}/attachments/{open_file}").status_code == 404


# The finding ----------------------------------------------------------------------------------

def _decide(client, number, **data):
    token = csrf_token(client, f"{LIST}{number}?lang=en")
    return client.post(f"{LIST}{number}?lang=en", data={"csrf_token": token, **data})


def _events(app, number):
    with app.app_context():
        return len(_case(number).events)


def test_the_committee_records_a_finding_with_its_reasons(app, client, member, escalated):
    number = escalated(utcnow() - 2 * DAY)
    page = client.get(f"{LIST}{number}?lang=en").get_data(as_text=True)
    for value, title in (("upheld", "Upheld"), ("partly_upheld", "Partly upheld"),
                         ("not_upheld", "Not upheld")):
        assert f'value="{value}"' in page and title in page
    assert 'checked' not in page  # no finding is preselected
    response = _decide(client, number, **{"decision-outcome": "not_upheld",
                                          "decision-reasons": f"  {REASONS}  "})
    assert response.status_code == 302
    with app.app_context():
        complaint = _case(number)
        assert complaint.status is ComplaintStatus.DECIDED
        assert complaint.decision.outcome is FindingOutcome.NOT_UPHELD
        assert complaint.decision.body == REASONS
        assert complaint.decision.actor_id == member.id
    page = client.get(f"{LIST}{number}?lang=en").get_data(as_text=True)
    assert "Not upheld" in page and "Record the decision" not in page


@pytest.mark.parametrize(("data", "message"), [
    ({"decision-reasons": REASONS}, "Choose the committee's finding."),
    ({"decision-outcome": "", "decision-reasons": REASONS}, "Choose the committee's finding."),
    ({"decision-outcome": "sustained", "decision-reasons": REASONS},
     "Choose one of the findings listed."),
    ({"decision-outcome": "upheld"}, "Write the reasons for the decision."),
    ({"decision-outcome": "upheld", "decision-reasons": " \n "},
     "Write the reasons for the decision."),
    ({"decision-outcome": "upheld", "decision-reasons": "理由不足。" + " " * 30},
     "Give the reasons in at least 20 characters"),
    ({"decision-outcome": "upheld", "decision-reasons": "理" * 4001}, "At most 4,000 characters."),
])
def test_a_finding_without_a_valid_outcome_or_reasons_is_refused_and_nothing_is_written(
        app, client, member, escalated, data, message):
    number = escalated(utcnow() - 2 * DAY)
    before = _events(app, number)
    response = _decide(client, number, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and 'class="error-summary"' in page
    with app.app_context():
        assert _case(number).status is ComplaintStatus.ESCALATED
    assert _events(app, number) == before


def test_a_refused_finding_speaks_chinese_on_chinese_pages(app, client, member, escalated):
    number = escalated(utcnow() - 2 * DAY)
    token = csrf_token(client, f"{LIST}{number}")
    response = client.post(f"{LIST}{number}?lang=zh_Hans_CN",
                           data={"csrf_token": token, "decision-outcome": "upheld",
                                 "decision-reasons": "理由太短。"})
    assert response.status_code == 400
    with app.test_request_context("/?lang=zh_Hans_CN"):
        expected = str(gettext("Give the reasons in at least %(count)s characters, so that "
                                  "the complainant understands the decision.", count=20))
    assert expected in response.get_data(as_text=True)


def test_the_service_refuses_a_finding_without_an_outcome_or_reasons(app, escalated, member):
    number = escalated(utcnow() - 2 * DAY)
    with app.app_context():
        complaint, someone = _case(number), db.session.get(User, member.id)
        with pytest.raises(services.ComplaintError):
            services.decide(complaint, someone, None, REASONS, utcnow())
        with pytest.raises(services.ComplaintError):
            services.decide(complaint, someone, FindingOutcome.UPHELD, "太短", utcnow())
        assert complaint.status is ComplaintStatus.ESCALATED


def test_the_database_keeps_outcomes_for_decisions_only(app, escalated):
    number = escalated(utcnow() - 2 * DAY)
    with app.app_context():
        event_id = _case(number).events[0].id
        db.session.remove()
        with pytest.raises(sa.exc.IntegrityError, match="ck_complaint_events_outcome"), \
                db.engine.begin() as connection:
            connection.execute(sa.update(ComplaintEvent).where(ComplaintEvent.id == event_id)
                               .values(outcome=FindingOutcome.UPHELD))
        db.engine.dispose()


# What the complainant and the public read -----------------------------------------------------

def _decided_case(app, client, file_complaint, member_id, outcome, **filing):
    number, code = file_complaint(at=utcnow() - 20 * DAY, **filing)
    with app.app_context():
        complaint = _case(number)
        services.change_status(complaint, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                               utcnow() - 5 * DAY, reason="超过答复时限。")
        services.decide(complaint, db.session.get(User, member_id), outcome, REASONS, utcnow())
        db.session.commit()
    return number, code


def test_the_complainant_reads_the_finding_and_its_reasons(app, client, file_complaint, member):
    number, code = _decided_case(app, client, file_complaint, member.id,
                                 FindingOutcome.PARTLY_UPHELD)
    resident = app.test_client()
    open_case(resident, number, code)
    page = resident.get(f"/complaints/track/{number}?lang=en").get_data(as_text=True)
    assert "The committee's finding" in page and "Partly upheld" in page
    assert REASONS in page
    assert "Committee decision" in page  # its deadline, met
    zh = resident.get(f"/complaints/track/{number}?lang=zh_Hans_CN").get_data(as_text=True)
    assert _in_chinese(app, "Partly upheld") in zh


def test_the_public_reads_the_finding_of_a_published_case(app, client, file_complaint, member,
                                                           make_user):
    number, _code = _decided_case(app, client, file_complaint, member.id,
                                  FindingOutcome.UPHELD, consent_publish=True)
    with app.app_context():
        complaint = _case(number)
        complaint.public_summary, complaint.summary_approved_at = "抢修延误的投诉。", utcnow()
        complaint.listed_at = complaint.summary_approved_at
        complaint.public_id = new_public_id()  # a published case has its permalink
        db.session.commit()
    page = app.test_client().get("/complaints/public?lang=en").get_data(as_text=True)
    assert "抢修延误的投诉。" in page and "Upheld" in page


def test_a_decision_recorded_before_outcomes_existed_says_so(app, client, file_complaint,
                                                             member):
    number, code = _decided_case(app, client, file_complaint, member.id, FindingOutcome.UPHELD)
    with app.app_context():
        _case(number).decision.outcome = None  # as the migration leaves older decisions
        db.session.commit()
    page = client.get(f"{LIST}{number}?lang=en").get_data(as_text=True)
    assert "Not recorded: the decision was made before findings were recorded." in page
    assert "No finding recorded" in client.get(f"{LIST}?lang=en").get_data(as_text=True)
    resident = app.test_client()
    open_case(resident, number, code)
    page = resident.get(f"/complaints/track/{number}?lang=en").get_data(as_text=True)
    assert "not recorded (decided before findings were recorded)" in page
    assert "Upheld" not in page


# The migration ----------------------------------------------------------------------------------

def test_the_migration_dates_earlier_escalations_and_invents_no_outcome(tmp_path):
    """Cases escalated before the migration get their escalation date and the deadline from
    their events; a decision recorded then keeps no outcome."""
    from flask_migrate import downgrade, upgrade

    from tests.conftest import unmigrated_app

    app = unmigrated_app(tmp_path)
    with app.app_context():
        upgrade(revision="c8d4f2a6e1b9")
        with db.engine.begin() as connection:
            for case_id, status in ((1, "decided"), (2, "escalated"), (3, "registered")):
                connection.execute(sa.text(
                    "INSERT INTO complaints (id, tracking_number, year, sequence,"
                    " submission_digest, code_hash, type, category_code, district_code, subject,"
                    " description, consent_contact, consent_publish, language, status,"
                    " registered_at, first_contact_due_at, reply_due_at, reopen_count) VALUES"
                    " (:id, :number, 2025, :id, :digest, 'h', 'complaint', 'BIZ-FEE', 'CENTRAL',"
                    " 's', 'd', FALSE, FALSE, 'zh_Hans_CN', :status, :at, :at, :at, 0)"),
                    {"id": case_id, "number": f"T-{case_id}", "digest": f"d{case_id}",
                     "status": status, "at": datetime(2025, 9, 1, tzinfo=UTC)})
            for event_id, case_id, to_status, at in (
                    (1, 1, "escalated", datetime(2025, 9, 29, 2, 0, tzinfo=UTC)),
                    (2, 1, "decided", datetime(2025, 10, 9, 2, 0, tzinfo=UTC)),
                    (3, 2, "escalated", datetime(2025, 9, 30, 16, 30, tzinfo=UTC))):
                connection.execute(sa.text(
                    "INSERT INTO complaint_events (id, complaint_id, kind, actor_kind,"
                    " to_status, body, created_at) VALUES (:id, :case, 'status', 'complainant',"
                    " :to_status, '理由', :at)"),
                    {"id": event_id, "case": case_id, "to_status": to_status, "at": at})
        upgrade()
        cases = {case.id: case for case in db.session.scalars(sa.select(Complaint))}
        assert cases[1].escalated_at == datetime(2025, 9, 29, 2, 0, tzinfo=UTC)
        assert cases[1].committee_due_at == datetime(2025, 10, 27, 16, 0, tzinfo=UTC)
        assert cases[2].committee_due_at == reply_due(cases[2].escalated_at, 15,
                                                      "Asia/Shanghai")
        assert cases[3].escalated_at is None and cases[3].committee_due_at is None
        assert cases[1].decision is not None and cases[1].decision.outcome is None
        db.session.remove()
        downgrade(revision="c8d4f2a6e1b9")
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("complaints")}
        assert "escalated_at" not in columns
        db.engine.dispose()
