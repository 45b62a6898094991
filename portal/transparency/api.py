"""The log's open API: its verifier key, entries, proofs and every signed checkpoint.

Every bad argument (not a whole number, out of range, ``start > end``, a range over the limit,
``first > second``) is a 400 JSON error naming the parameter.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.core.api import ApiError
from portal.core.apidoc import Param, documented
from portal.core.page_cache import cacheable
from portal.extensions import db
from portal.transparency import services
from portal.transparency.blueprint import api
from portal.transparency.models import LogCheckpoint, LogEntry

MAX_ENTRIES = 1000
MAX_CHECKPOINTS = 1000
LARGEST = 2**62


TAG = "transparency"
WHOLE: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": LARGEST}
HASHES: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

def integer_argument(name: str, default: int | None = None) -> int:
    """A whole number of 0 or more from the query, else ApiError(400) naming it."""
    raw = request.args.get(name, "")
    if raw == "" and default is not None:
        return default
    if len(request.args.getlist(name)) > 1:
        raise ApiError(400, _("Give %(name)s once.", name=name), name)
    if not raw.isascii() or not raw.isdigit():
        raise ApiError(400, _("%(name)s must be a whole number of 0 or more.", name=name), name)
    if len(raw.lstrip("0")) > 19 or int(raw) > LARGEST:  # a number, but beyond any log
        raise ApiError(400, _("%(name)s must be at most %(most)s.", name=name, most=LARGEST),
                       name)
    return int(raw)


def _at_most(name: str, value: int, most: int) -> None:
    if value > most:
        raise ApiError(400, _("%(name)s must be at most %(most)s: the log holds %(size)s "
                              "entries.", name=name, most=most, size=services.head().size),
                       name)


def entry_json(entry: LogEntry) -> dict[str, Any]:
    """An entry as the API gives it."""
    return {"index": entry.index, "kind": entry.kind, "key": entry.key,
            "published_at": entry.published_at.isoformat(),
            "content": entry.content.decode("utf-8"), "leaf_hash": services.b64(entry.leaf_hash)}


@api.get("/transparency/key")
@documented(TAG, _l("The log's origin and its checkpoints' verifier key"),
            ok={"type": "object", "required": ["origin", "key_name", "vkey", "public_key"],
                "properties": {name: {"type": "string"} for name in (
                    "origin", "key_name", "vkey", "public_key")}})
@open_to_all
@cacheable
def key() -> Response:
    """The log's origin and the verifier key of its checkpoints."""
    settings = services.log_settings()
    verifier = settings.signer.verifier
    return jsonify(origin=settings.origin, key_name=verifier.name, vkey=verifier.vkey,
                   public_key=services.b64(verifier.public_key))


@api.get("/transparency/entries")
@documented(TAG, _l("Entries of the log, start to end - 1"),
            params=[Param("start", _l("The first entry's index (default 0)."), WHOLE),
                    Param("end", _l("One past the last entry (default: 1,000 entries on)."),
                          WHOLE)],
            ok={"type": "object", "required": ["tree_size", "start", "end", "entries"],
                "properties": {"tree_size": {"type": "integer"}, "start": {"type": "integer"},
                               "end": {"type": "integer"}, "entries": {
                                   "type": "array", "items": {"type": "object"}}}})
@open_to_all
@cacheable
def entries() -> Response:
    """Entries ``start`` (default 0) to ``end`` - 1 (default: 1,000 entries, or to the end)."""
    size = services.head().size
    start = integer_argument("start", 0)
    _at_most("start", start, size)
    end = integer_argument("end", min(size, start + MAX_ENTRIES))
    _at_most("end", end, size)
    if start > end:
        raise ApiError(400, _("start must not be greater than end."), "start")
    if end - start > MAX_ENTRIES:
        raise ApiError(400, _("At most %(most)s entries per request.", most=MAX_ENTRIES), "end")
    return jsonify(tree_size=size, start=start, end=end,
                   entries=[entry_json(entry) for entry in services.entries_between(start, end)])


