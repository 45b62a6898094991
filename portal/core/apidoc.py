"""The OpenAPI 3.1 description of the portal's APIs, made from the code.

Each API view declares what it takes and answers beside its route::

    @api.get("/tariffs/<code>")
    @documented(TAG, _l("A tariff with all its published versions"), params=[CODE, LANG],
                ok={"allOf": [TARIFF, ...]}, errors=(404,))
    @open_to_all
    def tariff_detail(code): ...

The paths, their path parameters (typed from the route's converters) and the methods come from
Flask's ``url_map``; the schemas a domain's answers share are registered with ``schema(name,
...)``; apispec assembles the document (``build``), which ``/api/openapi.json`` serves and
``/api/`` shows. Texts are lazy strings: the document is in the reader's language.
``tests/core/test_openapi.py`` fails for an API route without a description, and schemathesis
checks the running API against it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar, Unpack

from apispec import APISpec
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from werkzeug.routing import Rule

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "openapi_operation"
JSON = "application/json"
CSV = "text/csv"
# Where the described APIs live: the portal's own and Open311.
PREFIXES = ("/api/v1/", "/open311/v2/")


# Text without the characters every request refuses (``core.input_guard``: 400).
TEXT: dict[str, Any] = {"type": "string", "pattern": "^[^\\u0000-\\u0008\\u000b\\u000c"
                        "\\u000e-\\u001f\\u007f\\u202a-\\u202e\\u2066-\\u2069"
                        "\\ufdd0-\\ufdef\\ufffe\\uffff]*$"}


@dataclass(frozen=True)
class Param:
    """A parameter: in the query (default), the path or a header."""

    name: str
    description: Any
    schema: Mapping[str, Any] = field(default_factory=lambda: TEXT)
    required: bool = False
    location: str = "query"


@dataclass(frozen=True)
class Answer:
    """A response: its description and, per media type, its schema (None: any content)."""

    description: Any
    content: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)
    headers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """What a view takes and answers."""

    tag: str
    summary: Any
    description: Any = ""
    params: Sequence[Param] = ()
    answers: Mapping[int, Answer] = field(default_factory=dict)
    errors: Sequence[int] = ()  # written in the format of the API the path belongs to
    body: Mapping[str, Any] | None = None  # a form body: its schema


# Shared schemas, by name: registered by the domains at import time.
SCHEMAS: dict[str, dict[str, Any]] = {}
# Error answers each family of APIs gives, by status: set with ``error_answers``.
ERROR_FORMATS: dict[str, Callable[[int], Answer]] = {}
ERROR_TEXTS = {400: _l("The request is not valid: the message names the parameter."),
               403: _l("No valid key."), 404: _l("Not found."),
               409: _l("In conflict with an earlier request."),
               415: _l("The body is not in the format the call takes."),
               429: _l("Too many requests: wait as long as Retry-After says."),
               503: _l("The database cannot be reached just now: try again later.")}


def schema(name: str, definition: dict[str, Any]) -> dict[str, str]:
    """Register a shared schema; returns its reference."""
    SCHEMAS[name] = definition
    return ref(name)


def ref(name: str) -> dict[str, str]:
    """A reference to a shared schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_answer(description: Any, body: Mapping[str, Any]) -> Answer:
    """A JSON response."""
    return Answer(description, {JSON: body})


class Details(TypedDict, total=False):
    """What ``documented`` takes besides the tag and the summary."""

    description: Any
    params: Iterable[Param]
    ok: Answer | Mapping[str, Any]  # the success answer: a JSON schema, or an Answer
    status: int  # of the success answer (200)
    errors: Iterable[int]  # error statuses, written in the format of the API's family
    more: Mapping[int, Answer]  # other answers (a 200 beside a 201)
    body: Mapping[str, Any]  # a form body's schema


def documented(tag: str, summary: Any, **details: Unpack[Details]) -> Callable[[F], F]:
    """Describe an API view (see the module's docstring)."""
    answers: dict[int, Answer] = {}
    ok = details.get("ok")
    if ok is not None:
        answers[details.get("status", 200)] = (ok if isinstance(ok, Answer)
                                               else json_answer(_l("Success."), ok))
    answers.update(details.get("more", {}))
    # Every call may refuse control characters (400) and lose its database (503).
    errors = tuple(sorted({*details.get("errors", ()), 400, 503} - set(answers)))
    operation = Operation(tag, summary, details.get("description", ""),
                          tuple(details.get("params", ())), answers, errors,
                          details.get("body"))

    def decorator(view: F) -> F:
        setattr(view, ATTRIBUTE, operation)
        return view

    return decorator


