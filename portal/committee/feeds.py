"""The committee's Atom feeds (decisions, notices): one way of writing them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator
from flask import Response, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.core.models import utcnow


@dataclass(frozen=True)
class FeedEntry:
    """One published record in a feed."""

    link: str
    title: str
    published: datetime
    updated: datetime
    summary: str


def atom_feed(title: str, list_endpoint: str, feed_endpoint: str,
              entries: Iterable[FeedEntry]) -> Response:
    """An Atom feed of ``entries`` (newest first), in the request's language."""
    entries = list(entries)
    feed = FeedGenerator()
    feed.id(url_for(list_endpoint, _external=True))
    feed.title(title)
    feed.author(name=_("Users' committee"))
    feed.language(str(get_locale()).replace("_", "-") if get_locale() else "zh-Hans-CN")
    feed.link(href=url_for(list_endpoint, _external=True), rel="alternate")
    feed.link(href=url_for(feed_endpoint, _external=True), rel="self")
    feed.updated(max((e.updated for e in entries), default=utcnow()))
    for item in reversed(entries):
        entry = feed.add_entry()
        entry.id(item.link)
        entry.title(item.title)
        entry.link(href=item.link)
        entry.published(item.published)
        entry.updated(item.updated)
        entry.summary(item.summary)
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml",
                    headers={"Vary": "Accept-Language, Cookie"})
