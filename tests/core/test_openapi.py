"""The API's description: every API route is described, the document is OpenAPI 3.1 in the
reader's language, and /api/ shows every operation."""

from __future__ import annotations

from portal.core import apidoc


def test_every_api_route_is_described(app):
    undescribed = [rule.rule for rule, view in apidoc.described_rules(app)
                   if getattr(view, apidoc.ATTRIBUTE, None) is None]
    assert undescribed == []
    assert len(apidoc.described_rules(app)) >= 36


def test_the_document_is_openapi_3_1_with_one_operation_per_route(app, client):
    document = client.get("/api/openapi.json?lang=en").get_json()
    assert document["openapi"] == "3.1.0"
    operations = [(path, method, operation) for path, methods in document["paths"].items()
                  for method, operation in methods.items()]
    assert len(operations) == len(apidoc.described_rules(app))
    assert len({operation["operationId"] for _p, _m, operation in operations}) == len(operations)
    for path, _method, operation in operations:
        assert operation["summary"], path
        assert {"400", "503"} <= set(operation["responses"]), path
        for name in path.replace("}", "{").split("{")[1::2]:
            assert any(p["name"] == name and p["in"] == "path"
                       for p in operation.get("parameters", [])), (path, name)
    error = document["paths"]["/api/v1/tariffs/{code}"]["get"]["responses"]["404"]
    assert error["content"]["application/json"]["schema"] == apidoc.ref("Error")
    open311 = document["paths"]["/open311/v2/requests.{fmt}"]["post"]["responses"]["403"]
    assert set(open311["content"]) == {"application/json", "text/xml"}


def test_the_document_follows_the_readers_language(client):
    english = client.get("/api/openapi.json", headers={"Accept-Language": "en"}).get_json()
    chinese = client.get("/api/openapi.json", headers={"Accept-Language": "zh-CN"}).get_json()
    assert english["info"]["title"] == "Service Transparency Portal API"
    assert chinese["info"]["title"] == "客户服务公开与监督平台 API"
    assert "Accept-Language" in client.get("/api/openapi.json").headers["Vary"]


def test_the_reference_page_lists_every_operation_in_both_languages(app, client):
    for lang, heading in (("zh", "API 参考"), ("en", "API reference")):
        page = client.get(f"/api/?lang={lang}").get_data(as_text=True)
        assert heading in page
        for rule, _view in apidoc.described_rules(app):
            path = rule.rule.replace("<", "{").replace(">", "}")
            path = path.replace("{int(max=2147483647):", "{")
            assert path.split("{")[0] in page, path


def test_the_chinese_document_has_no_english_descriptions(client):
    text = client.get("/api/openapi.json?lang=zh").get_data(as_text=True)
    for english in ("Seconds to wait.", "The parameter the message is about.",
                    "A decimal as text.", "Success."):
        assert english not in text


def test_an_error_on_the_reference_page_is_a_page(client):
    response = client.get("/api/?q=%01", headers={"Accept": "text/html"})
    assert response.status_code == 400 and response.mimetype == "text/html"