def error_answers(prefix: str, answer: Callable[[int], Answer]) -> None:
    """How the API under ``prefix`` writes its errors (the answer for a status)."""
    ERROR_FORMATS[prefix] = answer


CONVERTERS = {"IntegerConverter": {"type": "integer", "minimum": 0},
              "UnicodeConverter": {**TEXT, "minLength": 1}}
LANG = Param("lang", _l("The language of texts: zh or en (otherwise as Accept-Language says)."))


def _path(rule: Rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _path_params(rule: Rule, declared: Sequence[Param]) -> list[dict[str, Any]]:
    named = {param.name: param for param in declared if param.location == "path"}
    params = []
    for name, converter in rule._converters.items():  # the route's own typing
        param = named.get(name)
        kind = dict(CONVERTERS.get(type(converter).__name__, {"type": "string"}))
        most = getattr(converter, "max", None)
        if type(converter).__name__ == "IntegerConverter" and most is not None:
            kind["maximum"] = most
        params.append({"name": name, "in": "path", "required": True,
                       "description": str(param.description) if param else name,
                       "schema": dict(param.schema) if param else kind})
    return params


def _error(path: str, code: int) -> Answer:
    """An error answer in the format of the API that ``path`` belongs to."""
    for prefix, format_of in ERROR_FORMATS.items():
        if path.startswith(prefix):
            found = format_of(code)
            return Answer(ERROR_TEXTS.get(code, found.description), found.content,
                          found.headers)
    return Answer(ERROR_TEXTS.get(code, ""), {})


def _operation(path: str, rule: Rule, operation: Operation, endpoint: str) -> dict[str, Any]:
    parameters = _path_params(rule, operation.params) + [
        {"name": p.name, "in": p.location, "required": p.required,
         "description": str(p.description), "schema": dict(p.schema)}
        for p in operation.params if p.location != "path"]
    responses: dict[str, Any] = {}
    answers = {**operation.answers, **{code: _error(path, code) for code in operation.errors}}
    for code, answer in sorted(answers.items()):
        response: dict[str, Any] = {"description": str(answer.description)}
        if answer.content:
            response["content"] = {media: ({"schema": body} if body is not None else {})
                                   for media, body in answer.content.items()}
        if answer.headers:
            response["headers"] = {name: {"description": str(text), "schema": {
                "type": "string"}} for name, text in answer.headers.items()}
        responses[str(code)] = response
    result: dict[str, Any] = {"operationId": endpoint, "tags": [operation.tag],
                              "summary": str(operation.summary), "responses": responses}
    if str(operation.description):
        result["description"] = str(operation.description)
    if parameters:
        result["parameters"] = parameters
    if operation.body is not None:
        result["requestBody"] = {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": dict(operation.body)}}}
    return result


def described_rules(app: Flask) -> list[tuple[Rule, Any]]:
    """Every API route with its view, in the url_map's order."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIXES):
            found.append((rule, app.view_functions[rule.endpoint]))
    return found


def build(app: Flask | None = None, title: Any = "", description: Any = "",
          tags: Mapping[str, Any] = {}) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every described API route."""
    target = app or current_app
    spec = APISpec(title=str(title), version="1.0.0", openapi_version="3.1.0",
                   info={"description": str(description)},
                   servers=[{"url": "/"}])
    for name, definition in sorted(SCHEMAS.items()):
        spec.components.schema(name, definition)
    paths: dict[str, dict[str, Any]] = {}
    for rule, view in described_rules(target):
        operation: Operation | None = getattr(view, ATTRIBUTE, None)
        if operation is None:
            continue
        path = _path(rule)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for method in methods:
            name = rule.endpoint if len(methods) == 1 else f"{rule.endpoint}.{method.lower()}"
            paths.setdefault(path, {})[method.lower()] = _operation(path, rule, operation, name)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    for name, text in tags.items():
        spec.tag({"name": name, "description": str(text)})
    # Schemas hold lazy strings (descriptions in the reader's language): made text here.
    document: dict[str, Any] = json.loads(json.dumps(spec.to_dict(), default=str))
    return document
