"""core.page_cache and core.public_changes: public pages kept for anonymous readers until
something public changes, and never one reader's page for another."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import template_rendered

from portal.committee import meetings
from portal.complaints import services as complaint_services
from portal.complaints.enums import ActorKind, ComplaintStatus, EventKind
from portal.complaints.models import Complaint, ComplaintEvent
from portal.core import page_cache, public_changes
from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import demo, services
from portal.fees.enums import FeeStatus
from portal.fees.models import FeeItem
from tests.committee.conftest import committee, make_term  # noqa: F401  (fixtures)
from tests.complaints.conftest import FILING
from tests.complaints.test_filing import receipt_of, send, start
from tests.conftest import post_form
from tests.fees.conftest import demo_fees, make_tariff  # noqa: F401  (fixtures)

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def fees(app, demo_fees):  # noqa: F811
    return app


@pytest.fixture
def demo_fees_loader():
    def load(app):
        with app.app_context():
            demo.load(utcnow())
            db.session.commit()
    return load


def _behind_its_back(app, name_en):
    """Rename a fee item without the portal's session: the cache cannot know."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE fee_items SET name_en = :name WHERE code = 'HIGH-REL'"),
                           {"name": name_en})


def _generation(app):
    with app.app_context():
        return public_changes.current()[0]


def test_an_anonymous_page_is_kept_until_something_public_changes(fees, client):
    first = client.get("/fees/", headers=EN)
    assert first.status_code == 200
    _behind_its_back(fees, "Renamed quietly")
    kept = client.get("/fees/", headers=EN)
    assert kept.get_data() == first.get_data()
    assert "Renamed quietly" not in kept.get_data(as_text=True)
    with fees.app_context():  # a change through the portal: the counter moves
        db.session.add(FeeItem(code="NEW-FEE", name_zh="新收费", name_en="A new charge",
                               amount=Decimal("2.00"), status=FeeStatus.ACTIVE,
                               basis_number="n", basis_title="t"))
        db.session.commit()
    fresh = client.get("/fees/", headers=EN).get_data(as_text=True)
    assert "A new charge" in fresh and "Renamed quietly" in fresh


def test_work_outside_the_session_says_so_itself(fees, client):
    client.get("/fees/", headers=EN)
    _behind_its_back(fees, "Renamed by a script")
    assert "Renamed by a script" not in client.get("/fees/", headers=EN).get_data(as_text=True)
    with fees.app_context():
        public_changes.changed()
        db.session.commit()
    assert "Renamed by a script" in client.get("/fees/", headers=EN).get_data(as_text=True)


