"""The complaint commitments (first contact within 24 hours, reply within 4 working days):
computed from the complaints' own events by the statistics, per month for every district and
per quarter by district, with the statistics' disclosure control."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.commitments import services
from portal.commitments.enums import Measure, Source, Unit
from portal.commitments.services import Target, VersionDraft
from portal.core import transactions
from tests.stats.conftest import Case, add_cases, compute, local  # noqa: F401 (fixture)

L = local
# Saturday 15 August 2026: April to June have settled (their counts are final), and so has
# the second quarter.
NOW = L(2026, 8, 15)


def draft(unit: Unit, hours_or_days: int, title: str) -> VersionDraft:
    return VersionDraft(
        title_zh=title, title_en=title, explanation_zh="按投诉本身的时限计算。",
        explanation_en="Computed from the complaints.", measure=Measure.MAX_DURATION,
        unit=unit, compliance=Decimal(100), targets=[Target(None, Decimal(hours_or_days))],
        effective_from=date(2024, 1, 1), effective_to=None, basis_number="演示〔2024〕1号",
        basis_title="示范供电服务承诺")


def publish(app: Flask) -> None:
    with app.app_context():
        for position, (code, source, unit, value) in enumerate((
                ("COMPLAINT-CONTACT", Source.COMPLAINT_CONTACT, Unit.HOURS, 24),
                ("COMPLAINT-REPLY", Source.COMPLAINT_REPLY, Unit.WORKING_DAYS, 4))):
            commitment = services.create_commitment(code, source, position)
            services.publish_version(services.create_draft(
                commitment, draft(unit, value, code), None), None, NOW - timedelta(days=400))
        transactions.commit()


def april_cases() -> list[Case]:
    """Thursday 30 April 2026, 10:00: the Labour Day holidays follow (1-5 May), and Saturday
    9 May is a working day in their stead, so the fourth working day after it is Saturday 9
    May. Five answered on that Saturday (within), five on Monday 11 May (late). Contact: the
    first five accepted 23 h 59 min after filing (within 24 hours), the others 24 h 01 min
    after (late). Five rejected and five withdrawn: counted in neither promise."""
    filed = L(2026, 4, 30, 10)
    cases = [Case(filed, accepted=filed + timedelta(hours=23, minutes=59),
                  reply=L(2026, 5, 9, 15)) for _ in range(5)]
    cases += [Case(filed, district="EAST", accepted=filed + timedelta(hours=24, minutes=1),
                   reply=L(2026, 5, 11, 9)) for _ in range(5)]
    cases += [Case(filed, rejected=filed + timedelta(hours=30)) for _ in range(5)]
    cases += [Case(filed, withdrawn=filed + timedelta(hours=1)) for _ in range(5)]
    return cases


def march_cases() -> list[Case]:
    """March (alone in its quarter): seven answered within the deadline and contacted in
    time, two answered late (a count too small to show, which would show through the
    share)."""
    cases = [Case(L(2026, 3, 2 + day), accepted=L(2026, 3, 2 + day, 11),
                  reply=L(2026, 3, 3 + day, 11)) for day in range(7)]
    cases += [Case(L(2026, 3, 16), accepted=L(2026, 3, 16, 11), reply=L(2026, 3, 30, 11))
              for _ in range(2)]
    return cases


@pytest.fixture
def computed(app: Flask, add_cases: Callable[[list[Case]], None]) -> None:  # noqa: F811
    publish(app)
    add_cases(march_cases() + april_cases())
    with app.app_context():
        compute(NOW)


def district_rows(html: str) -> dict[str, list[str]]:
    """The table by district: each district's name (without its area type) and cells."""
    table = html[html.index('id="districts-caption"'):]
    table = table[:table.index("</table>")]
    found = {}
    for row in re.findall(r"<tr[^>]*><th[^>]*>(.*?)</tr>", table):
        name, _, rest = row.partition("</th>")
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(
            r"<td[^>]*>(.*?)</td>", rest)]
        found[re.sub(r"\s*[(（].*", "", re.sub(r"<[^>]+>", "", name)).strip()] = cells
    return found


def rows_of(client: Any, code: str, **params: str) -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/v1/commitments/{code}/performance",
                          query_string={"from": "2026-04", "to": "2026-07", **params})
    assert response.status_code == 200, response.get_json()
    return {row["period"]: row for row in response.get_json()["rows"]}


def test_the_reply_counts_working_days_with_holidays_and_adjusted_weekends(client, computed):
    april = rows_of(client, "COMPLAINT-REPLY")["2026-04"]
    # answered on the adjusted Saturday: within; on the Monday after: late; the rejected and
    # withdrawn cases count in neither
    assert (april["cases"], april["within_target"], april["share_within_target"]) == \
        (10, 5, "50")
    assert april["verdict"] == "missed"
    # working days to the answer: 4 (Saturday 9 May) and 5 (Monday 11 May); whole days
    assert (april["median"], april["p90"]) == ("4", "5")


def test_the_first_contact_counts_24_hours_to_the_minute(client, computed):
    april = rows_of(client, "COMPLAINT-CONTACT")["2026-04"]
    assert (april["cases"], april["within_target"]) == (10, 5)
    # the statistics do not measure the first contact in hours: no median is made up
    assert april["median"] is None and april["p90"] is None


def test_a_small_count_of_late_answers_hides_the_share_that_would_reveal_it(client,
                                                                            computed):
    march = rows_of(client, "COMPLAINT-REPLY", **{"from": "2026-03"})["2026-03"]
    assert march["suppressed"] is True
    assert march["cases"] is None and march["share_within_target"] is None
    assert march["verdict"] == "hidden"
    for period in ("2026-03", "2026-Q1"):  # nor the quarter, which is March alone
        page = client.get(f"/commitments/COMPLAINT-REPLY?from=2026-03&to=2026-07"
                          f"&period={period}")
        assert page.status_code == 200
        assert "77.7" not in page.text and "77.8" not in page.text  # 7 of 9 within


