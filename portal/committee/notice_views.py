"""Public pages of the notices of irregular service: the list (searched, paginated, overdue
ones marked), a page per notice with its updates, and an Atom feed."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.accounts.roles import open_to_all
from portal.committee import notices, queries
from portal.committee.blueprint import public
from portal.committee.feeds import FeedEntry, atom_feed
from portal.committee.models import Notice
from portal.committee.notice_forms import NoticeSearchForm
from portal.core.clock import local_today
from portal.core.page_cache import cacheable
from portal.core.paging import page_of
from portal.core.text import localized_field
from portal.extensions import db

FEED_SIZE = 30


@public.get("/notices/")
@open_to_all
@cacheable
def notices_list() -> Any:
    """Published notices, searched by words or number in both languages, by publication date
    and by the state of their corrective action; a value not understood is named (400)."""
    form = NoticeSearchForm(request.args)
    valid = form.validate()
    filters = queries.notice_filters_of(form, valid)
    today = local_today()
    pagination = page_of(queries.published_notices(filters, today), queries.PAGE_SIZE)
    return render_template("committee/notices.html", form=form, pagination=pagination,
                           today=today, state_of=notices.state_of,
                           narrowed=filters != queries.NoticeFilters()), 200 if valid else 400


def published_or_404(number: str) -> Notice:
    """The published notice with this number, else 404."""
    found = notices.by_number(number)
    if found is None:
        abort(404)
    return found


@public.get("/notices/<number>")
@open_to_all
@cacheable
def notice(number: str) -> Any:
    """A published notice: what happened, the finding, the corrective action and its deadline,
    the decision it rests on and the published updates (a number typed in lower case is sent
    to its written form)."""
    if number != number.upper() and notices.by_number(number.upper()) is not None:
        return redirect(url_for("committee.notice", number=number.upper()), 301)
    found = published_or_404(number)
    updates = [u for u in found.updates if u.is_published]
    return render_template("committee/notice.html", notice=found, updates=updates,
                           state=notices.state_of(found, local_today()))


@public.get("/notices/feed.atom")
@open_to_all
@cacheable
def notices_feed() -> Response:
    """The latest published notices as an Atom feed (an entry is updated by each update)."""
    latest = db.session.scalars(queries.published_notices(queries.NoticeFilters(),
                                                          local_today()).limit(FEED_SIZE)).all()
    return atom_feed(_("Notices of irregular service"), "committee.notices_list",
                     "committee.notices_feed", (FeedEntry(
                         link=url_for("committee.notice", number=n.number, _external=True),
                         title=f"{n.number} {localized_field(n, 'title')}",
                         published=n.published_at or n.created_at,
                         updated=max([n.published_at or n.created_at]
                                     + [u.published_at for u in n.updates if u.published_at]),
                         summary=localized_field(n, "finding") or "") for n in latest))
