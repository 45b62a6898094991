"""The log's API and pages: what they give, and a 400 naming the parameter for bad input."""

from __future__ import annotations

import base64
import json

import pytest

from portal.transparency import merkle
from portal.transparency.note import open_note, parse_checkpoint, parse_vkey


@pytest.fixture
def five(publish_fees):
    publish_fees("F-1", "F-2", "F-3", "F-4", "F-5")


def test_key_checkpoint_entries_and_proofs_fit_together(client, five):
    key = client.get("/api/v1/transparency/key").get_json()
    verifier = parse_vkey(key["vkey"])
    assert key["origin"] == "localhost/open-power-service" == key["key_name"]
    assert base64.b64decode(key["public_key"]) == verifier.public_key
    response = client.get("/transparency/checkpoint")
    assert response.mimetype == "text/plain"
    checkpoint = parse_checkpoint(open_note(response.get_data(as_text=True), [verifier]).text)
    assert checkpoint.size == 5
    entries = client.get("/api/v1/transparency/entries").get_json()["entries"]
    assert [e["index"] for e in entries] == [0, 1, 2, 3, 4]
    assert json.loads(entries[0]["content"])["key"] == entries[0]["key"] == "fee:F-1"
    leaves = [merkle.leaf_hash(e["content"].encode()) for e in entries]
    assert [base64.b64decode(e["leaf_hash"]) for e in entries] == leaves
    proof = client.get("/api/v1/transparency/proof/inclusion?index=3").get_json()
    assert proof["tree_size"] == 5
    merkle.verify_inclusion(3, 5, leaves[3], [base64.b64decode(h) for h in proof["hashes"]],
                            checkpoint.root)
    proof = client.get("/api/v1/transparency/proof/consistency?first=3&second=5").get_json()
    merkle.verify_consistency(3, 5, merkle.root_from_leaves(leaves[:3]), checkpoint.root,
                              [base64.b64decode(h) for h in proof["hashes"]])
    checkpoints = client.get("/api/v1/transparency/checkpoints?since=3").get_json()
    assert [c["tree_size"] for c in checkpoints["checkpoints"]] == [4, 5]
    assert client.get("/api/v1/transparency/entries?start=1&end=3").get_json()["end"] == 3


@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/transparency/entries?start=abc", "start"),
    ("/api/v1/transparency/entries?start=-1", "start"),
    ("/api/v1/transparency/entries?start=1e3", "start"),
    ("/api/v1/transparency/entries?end=99999999999999999999999", "end"),
    ("/api/v1/transparency/entries?start=6", "start"),
    ("/api/v1/transparency/entries?end=6", "end"),
    ("/api/v1/transparency/entries?start=3&end=2", "start"),
    ("/api/v1/transparency/proof/inclusion", "index"),
    ("/api/v1/transparency/proof/inclusion?index=x", "index"),
    ("/api/v1/transparency/proof/inclusion?index=5", "index"),
    ("/api/v1/transparency/proof/inclusion?index=2&tree_size=2", "index"),
    ("/api/v1/transparency/proof/inclusion?index=0&tree_size=6", "tree_size"),
    ("/api/v1/transparency/proof/inclusion?index=0&tree_size=%C2%B2", "tree_size"),
    ("/api/v1/transparency/proof/consistency?first=4&second=3", "first"),
    ("/api/v1/transparency/proof/consistency?first=1&second=9", "second"),
    ("/api/v1/transparency/proof/consistency?first=", "first"),
    ("/api/v1/transparency/checkpoints?since=soon", "since"),
    ("/api/v1/transparency/entries?start=1&start=3", "start"),  # which one?
    ("/api/v1/transparency/checkpoints?since=4611686018427387905", "since"),
])
def test_bad_arguments_are_a_400_naming_the_parameter(client, five, url, parameter):
    response = client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["parameter"] == parameter


def test_a_number_too_large_is_said_to_be_too_large(client, five):
    error = client.get("/api/v1/transparency/entries?start=99999999999999999999&lang=en"
                       ).get_json()["error"]
    assert error["parameter"] == "start" and "must be at most" in error["message"]
    # Leading zeros are still the same small number.
    assert client.get("/api/v1/transparency/entries?start=00000000000000000001").status_code \
        == 200


def test_a_range_over_the_limit_is_refused(client, app):
    from portal.extensions import db
    from portal.transparency import services
    with app.app_context():
        services.append_entries([("test", f"test:{i}", services.utcnow(), b"{}")
                                 for i in range(1002)])
        db.session.commit()
    response = client.get("/api/v1/transparency/entries?start=0&end=1002")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "end"
    assert len(client.get("/api/v1/transparency/entries").get_json()["entries"]) == 1000