@api.get("/transparency/proof/inclusion")
@documented(TAG, _l("The inclusion proof of an entry"),
            params=[Param("index", _l("The entry's index."), WHOLE, required=True),
                    Param("tree_size", _l("The tree's size (default: the latest "
                                          "checkpoint's)."), WHOLE)],
            ok={"type": "object", "required": ["index", "tree_size", "leaf_hash", "hashes"],
                "properties": {"index": {"type": "integer"}, "tree_size": {"type": "integer"},
                               "leaf_hash": {"type": "string"}, "hashes": HASHES}})
@open_to_all
@cacheable
def inclusion() -> Response:
    """The inclusion proof of entry ``index`` in the tree of ``tree_size`` entries (default:
    the latest checkpoint's)."""
    latest = services.latest_checkpoint()
    size = services.head().size
    index = integer_argument("index")
    tree_size = integer_argument("tree_size", latest.tree_size if latest else size)
    _at_most("tree_size", tree_size, size)
    if index >= tree_size:
        raise ApiError(400, _("index must be smaller than tree_size (%(size)s).",
                              size=tree_size), "index")
    entry = db.session.get(LogEntry, index)
    assert entry is not None  # every index below the size has its entry
    return jsonify(index=index, tree_size=tree_size, leaf_hash=services.b64(entry.leaf_hash),
                   hashes=[services.b64(h) for h in services.inclusion_proof(index, tree_size)])


@api.get("/transparency/proof/consistency")
@documented(TAG, _l("The consistency proof between two sizes of the tree"),
            params=[Param("first", _l("The smaller tree's size."), WHOLE, required=True),
                    Param("second", _l("The larger tree's size (default: the log's)."), WHOLE)],
            ok={"type": "object", "required": ["first", "second", "hashes"],
                "properties": {"first": {"type": "integer"}, "second": {"type": "integer"},
                               "tree_size": {"type": "integer"}, "hashes": HASHES}})
@open_to_all
@cacheable
def consistency() -> Response:
    """The consistency proof from the tree of ``first`` entries to that of ``second``."""
    size = services.head().size
    first = integer_argument("first")
    second = integer_argument("second", size)
    _at_most("second", second, size)
    if first > second:
        raise ApiError(400, _("first must not be greater than second."), "first")
    return jsonify(first=first, second=second, tree_size=second, hashes=[
        services.b64(h) for h in services.consistency_proof(first, second)])


@api.get("/transparency/checkpoints")
@documented(TAG, _l("Signed checkpoints, oldest first"),
            params=[Param("since", _l("Only checkpoints of trees larger than this."), WHOLE)],
            ok={"type": "object", "required": ["checkpoints"], "properties": {
                "checkpoints": {"type": "array", "items": {"type": "object", "required": [
                    "tree_size", "root", "note", "created_at"]}},
                "next": {"type": "string"}}})
@open_to_all
@cacheable
def checkpoints() -> Response:
    """Every signed checkpoint of a tree larger than ``since`` entries, oldest first."""
    since = integer_argument("since", 0)
    rows = db.session.scalars(sa.select(LogCheckpoint).where(LogCheckpoint.tree_size > since)
                              .order_by(LogCheckpoint.tree_size).limit(MAX_CHECKPOINTS + 1)).all()
    more = len(rows) > MAX_CHECKPOINTS
    rows = rows[:MAX_CHECKPOINTS]
    body: dict[str, Any] = {"checkpoints": [
        {"tree_size": row.tree_size, "root": services.b64(row.root), "note": row.note,
         "created_at": row.created_at.isoformat()} for row in rows]}
    response = jsonify(body)
    if more:
        following = url_for("transparency_api.checkpoints", since=rows[-1].tree_size,
                            _external=True)
        body["next"] = following
        response = jsonify(body)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response
