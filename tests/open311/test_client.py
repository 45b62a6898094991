"""A real Open311 client (PyPI ``georeport``) reads the portal over HTTP, in both formats;
filing goes through plain HTTP (the client reads only)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from georeport import GeoReport
from werkzeug.serving import make_server

from tests.open311.conftest import GOOD


@pytest.fixture
def endpoint(app) -> Iterator[str]:
    """The portal served on a free local port; the Open311 root address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/open311/v2"
    server.shutdown()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_georeport_client_reads_services_definitions_and_requests(endpoint, publish, key,
                                                                   fmt):
    _number, public_id = publish()
    filed = requests.post(f"{endpoint}/requests.json", data={"api_key": key, **GOOD},
                          timeout=10)
    assert filed.status_code == 201
    client = GeoReport(endpoint, output_format=fmt)
    services: Any = client.get_service_list()
    codes = [service["service_code"] for service in services]
    assert "BIZ-FEE" in codes
    definition = client.get_service_definition("BIZ-FEE")
    attributes = definition["attributes"]
    if fmt == "xml":  # xmltodict: <attributes><attribute>...</attribute></attributes>
        attributes = attributes["attribute"]
    assert any(attribute["code"] == "district" for attribute in attributes)
    found = client.get_service_requests()
    rows = found if isinstance(found, list) else [found]  # xmltodict: one element, no list
    assert [row["service_request_id"] for row in rows] == [public_id]
    one = client.get_service_request(public_id)
    assert one["service_request_id"] == public_id and one["status"] == "open"
    if fmt == "json":  # the client cannot read an empty XML list (xmltodict gives None)
        assert client.get_service_requests(status="closed") == []