def test_an_empty_log_answers_without_errors(client):
    assert client.get("/transparency/checkpoint").status_code == 404
    assert client.get("/api/v1/transparency/entries").get_json()["entries"] == []
    assert client.get("/api/v1/transparency/proof/consistency?first=0").status_code == 200
    assert client.get("/transparency/").status_code == 200
    assert client.get("/transparency/checkpoints.atom").status_code == 200


def test_the_page_lists_entries_with_filters_and_explains_itself(client, five, make_tariff):
    make_tariff("T-1")
    page = client.get("/transparency/?lang=en").get_data(as_text=True)
    assert "What the record guarantees" in page and "What it does not guarantee" in page
    assert "localhost/open-power-service+" in page  # the verifier key
    assert "tariff:T-1:v1" in page and "fee:F-1" in page
    page = client.get("/transparency/?lang=en&kind=tariff").get_data(as_text=True)
    assert "tariff:T-1:v1" in page and "fee:F-1" not in page
    page = client.get("/transparency/?lang=en&since=2099-01-01").get_data(as_text=True)
    assert "No entries match." in page
    for query in ("until=9999-12-31", "since=0001-01-01", "kind=nonsense"):
        response = client.get(f"/transparency/?lang=en&{query}")  # a 500 before, or ignored
        assert response.status_code == 400, query
        assert "tariff:T-1:v1" in response.get_data(as_text=True)  # filtered by nothing
    assert "Enter a date between Jan 1, 2000 and Dec 31, 2100." in client.get(
        "/transparency/?lang=en&until=9999-12-31").get_data(as_text=True)
    response = client.get("/transparency/?lang=en&since=2024-02-30")
    assert response.status_code == 400
    response = client.get("/transparency/?lang=en&since=2024-03-02&until=2024-03-01")
    assert response.status_code == 400
    assert "The end date cannot be before the start date." in response.get_data(as_text=True)
    entry = client.get("/transparency/entries/0?lang=en").get_data(as_text=True)
    assert "Public record entry No. 0" in entry and "fee:F-1" in entry
    assert "/api/v1/transparency/proof/inclusion?index=0&amp;tree_size=6" in entry
    assert client.get("/transparency/entries/99").status_code == 404
    # Beyond any database integer: not found, not a server error.
    assert client.get("/transparency/entries/99999999999999999999999").status_code == 404
    feed = client.get("/transparency/checkpoints.atom").get_data(as_text=True)
    assert "Checkpoint of 6 entries" in feed or "6" in feed


def test_the_entry_list_runs_the_same_queries_at_10_and_500_entries(app, client):
    from portal.extensions import db
    from portal.transparency import services
    from tests.conftest import count_statements
    counts = []
    for total in (10, 500):
        with app.app_context():
            size = services.head().size
            services.append_entries([("test", f"test:{i}", services.utcnow(), b"{}")
                                     for i in range(size, total)])
            db.session.commit()
        counts.append(count_statements(app, client, "/transparency/")[0])
    assert counts[0] == counts[1]


def test_public_pages_of_published_records_link_their_entry(client, make_tariff, publish_fees):
    from datetime import date

    from portal.core.models import utcnow
    from portal.extensions import db
    from portal.fees import services as fees
    from tests.transparency.conftest import fee_data
    publish_fees("F-1")
    make_tariff("T-1")
    app = client.application
    with app.app_context():
        fees.save_fee_item(fee_data("F-2", status=fees.FeeStatus.ABOLISHED,
                                    abolished_on=date(2024, 3, 1)), utcnow())
        db.session.commit()
    page = client.get("/fees/?lang=en").get_data(as_text=True)
    assert 'href="/transparency/entries/0">Public record entry No. 0</a>' in page
    page = client.get("/tariffs/T-1/versions/1?lang=en").get_data(as_text=True)
    assert 'href="/transparency/entries/1">Public record entry No. 1</a>' in page
    page = client.get("/fees/abolished?lang=en").get_data(as_text=True)
    assert 'href="/transparency/entries/2">Public record entry No. 2</a>' in page


def test_an_entry_has_one_address(client, five):
    for path in ("/transparency/entries/01", "/transparency/entries/%D9%A3"):
        response = client.get(path)
        assert response.status_code == 301, path
        assert response.headers["Location"] in ("/transparency/entries/1",
                                                "/transparency/entries/3")
