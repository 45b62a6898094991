"""The public pages of the transparency log: what it is, its latest checkpoint, its entries,
the signed checkpoint as text and an Atom feed of checkpoints."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.core.page_cache import cacheable
from portal.core.paging import page_of
from portal.extensions import db
from portal.fees.feed import xml_safe
from portal.transparency import queries, records, services
from portal.transparency.blueprint import public
from portal.transparency.forms import EntryFilterForm
from portal.transparency.models import LogCheckpoint, LogEntry

PER_PAGE = 50
FEED_SIZE = 50


@public.get("/")
@open_to_all
@cacheable
def index() -> tuple[str, int]:
    """What the record guarantees, its latest checkpoint and key, and its entries."""
    form = EntryFilterForm(request.args)
    valid = form.validate() if request.args else True
    pagination = page_of(queries.entries_query(form.to_filters()), PER_PAGE)
    settings = services.log_settings()
    return render_template("transparency/index.html", form=form, pagination=pagination,
                           checkpoint=services.latest_checkpoint(), settings=settings,
                           kinds=records.kinds()), 200 if valid else 400


@public.get("/entries/<int(max=9223372036854775807):index>")
@open_to_all
@cacheable
def show_entry(index: int) -> str | Response:
    """One entry: its exact bytes, leaf hash and the links to its inclusion proof."""
    canonical = url_for("transparency.show_entry", index=index)
    if request.path != canonical:  # /entries/01 or /entries/٣: one address per entry
        return redirect(canonical, 301)
    entry = db.session.get(LogEntry, index)
    if entry is None:
        abort(404)
    checkpoint = services.latest_checkpoint()
    readable = json.dumps(json.loads(entry.content), ensure_ascii=False, indent=2)
    return render_template("transparency/entry.html", entry=entry, checkpoint=checkpoint,
                           readable=readable, kind=records.kinds().get(entry.kind),
                           leaf_hash=services.b64(entry.leaf_hash))


@public.get("/checkpoint")
@open_to_all
@cacheable
def checkpoint() -> Response:
    """The latest signed checkpoint, as text (C2SP tlog-checkpoint in a signed note)."""
    latest = services.latest_checkpoint()
    if latest is None:
        return Response("", status=404, mimetype="text/plain")
    response = Response(latest.note, mimetype="text/plain")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response


@public.get("/checkpoints.atom")
@open_to_all
@cacheable
def feed() -> Response:
    """Atom feed of the newest signed checkpoints: keep a copy of each."""
    rows = db.session.scalars(sa.select(LogCheckpoint).order_by(LogCheckpoint.tree_size.desc())
                              .limit(FEED_SIZE)).all()
    authority = urlsplit(url_for("transparency.feed", _external=True)).hostname
    body = render_template("transparency/feed.xml", checkpoints=rows, feed_authority=authority,
                           updated=rows[0].created_at if rows else None)
    return Response(xml_safe(body), mimetype="application/atom+xml")