def test_validators_and_conditional_requests(fees, client):
    page = client.get("/tariffs/", headers=ZH)
    assert page.headers["Cache-Control"] == "public, no-cache"
    assert {"Accept-Language", "Cookie"} <= set(page.vary)
    assert page.headers["ETag"] and page.last_modified is not None
    assert "Set-Cookie" not in page.headers
    again = client.get("/tariffs/", headers={**ZH, "If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    since = client.get("/tariffs/", headers={
        **ZH, "If-Modified-Since": page.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get("/tariffs/", headers={**EN, "If-None-Match": page.headers["ETag"]})
    assert other.status_code == 200  # the English page is another page
    head = client.head("/tariffs/", headers=ZH)
    assert head.status_code == 200 and head.headers["ETag"] == page.headers["ETag"]


def test_a_proxy_may_be_allowed_to_be_late(make_app, demo_fees_loader):
    app = make_app(PAGE_CACHE_MAX_AGE=60)
    demo_fees_loader(app)
    assert app.test_client().get("/fees/").headers["Cache-Control"] == "public, max-age=60"


def test_never_one_language_for_another(fees, client):
    chinese = client.get("/tariffs/", headers=ZH).get_data(as_text=True)
    english = client.get("/tariffs/", headers=EN).get_data(as_text=True)
    assert 'lang="zh-Hans-CN"' in chinese and 'lang="en"' in english
    switched = client.get("/tariffs/?lang=en", headers=ZH)  # the session now says English
    assert 'lang="en"' in switched.get_data(as_text=True)
    assert 'lang="en"' in client.get("/tariffs/", headers=ZH).get_data(as_text=True)
    other = fees.test_client()
    assert 'lang="zh-Hans-CN"' in other.get("/tariffs/", headers=ZH).get_data(as_text=True)


def test_never_a_staff_view_for_the_public_nor_the_public_view_for_staff(
        fees, client, make_user, auth):
    public = client.get("/fees/", headers=EN).get_data(as_text=True)
    make_user("kept", role="admin")
    auth.login("kept")
    signed_in = client.get("/fees/", headers=EN)
    assert signed_in.headers["Cache-Control"] == "no-store"
    assert "Log out" in signed_in.get_data(as_text=True) and "Log out" not in public
    anonymous = fees.test_client().get("/fees/", headers=EN).get_data(as_text=True)
    assert "Log out" not in anonymous and "kept" not in anonymous


def test_never_a_draft_and_never_late_after_a_publication(fees, client, make_tariff):  # noqa: F811
    make_tariff("T-CACHE", start=date(2020, 1, 1))
    before = client.get("/tariffs/T-CACHE/history?lang=en").get_data(as_text=True)
    assert before.count("/tariffs/T-CACHE/versions/") == 1
    number = make_tariff("T-CACHE", start=date(2024, 1, 1), publish=False)  # a draft
    drafted = client.get("/tariffs/T-CACHE/history?lang=en").get_data(as_text=True)
    assert f"/tariffs/T-CACHE/versions/{number}" not in drafted
    with fees.app_context():
        tariff = services.get_tariff("T-CACHE")
        version = next(v for v in tariff.versions if v.number == number)
        services.publish_version(version, None, utcnow())
        db.session.commit()
    after = client.get("/tariffs/T-CACHE/history?lang=en").get_data(as_text=True)
    assert f"/tariffs/T-CACHE/versions/{number}" in after


def test_private_writes_leave_the_pages_alone(fees, client, make_user, auth):
    client.get("/fees/", headers=EN)
    counter = _generation(fees)
    make_user("someone", role="staff")  # users are private
    other = fees.test_client()
    post_form(other, "/complaints/new", {})  # refused: nothing written
    assert _generation(fees) == counter


def test_a_message_waiting_in_the_session_is_never_lost(fees, client):
    client.get("/fees/", headers=EN)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this reader")]
    page = client.get("/fees/", headers=EN).get_data(as_text=True)
    assert "A message for this reader" in page


def test_what_is_not_kept(fees, client):
    bad = client.get("/tariffs/?on=not-a-date", headers=EN)
    assert bad.status_code == 400 and "ETag" not in bad.headers
    missing = client.get("/tariffs/NO-SUCH", headers=EN)
    assert missing.status_code == 404
    track = client.get("/complaints/track", headers=EN)
    assert track.headers["Cache-Control"] == "no-store"  # not a cacheable page


def test_each_day_is_another_page(fees, client, monkeypatch):
    client.get("/fees/", headers=EN)
    _behind_its_back(fees, "Renamed overnight")
    assert "Renamed overnight" not in client.get("/fees/", headers=EN).get_data(as_text=True)
    monkeypatch.setattr(page_cache, "local_today", lambda: date(2999, 1, 1))
    assert "Renamed overnight" in client.get("/fees/", headers=EN).get_data(as_text=True)


def test_an_unreachable_cache_server_means_no_cache(make_app, demo_fees_loader, caplog):
    app = make_app(CACHE_REDIS_URL="redis://127.0.0.1:9/0")  # nothing listens there
    demo_fees_loader(app)
    client = app.test_client()
    assert client.get("/fees/", headers=EN).status_code == 200
    _behind_its_back(app, "Changed while Redis was down")
    page = client.get("/fees/", headers=EN)
    assert page.status_code == 200
    assert "Changed while Redis was down" in page.get_data(as_text=True)
    assert "cache unavailable" in caplog.text


def test_switched_off(make_app, demo_fees_loader):
    app = make_app(PAGE_CACHE=False)
    demo_fees_loader(app)
    client = app.test_client()
    client.get("/fees/", headers=EN)
    _behind_its_back(app, "Seen at once")
    assert "Seen at once" in client.get("/fees/", headers=EN).get_data(as_text=True)


def _file(app, key, publish=False):
    with app.app_context():
        receipt = complaint_services.submit_complaint(
            complaint_services.Filing(**FILING), key, utcnow())
        receipt.complaint.consent_publish = True
        if publish:
            complaint_services.approve_summary(receipt.complaint, None, "营业厅多收了费用。",
                                               utcnow())
        db.session.commit()
        return receipt.complaint.id


def test_filing_and_handling_an_unlisted_case_leaves_the_pages_alone(app, client):
    _file(app, "listed", publish=True)
    client.get("/complaints/public", headers=EN)
    counter = _generation(app)
    complaint_id = _file(app, "private")
    with app.app_context():  # handled while nobody sees it publicly
        complaint = db.session.get(Complaint, complaint_id)
        complaint.events.append(ComplaintEvent(kind=EventKind.STATUS, actor_kind=ActorKind.STAFF,
                                               created_at=utcnow()))
        db.session.commit()
    assert _generation(app) == counter


def test_a_listed_case_and_its_public_events_change_the_public_list(app, client):
    _file(app, "first", publish=True)
    assert "1 case" in client.get("/complaints/public", headers=EN).get_data(as_text=True)
    _file(app, "second", publish=True)
    assert "2 cases" in client.get("/complaints/public", headers=EN).get_data(as_text=True)
    counter = _generation(app)
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.listed_at.is_not(None)))
        complaint.events.append(ComplaintEvent(kind=EventKind.NOTE, actor_kind=ActorKind.STAFF,
                                               created_at=utcnow()))
        db.session.commit()  # an internal note: nothing public
        assert _generation(app) == counter
        complaint.events.append(ComplaintEvent(kind=EventKind.STATUS, actor_kind=ActorKind.STAFF,
                                               created_at=utcnow()))
        db.session.commit()
    assert _generation(app) == counter + 1