def test_months_not_settled_and_without_cases_have_no_figures(client, computed):
    rows = rows_of(client, "COMPLAINT-REPLY")
    assert rows["2026-05"]["verdict"] == "no_data"  # no case filed in May
    assert rows["2026-07"]["verdict"] == "no_data"  # July has not settled at NOW


def test_districts_are_published_by_quarter_not_by_month(client, computed):
    quarter = client.get("/commitments/COMPLAINT-REPLY?period=2026-Q2",
                         headers={"Accept-Language": "en"})
    assert quarter.status_code == 200
    # Central: its 5 answers within the deadline; East: its 5 late ones
    rows = district_rows(quarter.text)
    assert rows["Central District"][:2] == ["5", "100.0%"]
    assert rows["East District"][:2] == ["5", "0.0%"]
    assert rows["Beishan County"][0] == "–"
    # not by month: the API says so rather than give months that all read "not shown"
    response = client.get("/api/v1/commitments/COMPLAINT-REPLY/performance?district=CENTRAL",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == "district" and "quarters and years" in error["message"]
    page = client.get("/commitments/COMPLAINT-REPLY?district=CENTRAL&lang=zh")
    assert page.status_code == 400 and "季度和年度" in page.get_data(as_text=True)
    assert 'id="district"' not in client.get("/commitments/COMPLAINT-REPLY").text
    # the quarter by district as data: by default the latest quarter published
    data = client.get("/api/v1/commitments/COMPLAINT-REPLY/districts").get_json()
    assert data["period"] == "2026-Q2" and data["source"] == "complaint_reply"
    rows = {row["district"]: row for row in data["rows"]}
    assert (rows["CENTRAL"]["cases"], rows["CENTRAL"]["share_within_target"]) == (5, "100")
    assert (rows["EAST"]["cases"], rows["EAST"]["within_target"]) == (5, 0)
    refused = client.get("/api/v1/commitments/COMPLAINT-REPLY/districts?period=2026-Q3")
    assert refused.status_code == 400 and refused.get_json()["error"]["parameter"] == "period"


def test_the_overview_and_the_page_show_the_computed_figures_in_both_languages(client,
                                                                               computed):
    for language, within in (("zh-CN", "达标"), ("en", "Within")):
        overview = client.get("/commitments/", headers={"Accept-Language": language})
        assert overview.status_code == 200
        assert "COMPLAINT-REPLY" in overview.text
        assert "not published yet" not in overview.text
        page = client.get("/commitments/COMPLAINT-REPLY",
                          headers={"Accept-Language": language})
        assert page.status_code == 200 and within in page.text


def test_the_computed_figures_cannot_be_imported(app, client, computed):
    from portal.commitments import importer

    with app.app_context(), pytest.raises(importer.ImportRefused):
        importer.import_file(
            (",".join(importer.COLUMNS) + "\r\nCOMPLAINT-REPLY,2026-04,CENTRAL,10,9,,\r\n")
            .encode(), "x.csv", None, NOW, datetime(2026, 8, 15).date())



def test_a_reopened_case_is_judged_by_its_first_answer_and_an_appealed_rejection_not_at_all(
        app, client, add_cases):  # noqa: F811
    """May 2026: five cases answered within their deadline (three filed on Monday 11 May and
    answered the next day, two filed on Monday 18 May and answered on Thursday 21, after the
    first three's deadline), reopened and answered again weeks later: the promise was kept (the
    first answer, against each case's own deadline), and their times are those of the first
    answer. Five rejected on the day and then taken to the committee: no answer was due."""
    from portal.complaints import services as complaints
    from portal.complaints.enums import ActorKind, ComplaintStatus
    from portal.complaints.models import Complaint
    from portal.extensions import db

    publish(app)
    filed = L(2026, 5, 11, 10)  # a Monday
    later = L(2026, 5, 18, 10)
    add_cases([Case(filed, accepted=filed + timedelta(hours=1), reply=L(2026, 5, 12, 10))
               for _ in range(3)]
              + [Case(later, accepted=later + timedelta(hours=1), reply=L(2026, 5, 21, 10))
                 for _ in range(2)]
              + [Case(filed, district="EAST", rejected=filed + timedelta(hours=2))
                 for _ in range(5)])
    with app.app_context():
        for complaint in db.session.scalars(sa.select(Complaint)):
            if complaint.status is ComplaintStatus.REPLIED:
                complaints.change_status(complaint, ComplaintStatus.REOPENED,
                                         ActorKind.COMPLAINANT, L(2026, 5, 22, 9),
                                         reason="问题没有解决。")
                complaints.change_status(complaint, ComplaintStatus.IN_PROGRESS,
                                         ActorKind.STAFF, L(2026, 5, 22, 10))
                complaints.reply(complaint, None, "再次答复", L(2026, 6, 5, 10))
            else:
                complaints.change_status(complaint, ComplaintStatus.ESCALATED,
                                         ActorKind.COMPLAINANT, L(2026, 5, 14, 9),
                                         reason="不同意不予受理。")
        db.session.commit()
        compute(NOW)
    may = rows_of(client, "COMPLAINT-REPLY")["2026-05"]
    assert (may["cases"], may["within_target"]) == (5, 5)  # the appeals count in neither
    assert (may["median"], may["p90"]) == ("1", "3")  # to the first answer: 1, 1, 1, 3, 3
    assert rows_of(client, "COMPLAINT-CONTACT")["2026-05"]["cases"] == 5
