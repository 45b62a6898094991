"""Filing a complaint: form, check step, receipt, idempotency, bad input, faults, privacy."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from portal.complaints.models import Complaint, ComplaintEvent
from portal.extensions import db
from tests.complaints.conftest import form_fields

GOOD = {"type": "complaint", "category": "BIZ-FEE", "district": "CENTRAL",
        "subject": "被收取临时接电费", "description": "营业厅收取临时接电费 200 元，请退还。",
        "contact_name": "张三", "contact_phone": "13812345678",
        "contact_email": "zhang@example.com", "account_number": "3301234567",
        "consent_contact": "y"}


def start(client, lang="en"):
    page = client.get(f"/complaints/new?lang={lang}").get_data(as_text=True)
    return form_fields(page)


def check(client, data, lang="en"):
    fields = start(client, lang)
    return client.post(f"/complaints/new?lang={lang}", data={**fields, **data, "check": "1"})


def send(client, data=GOOD, lang="en"):
    response = check(client, data, lang)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    fields = form_fields(response.get_data(as_text=True))
    return client.post(f"/complaints/new/send?lang={lang}", data={**fields, "confirm": "1"}), fields


def receipt_of(response):
    page = response.get_data(as_text=True)
    number = re.search(r"TS-\d{4}-\d{6}", page).group(0)
    code = re.search(r'class="big code-display"[^>]*>([^<]+)<', page).group(1)
    return number, code


def count(app, model=Complaint):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_check_step_shows_everything_before_it_is_sent(app, client):
    response = check(client, GOOD)
    page = response.get_data(as_text=True)
    assert "Check your complaint" in page and "Nothing has been sent yet." in page
    assert "被收取临时接电费" in page and "13812345678" in page
    assert count(app) == 0


def test_filing_gives_a_tracking_number_and_a_code_shown_once(app, client):
    response, _fields = send(client)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    number, code = receipt_of(response)
    assert re.fullmatch(r"TS-20\d\d-000001", number)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    page = response.get_data(as_text=True)
    assert "this is the only time it is shown" in page
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        assert complaint.status.value == "registered"
        assert code.replace("-", "") not in complaint.code_hash
        assert [e.to_status.value for e in complaint.events] == ["registered"]


def test_a_second_complaint_gets_the_next_number(client):
    first, _ = receipt_of(send(client)[0])
    second, _ = receipt_of(send(client)[0])
    assert int(second[-6:]) == int(first[-6:]) + 1


def test_a_resubmitted_form_creates_one_complaint_with_the_same_receipt(app, client):
    response, fields = send(client)
    again = client.post("/complaints/new/send?lang=en", data={**fields, "confirm": "1"})
    assert again.status_code == 201
    assert receipt_of(again) == receipt_of(response)
    assert "Nothing was sent twice." in again.get_data(as_text=True)
    assert count(app) == 1


def test_change_something_goes_back_to_the_form_with_everything_kept(client):
    fields = form_fields(check(client, GOOD).get_data(as_text=True))
    page = client.post("/complaints/new/edit?lang=en", data={**fields, "edit": "1"}).get_data(
        as_text=True)
    assert "File a complaint" in page and 'value="被收取临时接电费"' in page


@pytest.mark.parametrize(("changes", "message"), [
    ({"subject": ""}, "This field is required."),
    ({"description": ""}, "This field is required."),
    ({"description": "长" * 4001}, "At most 4,000 characters."),
    ({"category": ""}, "Choose what it is about."),
    ({"category": "NOPE"}, "Not a valid choice."),
    ({"district": ""}, "Choose the district."),
    ({"contact_email": "not-an-email"}, "Enter an email address like name@example.com."),
    ({"contact_phone": "12"}, "Enter a phone number of 7 to 20 digits."),
    ({"account_number": "abc"}, "An account number has 6 to 30 digits."),
    ({"contact_phone": "", "contact_email": ""}, "Give a phone number or an email address"),
    ({"website": "http://spam.example"}, "Leave this field empty."),
    ({"occurred_on": "yesterday"}, "Not a valid date value."),
])
def test_bad_input_is_explained_keeps_what_was_typed_and_writes_nothing(app, client, changes,
                                                                        message):
    response = check(client, {**GOOD, **changes})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "营业厅收取临时接电费" in page or changes.get("description") is not None
    assert count(app) == 0


def test_errors_are_translated(client):
    response = check(client, {**GOOD, "subject": ""}, lang="zh")
    assert response.status_code == 400 and "此项为必填项。" in response.get_data(as_text=True)


def test_a_tampered_check_step_is_refused(app, client):
    fields = form_fields(check(client, GOOD).get_data(as_text=True))
    response = client.post("/complaints/new/send?lang=en",
                           data={**fields, "check_token": "forged", "confirm": "1"})
    assert response.status_code == 400 and count(app) == 0
    other = form_fields(check(client, GOOD).get_data(as_text=True))
    response = client.post("/complaints/new/send?lang=en",
                           data={**fields, "check_token": other["check_token"], "confirm": "1"})
    assert response.status_code == 400 and count(app) == 0


def test_an_expired_check_step_asks_to_check_again(app, client, monkeypatch):
    fields = form_fields(check(client, GOOD).get_data(as_text=True))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_000_000_000)
    fields["check_token"] = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="complaint-check").dumps(fields["submission_key"])
    monkeypatch.undo()
    response = client.post("/complaints/new/send?lang=en", data={**fields, "confirm": "1"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The check step has expired." in page and "被收取临时接电费" in page
    assert count(app) == 0


def test_missing_csrf_token(app, client):
    fields = form_fields(check(client, GOOD).get_data(as_text=True))
    fields.pop("csrf_token")
    assert client.post("/complaints/new/send", data={**fields, "confirm": "1"}).status_code == 400
    assert count(app) == 0


def test_a_database_failure_shows_an_error_and_no_tracking_number(app, client, monkeypatch):
    from portal.complaints import views

    def broken_commit():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk full"))

    fields = form_fields(check(client, GOOD).get_data(as_text=True))
    monkeypatch.setattr(views.db.session, "commit", broken_commit)
    response = client.post("/complaints/new/send?lang=en", data={**fields, "confirm": "1"})
    monkeypatch.undo()
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "could not be saved" in page and not re.search(r"TS-\d{4}-\d{6}", page)
    assert "被收取临时接电费" in page  # what they wrote, to copy
    assert count(app) == 0 and count(app, ComplaintEvent) == 0


def test_contact_details_are_encrypted_and_no_address_is_stored(app, client):
    send(client)
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM complaints")).mappings().all()
    raw = repr([dict(row) for row in rows])
    for secret in ("13812345678", "zhang@example.com", "张三", "3301234567", "127.0.0.1"):
        assert secret not in raw


def test_filing_is_rate_limited_only_for_sent_complaints(make_app):
    app = make_app(RATELIMIT_ENABLED=True, FILE_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for _ in range(3):
        assert check(client, GOOD).status_code == 200  # checking does not count
    assert send(client)[0].status_code == 201
    assert send(client)[0].status_code == 201
    response = check(client, GOOD)
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_concurrent_first_filings_of_a_year_get_distinct_numbers(app):
    """Several people filing at once, the first complaints of the year among them."""
    import threading

    from portal.complaints import services
    from portal.core.models import utcnow
    from tests.complaints.conftest import FILING

    numbers, errors = [], []
    barrier = threading.Barrier(6)

    def file(index):
        with app.app_context():
            barrier.wait()
            try:
                receipt = services.submit_complaint(services.Filing(**FILING),
                                                    f"concurrent-{index}", utcnow())
                db.session.commit()
                numbers.append(receipt.complaint.sequence)
            except Exception as error:
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=file, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_the_code_is_shown_again_only_to_the_browser_that_got_the_form(app, client):
    response, fields = send(client)
    _number, code = receipt_of(response)
    same_browser = client.post("/complaints/new/send?lang=en", data={**fields, "confirm": "1"})
    assert code in same_browser.get_data(as_text=True)
    other = app.test_client()
    other_fields = form_fields(check(other, GOOD).get_data(as_text=True))
    stolen = {**other_fields, "submission_key": fields["submission_key"]}
    stolen_check = other.post("/complaints/new?lang=en", data={**stolen, "check": "1"})
    refilled = form_fields(stolen_check.get_data(as_text=True))
    response = other.post("/complaints/new/send?lang=en", data={**refilled, "confirm": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 201 and code not in page
    assert "shown only once, in the browser that sent the complaint" in page
    assert count(app) == 1


def test_a_simultaneous_double_submit_shows_the_receipt_not_an_error(app, client, monkeypatch):
    from portal.complaints import services, views

    real = services.submit_complaint
    calls = []

    def racing(*args, **kwargs):
        receipt = real(*args, **kwargs)
        if not calls:  # the other request commits first; this one then hits the unique key
            calls.append(1)
            db.session.commit()
            raise sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))
        return receipt

    monkeypatch.setattr(views.services, "submit_complaint", racing)
    response, _fields = send(client)
    assert response.status_code == 201 and re.search(r"TS-\d{4}-\d{6}", response.get_data(
        as_text=True))
    assert count(app) == 1


def test_uploads_are_rate_limited(make_app):
    import io

    app = make_app(RATELIMIT_ENABLED=True, UPLOAD_RATE_LIMIT="2 per hour")
    client = app.test_client()
    from tests.complaints.test_attachments import PDF as pdf
    statuses = []
    for _ in range(3):
        fields = start(client)
        statuses.append(client.post("/complaints/new?lang=en", content_type="multipart/form-data",
                                    data={**fields, **GOOD, "check": "1",
                                          "attachments": [(io.BytesIO(pdf), "a.pdf")]}
                                    ).status_code)
    assert statuses == [200, 200, 429]
    assert check(client, GOOD).status_code == 200  # a complaint without files is not held back


def test_a_broken_image_is_a_clear_error(client):
    import io

    broken = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
    fields = start(client)
    response = client.post("/complaints/new?lang=en", content_type="multipart/form-data",
                           data={**fields, **GOOD, "check": "1",
                                 "attachments": [(io.BytesIO(broken), "x.png")]})
    assert response.status_code == 400
    assert "damaged or not really a JPEG or PNG" in response.get_data(as_text=True)


def test_a_spent_upload_limit_holds_back_only_requests_with_files(make_app):
    import io

    from tests.complaints.test_attachments import PDF

    app = make_app(RATELIMIT_ENABLED=True, UPLOAD_RATE_LIMIT="1 per hour")
    client = app.test_client()
    fields = start(client)
    checked = client.post("/complaints/new?lang=en", content_type="multipart/form-data",
                          data={**fields, **GOOD, "check": "1",
                                "attachments": [(io.BytesIO(PDF), "a.pdf")]})
    assert checked.status_code == 200
    # Sending the checked complaint carries no file: it goes through.
    sent = client.post("/complaints/new/send?lang=en",
                       data={**form_fields(checked.get_data(as_text=True)), "confirm": "1"})
    assert sent.status_code == 201
    # So does another complaint without files from the same address...
    assert send(client)[0].status_code == 201
    # ... while one more with files waits.
    again = client.post("/complaints/new?lang=en", content_type="multipart/form-data",
                        data={**start(client), **GOOD, "check": "1",
                              "attachments": [(io.BytesIO(PDF), "b.pdf")]})
    assert again.status_code == 429


@pytest.mark.parametrize("given", ["2025-06-01", "2025-13-01", "<script>", "1066-10-14"])
def test_a_link_may_fill_in_the_day_it_happened(client, given):
    """Check my bill links here with the bill's date; anything that is no date is left out."""
    page = client.get("/complaints/new", query_string={"occurred_on": given}).get_data(
        as_text=True)
    field = re.search(r'<input[^>]*name="occurred_on"[^>]*>', page).group(0)
    assert ('value="2025-06-01"' in field) == (given == "2025-06-01")
    assert "<script>" not in field