def test_a_page_with_a_form_is_never_kept(make_app):
    from flask import render_template_string

    from portal.accounts.roles import open_to_all

    app = make_app()

    @open_to_all
    @page_cache.cacheable
    def with_a_form():
        return render_template_string("<p>{{ csrf_token() }}</p>")

    app.add_url_rule("/with-a-form", view_func=with_a_form)
    first, second = app.test_client(), app.test_client()
    mine = first.get("/with-a-form")
    theirs = second.get("/with-a-form")
    assert "ETag" not in mine.headers and mine.get_data() != theirs.get_data()
    again = first.get("/with-a-form")  # the session already holds the token now
    assert "ETag" not in again.headers


def test_the_host_and_scheme_are_part_of_the_address(fees, client):
    """Links in feeds and the API name the host when PORTAL_PUBLIC_URL does not: a request
    with another Host header must not leave its links for the next reader."""
    client.get("/tariffs/feed.atom", headers={"Host": "evil.example"})
    client.get("/api/v1/tariffs?lang=en", headers={"Host": "evil.example"})
    assert "evil.example" not in client.get("/tariffs/feed.atom").get_data(as_text=True)
    answer = client.get("/api/v1/tariffs?lang=en")
    assert "evil.example" not in answer.get_data(as_text=True)
    assert "evil.example" not in answer.headers.get("Link", "")


def test_the_order_of_the_query_does_not_make_another_page(fees, client):
    client.get("/tariffs/?lang=en&on=2024-06-01")
    _behind_its_back(fees, "Renamed behind")
    with fees.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE tariffs SET name_en = 'Changed behind'"))
    page = client.get("/tariffs/?on=2024-06-01&lang=en").get_data(as_text=True)
    assert "Changed behind" not in page


def test_a_restored_backup_never_meets_the_pages_of_the_future_it_forgot(fees, client):
    """The counter goes back when a backup is restored; pages are also keyed on the moment
    of the last change, so those built after the backup are never served again."""
    with fees.app_context():
        generation, moment = public_changes.current()
    _behind_its_back(fees, "In the future")
    with fees.app_context(), db.engine.begin() as connection:  # changed after the backup
        connection.execute(sa.text("UPDATE public_changes SET generation = generation + 1, "
                                   "changed_at = :at"), {"at": utcnow()})
    assert "In the future" in client.get("/fees/", headers=EN).get_data(as_text=True)
    _behind_its_back(fees, "Restored")  # the backup comes back, counter and all
    with fees.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE public_changes SET generation = :g, changed_at = :at"),
                           {"g": generation, "at": moment})
    _behind_its_back(fees, "Changed after the restore")
    with fees.app_context(), db.engine.begin() as connection:  # the same number again
        connection.execute(sa.text("UPDATE public_changes SET generation = generation + 1, "
                                   "changed_at = :at"), {"at": utcnow()})
    page = client.get("/fees/", headers=EN).get_data(as_text=True)
    assert "Changed after the restore" in page and "In the future" not in page


