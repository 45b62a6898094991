"""POST requests: a partner files a complaint with its key, through the form's rules."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from portal.complaints import services
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.core import protection
from portal.core.models import utcnow
from portal.extensions import db
from portal.open311 import keys
from tests.complaints.conftest import open_case
from tests.open311.conftest import BASE, GOOD, complaint, stored


def _post(client, data, fmt="json", **kwargs):
    return client.post(f"{BASE}/requests.{fmt}", data=data, **kwargs)


def test_a_partner_files_a_complaint_and_gets_its_number_and_code_once(app, client, key):
    response = _post(client, {"api_key": key, **GOOD, "attribute[type]": "report",
                              "first_name": "三", "last_name": "张", "phone": "13800000000",
                              "attribute[consent_contact]": "yes",
                              "attribute[consent_publish]": "yes",
                              "address_string": "滨河路 1 号（虚构）"})
    assert response.status_code == 201
    assert response.content_type == "application/json; charset=utf-8"
    [answer] = response.get_json()
    number, code = answer["service_request_id"], answer["secret_code"]
    assert number.startswith("TS-") and len(code) == 19
    case = complaint(app, number)
    assert (case.category_code, case.district_code, case.type.value) == (
        "BIZ-FEE", "CENTRAL", "report")
    assert case.subject == GOOD["description"][:40]  # no subject given: the description's start
    assert case.consent_contact and case.consent_publish
    assert case.location == "滨河路 1 号（虚构）"
    assert case.api_key_id is not None
    with app.app_context():
        # The complainant follows it with the code, as if filed on the portal.
        assert services.find_for_tracking(number, code) is not None
        found = services.find_by_number(number)
        assert protection.decrypt(found.contact_name_enc) == "张三"
        assert protection.decrypt(found.contact_phone_enc) == "13800000000"


def test_the_channel_shows_in_the_staff_inbox_and_on_the_case(app, client, key, auth,
                                                             make_user):
    number = _post(client, {"api_key": key, **GOOD}).get_json()[0]["service_request_id"]
    make_user("alice", "staff")
    auth.login()
    inbox = client.get("/staff/complaints/").get_data(as_text=True)
    assert "12345 市民热线" in inbox
    case = client.get(f"/staff/complaints/{number}").get_data(as_text=True)
    assert "12345 市民热线" in case
    web = client.get("/staff/complaints/?channel=web&status=all").get_data(as_text=True)
    assert number not in web
    with app.app_context():
        key_id = complaint(app, number).api_key_id
    partner = client.get(f"/staff/complaints/?channel={key_id}&status=all")
    assert number in partner.get_data(as_text=True)


def test_a_retry_with_the_same_idempotency_key_files_once_and_answers_the_same(app, client,
                                                                             key):
    # The first answer may have been lost on the way: the retry gets it again, code included.
    first = _post(client, {"api_key": key, **GOOD}, headers={"Idempotency-Key": "call-77"})
    again = _post(client, {"api_key": key, **GOOD}, headers={"Idempotency-Key": "call-77"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()[0]["service_request_id"] == again.get_json()[0]["service_request_id"]
    assert again.get_json()[0]["secret_code"] == first.get_json()[0]["secret_code"]
    assert first.headers["Cache-Control"] == again.headers["Cache-Control"] == "no-store"
    assert stored(app)[0] == 1


def test_an_idempotency_key_used_again_for_another_complaint_is_409(app, client, key):
    _post(client, {"api_key": key, **GOOD}, headers={"Idempotency-Key": "call-78"})
    other = _post(client, {"api_key": key, **GOOD, "description": "另一件事：抄表员未出示证件。"},
                  headers={"Idempotency-Key": "call-78", "Accept-Language": "en"})
    assert other.status_code == 409
    assert "Idempotency-Key" in other.get_json()[0]["description"]
    assert stored(app)[0] == 1


@pytest.mark.parametrize(("body", "content_type"), [
    ("description=%B1%E0%C2%EB".encode("ascii"), "application/x-www-form-urlencoded"),
    ("description=编码".encode("gbk"), "application/x-www-form-urlencoded; charset=GBK"),
    (b'{"description": "x"}', "application/json"),
    (b"description=x", "text/plain"),
])
def test_a_body_that_is_no_utf8_form_is_415_and_files_nothing(app, client, key, body,
                                                              content_type):
    # A legacy system sending GBK would otherwise have its text filed as %B1%E0...
    response = client.post(f"{BASE}/requests.json?api_key={key}", data=body,
                           content_type=content_type, headers={"Accept-Language": "en"})
    assert response.status_code == 415
    assert "UTF-8" in response.get_json()[0]["description"]
    assert stored(app)[0] == 0


def test_the_key_may_come_in_the_query_string(client, key):
    response = client.post(f"{BASE}/requests.json?api_key={key}", data=GOOD)
    assert response.status_code == 201


def test_how_the_fields_are_kept(app, client, key):
    number = _post(client, {
        "api_key": key, **GOOD, "first_name": "小明", "last_name": "王",
        "address_string": "滨河路 1 号", "lat": "30.25", "long": "120.16",
        "attribute[occurred_on]": "2026-11-20T16:30:00Z",  # 00:30 on the 21st in Beijing
        "description": "第一行\r\n" + "长" * 3990}).get_json()[0]["service_request_id"]
    case = complaint(app, number)
    with app.app_context():
        assert protection.decrypt(case.contact_name_enc) == "王小明"
    assert case.location == "滨河路 1 号 (30.25000, 120.16000)"
    assert case.occurred_on.isoformat() == "2026-11-21"
    assert "\r" not in case.description  # a CRLF counts as one character, as in the browser


def test_another_partners_idempotency_key_is_its_own(app, client, make_key):
    one, _ = make_key("one")
    two, _ = make_key("two", channel="市民 App")
    for key in (one, two):
        assert _post(client, {"api_key": key, **GOOD},
                     headers={"Idempotency-Key": "same"}).status_code == 201
    assert stored(app)[0] == 2


def test_xml_answer_has_the_specifications_elements(client, key):
    response = _post(client, {"api_key": key, **GOOD}, fmt="xml")
    assert response.status_code == 201
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(response.data)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    assert request.findtext("service_request_id", "").startswith("TS-")
    assert request.findtext("service_notice")


@pytest.mark.parametrize(("data", "status", "says"), [
    ({}, 403, "api_key"),
    ({"api_key": "ops_" + "x" * 43}, 403, "not valid"),
    ({"api_key": "KEY", "service_code": "NOPE"}, 400, "NOPE"),
    ({"api_key": "KEY", "attribute[district]": "MARS"}, 400, "MARS"),
    ({"api_key": "KEY", "attribute[type]": "praise"}, 400, "praise"),
    ({"api_key": "KEY", "attribute[colour]": "red"}, 400, "attribute[colour]"),
    ({"api_key": "KEY", "description": "长" * 4001}, 400, "4,000"),
    ({"api_key": "KEY", "description": ""}, 400, "description"),
    ({"api_key": "KEY", "service_code": ""}, 400, "service_code"),
    ({"api_key": "KEY", "attribute[district]": ""}, 400, "attribute[district]"),
    ({"api_key": "KEY", "email": "not-an-address"}, 400, "email"),
    ({"api_key": "KEY", "phone": "12"}, 400, "phone"),
    ({"api_key": "KEY", "attribute[account_number]": "12ab"}, 400, "account_number"),
    ({"api_key": "KEY", "attribute[occurred_on]": "yesterday"}, 400, "occurred_on"),
    ({"api_key": "KEY", "lat": "91", "long": "120"}, 400, "lat"),
    ({"api_key": "KEY", "lat": "30"}, 400, "lat"),
    ({"api_key": "KEY", "media_url": "http://example.com/a.jpg"}, 400, "media_url"),
    ({"api_key": "KEY", "attribute[consent_contact]": "yes"}, 400, "phone number"),
    ({"api_key": "KEY", "jurisdiction_id": "elsewhere.example"}, 404, "localhost"),
    ({"api_key": "KEY", "colour": "red"}, 400, "colour"),
    ({"api_key": "KEY", "description": "a\x00b"}, 400, "description"),
])
def test_bad_requests_are_refused_in_the_open311_format_and_nothing_is_written(
        app, client, key, data, status, says):
    before = stored(app)
    sent = {**GOOD, **data}
    if sent.get("api_key") == "KEY":
        sent["api_key"] = key
    for name, value in data.items():
        if value == "" and name in sent:
            del sent[name]
    if not data:
        sent.pop("api_key", None)
    response = _post(client, sent, headers={"Accept-Language": "en"})
    assert response.status_code == status
    errors = response.get_json()
    assert isinstance(errors, list) and errors
    assert all(set(error) == {"code", "description"} for error in errors)
    assert errors[0]["code"] == status
    assert any(says in error["description"] for error in errors), errors
    assert stored(app) == before


def test_errors_are_translated(client, key):
    response = _post(client, {"api_key": key, **GOOD, "attribute[district]": "MARS"},
                     headers={"Accept-Language": "zh-CN"})
    assert "不是" in response.get_json()[0]["description"]


def test_a_revoked_key_is_refused_at_once(app, client, make_key, runner):
    key, _key_id = make_key("gone")
    assert _post(client, {"api_key": key, **GOOD}).status_code == 201
    result = runner.invoke(args=["apikeys", "revoke", "gone"])
    assert result.exit_code == 0, result.output
    response = _post(client, {"api_key": key, **GOOD}, fmt="xml")
    assert response.status_code == 403
    root = ElementTree.fromstring(response.data)
    assert root.tag == "errors"
    assert root.find("error/code").text == "403"
    assert stored(app)[0] == 1


def test_each_request_with_a_key_is_counted_refused_ones_too(app, client, make_key):
    key, key_id = make_key()
    _post(client, {"api_key": key, **GOOD})
    _post(client, {"api_key": key, **GOOD, "service_code": "NOPE"})
    client.get(f"{BASE}/requests.json", query_string={"api_key": key})
    from portal.open311.models import ApiKey
    with app.app_context():
        row = db.session.get(ApiKey, key_id)
        assert row.requests == 3 and row.last_used_at is not None


def test_each_key_has_its_own_rate_limit(make_app, tmp_path):
    app = make_app(RATELIMIT_ENABLED=True, OPEN311_KEY_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        _row, one = keys.create("one", "甲", "甲渠道", utcnow())
        _row, two = keys.create("two", "乙", "乙渠道", utcnow(), "5 per minute")
        db.session.commit()
    answers = [_post(client, {"api_key": one, **GOOD}).status_code for _ in range(3)]
    assert answers == [201, 201, 429]
    refused = _post(client, {"api_key": one, **GOOD}, fmt="xml")
    assert refused.status_code == 429
    assert ElementTree.fromstring(refused.data).find("error/code").text == "429"
    assert "Retry-After" in refused.headers
    # The other key has its own count (and a limit of its own).
    assert [_post(client, {"api_key": two, **GOOD}).status_code for _ in range(3)] == [201] * 3


def test_the_answer_is_json_that_a_strict_parser_reads(client, key):
    response = _post(client, {"api_key": key, **GOOD})
    assert json.loads(response.data.decode("utf-8"))[0]["account_id"] is None


def test_text_xml_cannot_carry_is_refused_and_never_breaks_the_xml(app, client, key):
    # U+FFFF in a description would have been published and broken the XML feed for all.
    response = _post(client, {"api_key": key, **GOOD, "description": "柜台\uffff关闭"}, "xml")
    assert response.status_code == 400
    echoed = _post(client, {"api_key": key, **GOOD, "attribute[\x01]": "x",
                            "service_code": "\ufffe"}, "xml")
    assert echoed.status_code == 400
    ElementTree.fromstring(echoed.data)  # well-formed
    assert stored(app)[0] == 0


def test_files_and_oversized_bodies_are_refused_before_anything_is_read(app, client, key):
    with_file = client.post(f"{BASE}/requests.json", data={
        "api_key": key, **GOOD, "photo": (io.BytesIO(b"\x89PNG"), "a.png")},
        content_type="multipart/form-data")
    assert with_file.status_code == 415
    huge = client.post(f"{BASE}/requests.json", data={"api_key": key, **GOOD,
                                                      "device_id": "x" * 70_000})
    assert huge.status_code == 413
    assert huge.get_json()[0]["code"] == 413
    assert stored(app)[0] == 0


def test_a_flood_of_wrong_fields_gets_a_short_answer(client, key):
    fields = {f"wrong{index}": "1" for index in range(500)}
    response = _post(client, {"api_key": key, **GOOD, **fields})
    assert response.status_code == 400 and len(response.get_json()) == 20


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "20260101", "2026-W01-1",
                                   "2026-01-01 10:00:00Z", "2026-01-01T10:00:00+0800"])
def test_occurred_on_is_a_w3c_day_or_moment_within_the_portals_years(client, key, value):
    response = _post(client, {"api_key": key, **GOOD, "attribute[occurred_on]": value})
    assert response.status_code == 400, value
    assert "occurred_on" in response.get_json()[0]["description"]


def test_a_too_large_body_does_not_lift_the_keys_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, OPEN311_KEY_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        _row, one = keys.create("one", "甲", "甲渠道", utcnow())
        db.session.commit()
    assert [_post(client, {"api_key": one, **GOOD}).status_code for _ in range(3)] == [
        201, 201, 429]
    # Before: the limiter took the 413 raised while it read the key for its store failing,
    # and counted afresh in memory.
    assert _post(client, {"api_key": one, **GOOD, "device_id": "x" * 70_000}).status_code \
        in (413, 429)
    assert _post(client, {"api_key": one, **GOOD}).status_code == 429


def test_a_retry_a_day_later_files_nothing_and_gets_no_code(app, client, key, monkeypatch):
    first = _post(client, {"api_key": key, **GOOD}, headers={"Idempotency-Key": "call-79"})
    number = first.get_json()[0]["service_request_id"]
    with app.app_context():
        found = services.find_by_number(number)
        found.registered_at -= timedelta(days=1, minutes=1)
        db.session.commit()
    again = _post(client, {"api_key": key, **GOOD}, headers={"Idempotency-Key": "call-79",
                                                              "Accept-Language": "en"})
    assert again.status_code == 200
    [answer] = again.get_json()
    assert answer["service_request_id"] == number and answer["secret_code"] is None
    assert "no longer" in answer["service_notice"]


def test_the_complainant_sees_the_channel_the_case_came_through(client, key):
    answer = _post(client, {"api_key": key, **GOOD}).get_json()[0]
    opened = open_case(client, answer["service_request_id"], answer["secret_code"])
    assert opened.status_code == 302
    page = client.get(opened.headers["Location"])
    assert page.status_code == 200
    assert "12345 市民热线" in page.get_data(as_text=True)


def test_multipart_is_refused_so_that_no_charset_slips_through(app, client, key):
    # Werkzeug decodes multipart parts leniently: GBK text was filed as U+FFFD.
    body = (b"--X\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n"
            + "营业厅收费没有依据".encode("gbk") + b"\r\n--X--\r\n")
    response = client.post(f"{BASE}/requests.json?api_key={key}", data=body,
                           content_type="multipart/form-data; boundary=X")
    assert response.status_code == 415
    assert stored(app)[0] == 0


def test_a_chunked_body_is_bounded_too(app, client, key):
    body = urlencode({"api_key": key, **GOOD, "device_id": "a" * 70_000}).encode()
    response = client.post(f"{BASE}/requests.json", input_stream=io.BytesIO(body),
                           content_type="application/x-www-form-urlencoded",
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert stored(app)[0] == 0


def test_a_retry_after_the_case_moved_on_gets_no_code(app, client, key):
    first = _post(client, {"api_key": key, **GOOD}, headers={"Idempotency-Key": "call-80"})
    number, code = first.get_json()[0]["service_request_id"], first.get_json()[0]["secret_code"]
    with app.app_context():
        found = services.find_for_tracking(number, code)
        services.change_status(found, ComplaintStatus.WITHDRAWN, ActorKind.COMPLAINANT,
                               utcnow())
        db.session.commit()
    again = _post(client, {"api_key": key, **GOOD}, headers={"Idempotency-Key": "call-80"})
    assert again.status_code == 200 and again.get_json()[0]["secret_code"] is None


@pytest.mark.parametrize("change", [{"attribute[consent_publish]": "yes"},
                                    {"attribute[type]": "suggestion"}, {"phone": "13900000000"},
                                    {"attribute[subject]": "另一个标题"}])
def test_the_same_idempotency_key_with_any_other_field_is_409(client, key, change):
    _post(client, {"api_key": key, **GOOD}, headers={"Idempotency-Key": "call-81"})
    again = _post(client, {"api_key": key, **GOOD, **change},
                  headers={"Idempotency-Key": "call-81"})
    assert again.status_code == 409


def test_a_noncharacter_in_a_name_is_one_error_in_the_apis_words(client, key):
    response = _post(client, {"api_key": key, **GOOD, "first_name": "\U0001fffe"},
                     headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert [e["description"] for e in response.get_json()] == [
        "first_name: remove the control characters from it."]
