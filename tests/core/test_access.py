"""Every route's access rule, walked from ``app.url_map``: a new protected route without a
check, or a route nobody classified, fails here."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from portal.accounts.roles import ROLE_PERMISSIONS, Role
from tests.conftest import csrf_token, post_form

# Routes anyone may use say so with @open_to_all (portal/accounts/roles.py); Flask's static
# files are the one exception. A new domain marks its own public routes: nothing here changes.
# Routes guarded by something other than a permission.
TRACKED_CASE = {"complaints.case", "complaints.add_information", "complaints.rate",
                "complaints.withdraw", "complaints.reopen", "complaints.escalate",
                "complaints.case_attachment"}
PASSWORD_STEP_DONE = {"accounts.verify_code", "accounts.setup_code"}
LOGGED_IN = {"accounts.logout"}


def _rules(app):
    """Every route but the redirects from moved addresses (tests/core/test_redirects.py)."""
    return [rule for rule in app.url_map.iter_rules() if not rule.endpoint.startswith("moved:")]


def _open_to_all(app, endpoint: str) -> bool:
    return endpoint == "static" or getattr(app.view_functions[endpoint], "open_to_all", False)


def _public(app) -> set[str]:
    return {rule.endpoint for rule in _rules(app) if _open_to_all(app, rule.endpoint)}


def _permission(app, rule: Rule):
    return getattr(app.view_functions[rule.endpoint], "required_permission", None)


def _url(rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "IntegerConverter":
            values[name] = 1
        elif kind == "AnyConverter":
            values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "x"
        else:
            values[name] = "TS-2026-000001"
    url = rule.build(values, append_unknown=False)
    assert url is not None
    return url[1]


def _requests(app):
    """(endpoint, method, url) of every protected route and method."""
    for rule in _rules(app):
        if _open_to_all(app, rule.endpoint):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, _url(rule)


def _send(client, method, url, token):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


def test_every_route_is_classified(app):
    unclassified = [rule.endpoint for rule in _rules(app)
                    if not _open_to_all(app, rule.endpoint)
                    and rule.endpoint not in TRACKED_CASE | PASSWORD_STEP_DONE | LOGGED_IN
                    and _permission(app, rule) is None]
    assert unclassified == [], "give these routes a permission or mark them @open_to_all"
    assert all(_permission(app, rule) is None for rule in _rules(app)
               if _open_to_all(app, rule.endpoint)), "a public route declares a permission"


def test_no_working_page_is_open_to_all(app):
    public = _public(app)
    assert {"pages.home", "complaints.new", "fees_api.tariffs", "accounts.login"} <= public
    opened = [rule.rule for rule in _rules(app) if rule.endpoint in public
              and rule.rule.startswith(("/staff/", "/accounts/"))
              and rule.rule != "/accounts/login"]
    assert opened == [], "a staff or account page is marked @open_to_all"


def _to_login(response):
    return response.status_code == 302 and response.headers["Location"].startswith(
        "/accounts/login")


def test_anonymous_visitors_reach_no_protected_route(app, client):
    token = csrf_token(client, "/accounts/login")
    for endpoint, method, url in _requests(app):
        response = _send(client, method, url, token)
        if endpoint in TRACKED_CASE:
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/complaints/track"), (method, url)
        else:
            assert _to_login(response), (method, url, response.status_code)


def test_a_session_between_password_and_code_reaches_no_protected_route(app, client, make_user):
    make_user()
    post_form(client, "/accounts/login", {"username": "alice", "password": "correct horse battery"})
    token = csrf_token(client, "/accounts/login")
    for endpoint, method, url in _requests(app):
        if endpoint in PASSWORD_STEP_DONE:
            continue
        response = _send(client, method, url, token)
        if endpoint in TRACKED_CASE:
            assert response.headers["Location"].startswith("/complaints/track"), (method, url)
        else:
            assert _to_login(response), (method, url, response.status_code)


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_reaches_exactly_the_routes_of_its_permissions(app, client, make_user, auth,
                                                                 role):
    make_user(role=role)
    auth.login()
    granted = ROLE_PERMISSIONS[Role(role)]
    token = csrf_token(client, "/accounts/")
    for endpoint, method, url in _requests(app):
        if endpoint in TRACKED_CASE | PASSWORD_STEP_DONE | LOGGED_IN:
            continue
        rule_permission = _permission(app, next(r for r in _rules(app) if r.endpoint == endpoint))
        response = _send(client, method, url, token)
        if rule_permission in granted:
            assert response.status_code != 403 and not _to_login(response), (role, method, url)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
