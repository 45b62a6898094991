"""Public cases for readers: filters by month, status and category with a count per value,
bad filters refused with a message, and a permalink per published case under a public
identifier that is not the tracking number."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.complaints import codes, services
from portal.complaints.enums import ComplaintStatus
from portal.complaints.models import Complaint
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import open_case, publish_case
from tests.conftest import unmigrated_app

S = ComplaintStatus
# Shanghai is UTC+8: 16:30 UTC on the last day of February is 00:30 on the first of March.
EARLY_MARCH = datetime(2026, 2, 28, 16, 30, tzinfo=UTC)
LATE_FEBRUARY = datetime(2026, 2, 28, 15, 30, tzinfo=UTC)


def _page(response):
    return response.get_data(as_text=True)


@pytest.fixture
def publish(app):
    """Publish a case registered at ``at`` in ``status``; returns its tracking number and
    public identifier."""
    counter = iter(range(10_000))

    def factory(at=EARLY_MARCH, status=None, summary="营业厅收取临时接电费 200 元。", **filing):
        with app.app_context():
            return publish_case(at, f"public-{next(counter)}", status, summary, **filing)

    return factory


def _cards(page):
    return page.count('class="case-card"')


def _options(page, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [re.sub(r"\s+", " ", label) for label in re.findall(r"<option[^>]*>([^<]*)</option>",
                                                                select)]


@pytest.fixture
def several(publish):
    publish()
    publish(status=S.ACCEPTED)
    publish(at=LATE_FEBRUARY, status=S.REJECTED, category_code="QUAL")
    publish(at=datetime(2025, 12, 10, 2, tzinfo=UTC), status=S.WITHDRAWN)


def test_filters_by_month_status_and_category_with_counts(client, several):
    everything = _page(client.get("/complaints/public?lang=en"))
    assert "4 cases" in everything and _cards(everything) == 4
    assert _options(everything, "month") == ["All", "March 2026 (2)", "February 2026 (1)",
                                             "December 2025 (1)"]
    assert "Registered (1)" in _options(everything, "status")
    assert "Not accepted (1)" in _options(everything, "status")
    assert "Withdrawn (1)" in _options(everything, "status")
    assert "Closed (0)" not in _options(everything, "status")  # values without a case left out
    assert "Supply quality (low voltage, frequent outages) (1)" in _options(everything,
                                                                           "category")

    march = _page(client.get("/complaints/public?lang=en&month=2026-03"))
    assert "2 cases" in march and _cards(march) == 2
    assert 'value="2026-03" selected' in march or 'selected value="2026-03"' in march
    # Each filter counts what its values would show with the other filters kept.
    assert "Registered (1)" in _options(march, "status")
    assert "Not accepted (1)" not in _options(march, "status")
    assert _options(march, "month")[1:] == ["March 2026 (2)", "February 2026 (1)",
                                            "December 2025 (1)"]

    rejected = _page(client.get("/complaints/public?lang=en&status=rejected&category=QUAL"))
    assert "1 case" in rejected and _cards(rejected) == 1
    none = _page(client.get("/complaints/public?lang=en&month=2026-03&status=rejected"))
    assert "0 cases" in none and "No cases match." in none
    assert "Not accepted (0)" in _options(none, "status")  # the chosen value stays


def test_the_chinese_counts_use_full_width_brackets(client, several):
    page = _page(client.get("/complaints/public?lang=zh_Hans_CN"))
    assert "2026年3月（2）" in _options(page, "month")


@pytest.mark.parametrize(("query", "message"), [
    ("month=2026-13", "Choose a month from the list (written as YYYY-MM"),
    ("month=March", "Choose a month from the list (written as YYYY-MM"),
    ("month=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-03", "Choose a month from the list"),
    ("month=1999-12", "Choose a month from the list"),
    ("status=nonsense", "Choose a status from the list."),
    ("category=NOPE", "Choose a category from the list."),
    ("district=%27%3E%3Cscript%3E", "Choose a district from the list."),
])
def test_bad_filters_are_refused_with_a_message(client, several, query, message):
    response = client.get(f"/complaints/public?lang=en&{query}")
    page = _page(response)
    assert response.status_code == 400
    assert message in page and 'class="error-summary"' in page
    assert 'aria-invalid="true"' in page
    assert "<script>" not in page
    assert _cards(page) == 4  # the bad filter narrows nothing


def test_a_month_without_cases_is_not_an_error(client, several):
    response = client.get("/complaints/public?lang=en&month=2024-01")
    assert response.status_code == 200 and "0 cases" in _page(response)
    assert "January 2024 (0)" in _options(_page(response), "month")


def test_filters_are_kept_from_page_to_page(app, client, publish):
    for _ in range(23):
        publish(status=S.ACCEPTED)
    publish()
    first = _page(client.get("/complaints/public?lang=en&month=2026-03&status=accepted"))
    assert "23 cases" in first and "Page 1 of 2" in first
    following = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "month=2026-03" in following and "status=accepted" in following
    second = _page(client.get(following))
    assert "Page 2 of 2" in second and _cards(second) == 3


# Permalinks


def test_each_published_case_has_a_permalink(client, publish):
    number, public_id = publish(status=S.ACCEPTED)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", public_id)
    listing = _page(client.get("/complaints/public?lang=en"))
    assert f'href="/complaints/public/{public_id}"' in listing
    response = client.get(f"/complaints/public/{public_id}?lang=en")
    page = _page(response)
    assert response.status_code == 200
    assert f"<title>Public case {public_id}: Service fees" in page
    assert f"<h1>Public case {public_id}: Service fees" in page
    assert "营业厅收取临时接电费 200 元。" in page and "Accepted" in page
    assert number not in page  # never the tracking number
    assert f'rel="canonical" href="http://localhost/complaints/public/{public_id}"' in page


def test_the_public_identifier_is_typed_leniently(client, publish):
    _number, public_id = publish()
    typed = f"{public_id[:4].lower()}-{public_id[4:].lower()}"
    response = client.get(f"/complaints/public/{typed}?lang=en")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/complaints/public/{public_id}?lang=en"


def test_unknown_and_unpublished_cases_are_not_found(app, client, publish, file_complaint):
    number, _public_id = publish()
    unpublished, _code = file_complaint(consent_publish=True)
    for public_id in ("ZZZZZZZZ", "abc", "x" * 300, number, unpublished):
        assert client.get(f"/complaints/public/{public_id}").status_code == 404, public_id


def test_the_public_identifier_cannot_track_the_case(client, publish):
    _number, public_id = publish()
    response = open_case(client, public_id, "AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 400


def test_identifiers_are_random_and_kept_when_the_summary_is_approved_again(app, publish):
    numbers = [publish() for _ in range(5)]
    public_ids = {public_id for _number, public_id in numbers}
    assert len(public_ids) == 5
    number, public_id = numbers[0]
    with app.app_context():
        complaint = services.find_by_number(number)
        services.approve_summary(complaint, None, "改过的摘要", utcnow())
        db.session.commit()
        assert complaint.public_id == public_id


def test_a_withdrawn_published_case_shows_its_deadlines_as_ended(client, publish):
    _number, public_id = publish(at=utcnow() - timedelta(days=30), status=S.WITHDRAWN)
    page = _page(client.get(f"/complaints/public/{public_id}?lang=en"))
    assert page.count("deadline-ended") == 2 and "overdue" not in page


def test_the_database_keeps_published_and_public_identifier_together(app, file_complaint):
    number, _code = file_complaint(consent_publish=True)
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(Complaint).where(Complaint.tracking_number == number)
                               .values(summary_approved_at=utcnow()))
        db.session.rollback()


def test_public_identifiers_are_normalised():
    assert codes.normalize_public_id("ab cd-ef o1") == "ABCDEF01"
    assert codes.normalize_public_id("abcd-efgh-j") is None  # nine characters
    assert codes.normalize_public_id("abcd-efgo") == "ABCDEFG0"
    assert codes.normalize_public_id("ＡＢＣＤＥＦＧＨ") == "ABCDEFGH"
    assert codes.normalize_public_id("ABCDEFGU") is None  # U is not in the alphabet


def test_the_migration_gives_published_cases_a_public_identifier(tmp_path):
    app = unmigrated_app(tmp_path)
    with app.app_context():
        upgrade(revision="c8d4f2a6e1b9")
        with db.engine.begin() as connection:
            for case_id, consent, approved in [(1, True, True), (2, True, False),
                                               (3, False, False), (4, True, True)]:
                connection.execute(sa.text(
                    "INSERT INTO complaints (id, tracking_number, year, sequence,"
                    " submission_digest, code_hash, type, category_code, district_code,"
                    " subject, description, consent_contact, consent_publish, language, status,"
                    " registered_at, first_contact_due_at, reply_due_at, reopen_count,"
                    " summary_approved_at) VALUES (:id, :number, 2026, :id, :digest, 'h',"
                    " 'complaint', 'BIZ-FEE', 'CENTRAL', 's', 'd', FALSE, :consent,"
                    " 'zh_Hans_CN', 'closed', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP, 0, :approved)"),
                    {"id": case_id, "number": f"TS-2026-{case_id:06d}", "digest": str(case_id),
                     "consent": consent, "approved": utcnow() if approved else None})
        upgrade()
        with db.engine.connect() as connection:
            given = dict(connection.execute(sa.text(
                "SELECT id, public_id FROM complaints ORDER BY id")).all())
        assert given[2] is None and given[3] is None
        with db.engine.connect() as connection:
            listed = dict(connection.execute(sa.text(
                "SELECT id, listed_at IS NOT NULL FROM complaints ORDER BY id")).all())
        # the summaries approved before the upgrade were listed when approved
        assert {case: bool(flag) for case, flag in listed.items()} == {
            1: True, 2: False, 3: False, 4: True}
        assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", given[i]) for i in (1, 4))
        assert given[1] != given[4]
        downgrade(revision="c8d4f2a6e1b9")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT COUNT(*) FROM complaints")).scalar() == 4
        db.engine.dispose()


def test_a_case_shows_its_month_as_the_filter_names_it(client, publish):
    """The cards and the case said 2026-03 beside a filter that says 2026年3月."""
    _number, public_id = publish()
    for path in ("/complaints/public", f"/complaints/public/{public_id}"):
        chinese = _page(client.get(f"{path}?lang=zh_Hans_CN"))
        assert "2026年3月" in chinese and not re.search(r">[^<]*2026-03", chinese)
        assert "March 2026" in _page(client.get(f"{path}?lang=en"))