def test_a_savepoint_neither_hides_nor_announces_a_change(fees, client):
    client.get("/fees/", headers=EN)
    counter = _generation(fees)
    with fees.app_context():
        item = db.session.scalar(sa.select(FeeItem).where(FeeItem.code == "HIGH-REL"))
        item.name_en = "Renamed around a savepoint"
        db.session.flush()
        savepoint = db.session.begin_nested()
        savepoint.rollback()  # nothing public in it; the rename before it still counts
        assert _generation(fees) == counter
        db.session.commit()
    assert _generation(fees) == counter + 1
    assert "Renamed around a savepoint" in client.get("/fees/", headers=EN).get_data(
        as_text=True)


def test_a_status_change_of_an_unlisted_case_is_private(app, client):
    complaint_id = _file(app, "unlisted")
    counter = _generation(app)
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        complaint_services.change_status(complaint, ComplaintStatus.ACCEPTED, ActorKind.STAFF,
                                         utcnow())
        db.session.commit()
    assert _generation(app) == counter


def test_a_page_needing_no_database_answers_while_it_is_down(fees, client, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("the database does not answer"))

    monkeypatch.setattr(public_changes, "_reader", unreachable)
    page = client.get("/about", headers=EN)
    assert page.status_code == 200 and "ETag" not in page.headers


def test_text_that_writes_counts_as_a_change():
    for statement in ("WITH x AS (SELECT 1) UPDATE tariffs SET code = code",
                      "/* note */ UPDATE tariffs SET code = code", "TRUNCATE tariffs",
                      "-- note\nDELETE FROM tariffs", "REPLACE INTO tariffs VALUES (1)"):
        assert public_changes._table_of(sa.text(statement)) is not None, statement
    for statement in ("SELECT 1", "SELECT updated_at FROM tariffs", "SET LOCAL x = 1"):
        assert public_changes._table_of(sa.text(statement)) is None, statement
    assert public_changes._table_of(sa.text("UPDATE users SET x = 1")) == "users"


def test_a_deployment_is_a_change_for_conditional_requests(fees, client):
    page = client.get("/fees/", headers=EN)
    built = fees.extensions[page_cache.EXTENSION][1]
    assert page.last_modified >= built.replace(microsecond=0)


def test_a_case_listed_meanwhile_by_another_request_still_counts(app, client):
    """The session read the case unlisted; another request listed it before this one
    commits its status change: the database has the last word (a recheck at the commit)."""
    complaint_id = _file(app, "raced")
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        assert complaint.listed_at is None
        with db.engine.begin() as other:  # the other request's approval, committed first
            other.execute(sa.text(
                "UPDATE complaints SET consent_publish = :yes, summary_approved_at = :now, "
                "public_id = 'RACE0001', public_summary = 'x', listed_at = :now WHERE id = :id"),
                {"yes": True, "now": utcnow(), "id": complaint_id})
        counter = _generation(app)
        complaint_services.change_status(complaint, ComplaintStatus.ACCEPTED, ActorKind.STAFF,
                                         utcnow())
        db.session.commit()
    assert _generation(app) == counter + 1


def test_kept_counts_follow_a_restored_backup(app, client):
    """Counts derived from the public data are keyed on its whole state, like the pages."""
    _file(app, "one", publish=True)
    with app.app_context():
        generation, _moment = public_changes.current()
    assert "1 case" in client.get("/complaints/public?lang=en").get_data(as_text=True)
    _file(app, "two", publish=True)
    assert "2 cases" in client.get("/complaints/public?lang=en").get_data(as_text=True)
    with app.app_context(), db.engine.begin() as connection:  # restored: one case, counter back
        connection.execute(sa.text("DELETE FROM complaint_events WHERE complaint_id IN "
                                   "(SELECT id FROM complaints WHERE submission_digest <> "
                                   "(SELECT min(submission_digest) FROM complaints))"))
        connection.execute(sa.text("DELETE FROM complaints WHERE id <> (SELECT min(id) FROM "
                                   "complaints)"))
        connection.execute(sa.text("UPDATE public_changes SET generation = :g, changed_at = :at"),
                           {"g": generation + 1, "at": utcnow()})  # then a change: same number
    page = client.get("/complaints/public?lang=en&page=1").get_data(as_text=True)
    assert "1 case" in page and "2 cases" not in page


