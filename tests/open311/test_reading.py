"""Discovery, services, a service's definition and GET requests, in JSON and XML."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest

from portal.complaints import services
from portal.complaints.enums import ComplaintStatus
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import FILING
from tests.open311.conftest import BASE, GOOD

# The element names of the GeoReport v2 specification, per call.
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url"}


def _xml(response):
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.data)


def test_discovery_names_the_specification_the_endpoint_and_both_formats(client):
    answer = client.get(f"{BASE}/discovery.json").get_json()
    [endpoint] = answer["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert {e.tag for e in root} >= {"changeset", "contact", "key_service", "endpoints"}
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert set(formats) == {"text/xml", "application/json"}


def test_services_are_the_complaint_categories_with_metadata(client):
    services = client.get(f"{BASE}/services.json?lang=en").get_json()
    codes = {service["service_code"] for service in services}
    assert "BIZ-FEE" in codes and len(codes) == len(services)
    fee = next(s for s in services if s["service_code"] == "BIZ-FEE")
    assert fee["metadata"] is True and fee["type"] == "realtime"
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    first = root.find("service")
    assert {e.tag for e in first} == {"service_code", "service_name", "description",
                                      "metadata", "type", "keywords", "group"}
    assert first.findtext("metadata") == "true"


def test_a_service_definition_lists_the_district_as_a_single_value_list(client):
    definition = client.get(f"{BASE}/services/BIZ-FEE.json?lang=en").get_json()
    assert definition["service_code"] == "BIZ-FEE"
    district = next(a for a in definition["attributes"] if a["code"] == "district")
    assert district["datatype"] == "singlevaluelist" and district["required"] is True
    assert {"key": "CENTRAL", "name": "Central District"} in district["values"]
    kind = next(a for a in definition["attributes"] if a["code"] == "type")
    assert {v["key"] for v in kind["values"]} == {"complaint", "report", "suggestion"}
    account = next(a for a in definition["attributes"] if a["code"] == "account_number")
    assert account["datatype"] == "string" and account["required"] is False
    root = _xml(client.get(f"{BASE}/services/BIZ-FEE.xml"))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert {e.tag for e in attribute} == {"variable", "code", "datatype", "required",
                                          "datatype_description", "order", "description",
                                          "values"}
    assert root.find("attributes/attribute/values/value/key").text == "CENTRAL"


def test_only_published_cases_are_listed_with_their_public_number(app, client, publish, key):
    _number, public_id = publish()
    client.post(f"{BASE}/requests.json", data={"api_key": key, **GOOD})  # not published
    listed = client.get(f"{BASE}/requests.json").get_json()
    assert [row["service_request_id"] for row in listed] == [public_id]
    [row] = listed
    assert set(row) == REQUEST_FIELDS
    assert row["description"] == "营业厅收取临时接电费 200 元。"
    assert row["status"] == "open" and row["requested_datetime"].endswith("Z")
    root = _xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    assert {e.tag for e in root.find("request")} == REQUEST_FIELDS


def test_the_tracking_number_never_finds_a_published_case(client, publish):
    number, public_id = publish()
    assert client.get(f"{BASE}/requests/{public_id}.json").status_code == 200
    assert client.get(f"{BASE}/requests/{number}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json",
                      query_string={"service_request_id": number}).get_json() == []


def test_a_partner_follows_the_cases_it_filed_by_tracking_number(client, make_key):
    mine, _ = make_key("mine")
    other, _ = make_key("other", channel="其他")
    filed = client.post(f"{BASE}/requests.json", data={"api_key": mine, **GOOD}).get_json()
    number = filed[0]["service_request_id"]
    own = client.get(f"{BASE}/requests/{number}.json", query_string={"api_key": mine})
    assert own.status_code == 200
    [row] = own.get_json()
    assert row["service_request_id"] == number and row["status"] == "open"
    assert row["description"] is None  # what was written stays off the API
    assert row["expected_datetime"] is not None
    assert own.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"{BASE}/requests/{number}.json",
                      query_string={"api_key": other}).status_code == 404
    assert client.get(f"{BASE}/requests/{number}.json").status_code == 404


def test_filters_by_service_status_and_dates(client, publish):
    now = utcnow()
    _n, fee = publish(at=now - timedelta(days=5))
    _n, closed = publish(at=now - timedelta(days=4), status=ComplaintStatus.REJECTED,
                         category_code="SVC-CH")
    _n, old = publish(at=now - timedelta(days=120))

    def ids(**query):
        return {row["service_request_id"] for row in
                client.get(f"{BASE}/requests.json", query_string=query).get_json()}

    assert ids() == {fee, closed}  # the last 90 days
    assert ids(service_code="SVC-CH") == {closed}
    assert ids(service_code="SVC-CH,BIZ-FEE") == {fee, closed}
    assert ids(status="closed") == {closed}
    assert ids(status="open") == {fee}
    start = (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert ids(start_date=start, end_date=end) == {old}
    assert ids(service_request_id=f"{fee},{old}") == {fee, old}  # ids override the rest
    # A day given as end_date is included, to its last moment where the portal is.
    day = (now - timedelta(days=4)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert closed in ids(start_date=(day - timedelta(days=3)).isoformat(),
                         end_date=day.isoformat())


def test_at_most_the_configured_number_of_requests(make_app):
    app = make_app(OPEN311_MAX_REQUESTS=2)
    with app.app_context():
        for index in range(3):
            receipt = services.submit_complaint(services.Filing(
                **{**FILING, "consent_publish": True}), f"k{index}", utcnow())
            services.approve_summary(receipt.complaint, None, "摘要", utcnow())
        db.session.commit()
    assert len(app.test_client().get(f"{BASE}/requests.json").get_json()) == 2


@pytest.mark.parametrize(("query", "says"), [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-01"}, "end_date"),
    ({"start_date": "2026-01-01T10:00:00"}, "start_date"),  # no time zone
    ({"start_date": "1999-01-01"}, "start_date"),
    ({"start_date": "2026-05-01", "end_date": "2026-04-01"}, "after"),
    ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "90"),
    ({"status": "pending"}, "status"),
    ({"service_code": "NOPE"}, "NOPE"),
    ({"colour": "red"}, "colour"),
    ({"service_request_id": ",".join(["ABCDEFGH"] * 101)}, "100"),
    ({"api_key": "ops_wrong"}, "api_key"),
    ({"jurisdiction_id": "elsewhere"}, "localhost"),
])
def test_bad_searches_are_refused_in_the_open311_format(client, query, says):
    response = client.get(f"{BASE}/requests.json", query_string=query,
                          headers={"Accept-Language": "en"})
    assert response.status_code in {400, 403, 404}
    [error] = response.get_json()
    assert error["code"] == response.status_code and says in error["description"]
    xml = client.get(f"{BASE}/requests.xml", query_string=query)
    assert xml.status_code == response.status_code
    assert _xml(xml).tag == "errors"


@pytest.mark.parametrize("url", [
    "/services.csv", "/services/NOPE.json", "/requests/ABCDEFGH.json", "/nothing.json",
    "/requests.html"])
def test_unknown_resources_and_formats_are_404_in_the_open311_format(client, url):
    response = client.get(f"{BASE}{url}")
    assert response.status_code == 404
    [error] = response.get_json()
    assert error["code"] == 404


def test_a_method_the_call_does_not_take_is_405_in_the_open311_format(client):
    response = client.delete(f"{BASE}/requests.xml")
    assert response.status_code == 405
    assert _xml(response).find("error/code").text == "405"


def test_reads_share_one_limit_per_client_head_included(make_app):
    app = make_app(RATELIMIT_ENABLED=True, OPEN311_READ_LIMIT="3 per minute")
    client = app.test_client()
    assert client.head(f"{BASE}/requests.json").status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/discovery.json").status_code == 200
    refused = client.head(f"{BASE}/services/BIZ-FEE.json")
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_a_kept_answer_still_counts_against_the_limit(make_app):
    """Answers are kept for anonymous readers (the page cache answers before the view runs):
    the limit is checked before that."""
    app = make_app(RATELIMIT_ENABLED=True, OPEN311_READ_LIMIT="3 per minute")
    client = app.test_client()
    answers = [client.get(f"{BASE}/services.json") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[1].get_data() == answers[0].get_data()  # kept
    assert answers[3].get_json()[0]["code"] == 429


def test_every_read_takes_a_key_a_jurisdiction_in_any_case_and_refuses_the_rest(client, key):
    for url in ("/discovery.json", "/services.json", "/services/BIZ-FEE.json"):
        assert client.get(f"{BASE}{url}", query_string={
            "api_key": key, "jurisdiction_id": "LOCALHOST"}).status_code == 200, url
        assert client.get(f"{BASE}{url}?foo=1").status_code == 400, url
        assert client.get(f"{BASE}{url}?lang=en&lang=zh").status_code == 400, url


def test_an_id_asked_twice_is_answered_once(client, publish):
    _number, public_id = publish()
    rows = client.get(f"{BASE}/requests.json",
                      query_string={"service_request_id": f"{public_id},{public_id}"}).get_json()
    assert len(rows) == 1
