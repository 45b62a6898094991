"""The API's description: ``/api/openapi.json`` (OpenAPI 3.1, made from the code by
``core.apidoc``) and ``/api/``, the same read as a page, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.core import apidoc
from portal.core.page_cache import cacheable
from portal.i18n import current_language
from portal.pages.blueprint import public

TITLE = _l("Service Transparency Portal API")
DESCRIPTION = _l("Open data of the fee standards, the service commitments, the users' "
                 "committee, the complaint statistics and the public record, and Open311 "
                 "GeoReport v2 for partner channels. Reading needs no key; texts follow "
                 "Accept-Language (or ?lang=en); errors name the parameter.")
# Each group of operations: its heading on the reference page, and its description.
GROUPS = {"fees": (_l("Fee standards"), _l("Tariffs, service charges and the bill calculator.")),
          "commitments": (_l("Service commitments"),
                          _l("Service commitments and their measured performance.")),
          "committee": (_l("Users' committee"),
                        _l("The users' committee: members, decisions and notices.")),
          "stats": (_l("Complaint statistics"), _l("Anonymised complaint statistics.")),
          "transparency": (_l("Public record"), _l("The tamper-evident public record.")),
          "open311": ("Open311", _l("Open311 GeoReport v2: services and service requests."))}


def document() -> dict[str, Any]:
    """The OpenAPI document in the reader's language (built once per language)."""
    cache: dict[str, dict[str, Any]] = current_app.extensions.setdefault("openapi", {})
    language = current_language()
    if language not in cache:
        cache[language] = apidoc.build(title=TITLE, description=DESCRIPTION, tags={
            tag: text for tag, (_name, text) in GROUPS.items()})
    return cache[language]


@public.get("/api/openapi.json")
@open_to_all
@cacheable
def openapi() -> Response:
    """The OpenAPI 3.1 document."""
    response = jsonify(document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept-Language")
    return response


@public.get("/api/")
@open_to_all
@cacheable
def reference() -> str:
    """Every operation with its parameters and answers, by tag."""
    spec = document()
    by_tag: dict[str, list[dict[str, Any]]] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            by_tag.setdefault(operation["tags"][0], []).append(
                {"method": method.upper(), "path": path, **operation})
    return render_template("pages/api.html", spec=spec, by_tag=by_tag, groups=GROUPS)