def test_repeated_parameters_keep_their_order(fees, client):
    first = client.get("/tariffs/?on=2024-06-01&on=2020-01-01&lang=en").get_data(as_text=True)
    second = client.get("/tariffs/?on=2020-01-01&on=2024-06-01&lang=en").get_data(as_text=True)
    assert ("2024" in first) and (first != second)


def test_schema_statements_are_not_public_changes():
    for statement in ("DROP TABLE IF EXISTS alembic_version", "CREATE INDEX ix ON t (c)",
                      "ALTER TABLE t ADD COLUMN c INTEGER"):
        assert public_changes._table_of(sa.text(statement)) is None, statement


def _rendered(app, client, url):
    """The answer, and the templates rendered for it (none: a kept page)."""
    seen = []

    def note(_sender, template, **_extra):
        seen.append(template.name)
    with template_rendered.connected_to(note, app):
        response = client.get(url)
    return response, seen


def _token(response):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))[1]


@pytest.mark.parametrize("url", ["/complaints/new?lang=en", "/complaints/track?lang=en",
                                 "/fees/check?lang=en"])
def test_a_form_page_is_kept_and_each_visitor_gets_its_own_token(fees, url):
    first_visitor, second_visitor = fees.test_client(), fees.test_client()
    first = first_visitor.get(url)
    second, rendered = _rendered(fees, second_visitor, url)
    assert first.status_code == second.status_code == 200
    assert rendered == []
    assert _token(first) != _token(second)
    for visitor, page in ((first_visitor, first), (second_visitor, second)):
        assert "pcfill" not in page.get_data(as_text=True)
        assert page.headers["Cache-Control"] == "no-store"
        assert "ETag" not in page.headers
        assert "session=" in page.headers["Set-Cookie"]  # the token's other half
        with visitor.session_transaction() as kept:
            assert kept["csrf_token"]


def test_a_complaint_filed_from_a_kept_form_gets_its_receipt_and_code(fees):
    fees.test_client().get("/complaints/new?lang=en")  # kept by another visitor
    visitor = fees.test_client()
    response, fields = send(visitor)
    assert response.status_code == 201
    assert receipt_of(response)[1]  # the code is shown: the form was given to this browser
    other = start(fees.test_client())
    assert other["submission_key"] != fields["submission_key"]


def test_a_form_page_not_kept_still_gets_a_real_token(fees):
    visitor = fees.test_client()
    page = visitor.get("/fees/check?lang=en&bill_date=1900-01-01")
    assert "pcfill" not in page.get_data(as_text=True)
    with visitor.session_transaction() as kept:
        assert kept["csrf_token"]
    assert post_form(visitor, "/fees/check?lang=en", {"bill_date": "bad"}).status_code == 400


def _meeting_in(app, delay):
    with app.app_context():
        found = meetings.create_meeting(meetings.MeetingData(
            utcnow() + delay, "示范会议室", "1. 审议电费投诉"), None)
        db.session.commit()
        return found.id


def test_a_page_that_changes_with_time_is_kept_no_longer(app, committee):  # noqa: F811
    later = _meeting_in(app, timedelta(hours=2))
    client = app.test_client()
    for url in (f"/committee/meetings/{later}?lang=en", "/committee/?lang=en",
                "/committee/meetings/?lang=en"):
        first = client.get(url)
        kept, rendered = _rendered(app, client, url)
        assert first.status_code == kept.status_code == 200
        assert rendered == [], url
        assert kept.last_modified is not None
    # A meeting that begins within the second: its page (and the lists showing it as the next
    # meeting) are not kept at all, or they would still announce it after it began.
    soon = _meeting_in(app, timedelta(milliseconds=500))
    for url in (f"/committee/meetings/{soon}?lang=en", "/committee/?lang=en"):
        client.get(url)
        _kept, rendered = _rendered(app, client, url)
        assert rendered != [], url


@pytest.mark.parametrize("url", [
    "/committee/?lang=en", "/committee/seats", "/committee/members", "/committee/decisions/",
    "/committee/notices/", "/committee/decisions/feed.atom", "/committee/meetings.ics",
    "/api/v1/committee", "/api/v1/decisions", "/api/v1/notices", "/transparency/",
    "/transparency/checkpoints.atom", "/api/v1/transparency/entries", "/api/v1/transparency/key",
    "/api/v1/transparency/checkpoints", "/api/", "/api/openapi.json",
    "/open311/v2/discovery.json", "/open311/v2/services.json", "/open311/v2/requests.json"])
def test_the_committee_the_record_and_open311_are_kept_for_anonymous_readers(
        app, committee, url):  # noqa: F811
    client = app.test_client()
    first = client.get(url)
    kept, rendered = _rendered(app, client, url)
    assert first.status_code == kept.status_code == 200, url
    assert kept.get_data() == first.get_data()
    assert "ETag" in kept.headers and "Set-Cookie" not in kept.headers
    assert rendered == []


def test_the_counter_is_read_through_one_engine_made_once(app):
    """Each ``execution_options`` makes an engine and registers listeners: once per app, not
    once per request."""
    with app.app_context():
        assert public_changes._reader() is public_changes._reader()


def test_a_proxy_may_not_keep_a_page_past_the_moment_it_changes(app, committee):  # noqa: F811
    app.config["PAGE_CACHE_MAX_AGE"] = 600
    soon = _meeting_in(app, timedelta(seconds=100))
    page = app.test_client().get(f"/committee/meetings/{soon}", headers=EN)
    seconds = int(page.headers["Cache-Control"].split("max-age=")[1])
    assert 0 < seconds <= 100
    assert app.test_client().get("/committee/seats", headers=EN).headers[
        "Cache-Control"] == "public, max-age=600"


def test_the_next_meeting_can_be_asked_outside_a_request(app, committee):  # noqa: F811
    _meeting_in(app, timedelta(hours=2))
    with app.app_context():
        assert len(meetings.upcoming(utcnow())) == 1


def test_the_api_reference_page_says_how_it_may_be_kept(client):
    page = client.get("/api/", headers=EN)
    assert page.headers["Cache-Control"] == "public, no-cache" and "ETag" in page.headers


@pytest.mark.parametrize("path", ["/open311/v2/discovery.json", "/open311/v2/services.json"])
def test_an_open311_read_with_a_key_is_never_kept_by_anyone(app, path):
    client = app.test_client()
    first = client.get(path, query_string={"api_key": "made-up"})
    again = client.get(f"{path}?api_key=made-up")
    assert first.headers["Cache-Control"] == "private, no-store"
    assert again.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in again.headers


@pytest.mark.parametrize("url", ["/complaints/new?description=我家电表走得太快",
                                 "/complaints/track?number=TS-2026-000001",
                                 "/fees/check?tariff=RES-TOU-ZJ&peak_kwh=120&valley_kwh=80"])
def test_a_form_filled_from_a_link_is_built_for_its_visitor_alone(fees, url):
    client = fees.test_client()
    client.get(url)
    again, rendered = _rendered(fees, fees.test_client(), url)
    assert again.status_code == 200 and rendered != []


def test_api_answers_kept_are_never_late_after_a_publication(fees):
    for url in ("/api/v1/fees", "/open311/v2/services.json"):
        answer = fees.test_client().get(url)
        assert answer.headers["Cache-Control"] == "public, no-cache", url


def test_a_kept_page_that_sets_a_cookie_is_not_public(fees):
    fees.test_client().get("/tariffs/", headers=EN)  # kept
    switched = fees.test_client().get("/tariffs/?lang=en")  # a new session: a cookie
    assert "Set-Cookie" in switched.headers
    assert switched.headers["Cache-Control"] == "private, no-cache"


def test_nothing_is_kept_in_debug_mode(fees):
    fees.debug = True
    client = fees.test_client()
    client.get("/fees/", headers=EN)
    _again, rendered = _rendered(fees, client, "/fees/")
    assert rendered != []
