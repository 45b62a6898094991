"""Public pages of the fee standards."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.accounts.roles import open_to_all
from portal.core.clock import local_today, parse_day
from portal.core.page_cache import cacheable
from portal.core.paging import ListPage, page_of
from portal.core.vendor import allow_plotly
from portal.fees import services
from portal.fees.blueprint import public
from portal.fees.bounds import parse_count
from portal.fees.chart import price_chart
from portal.fees.compare import compare_versions
from portal.fees.enums import CustomerClass, FeeStatus
from portal.fees.feed import feed_entries, xml_safe
from portal.fees.models import Tariff, TariffVersion
from portal.fees.paging import PAGE_SIZE
from portal.i18n import current_language

MAX_VERSION = 2**31 - 1  # version numbers are INTEGER columns; ?a= and ?b= never exceed it


def _tariff_or_404(code: str) -> Tariff:
    tariff = services.get_tariff(code)
    if tariff is None:
        abort(404)
    return tariff


def _requested_day() -> tuple[date, str | None]:
    """The ``on`` date asked for (today if none) and a translated error if it is malformed."""
    try:
        return parse_day(request.args.get("on")) or local_today(), None
    except ValueError:
        return local_today(), _("The date must be written as YYYY-MM-DD, e.g. 2024-07-01.")


CLASS_ORDER = sa.case({member.value: index for index, member in enumerate(CustomerClass)},
                      value=Tariff.customer_class)


def _grouped(tariffs: list[Tariff], day: date) -> list[tuple[CustomerClass, list[Any]]]:
    """The tariffs of a page by customer class, each with its version in force on ``day`` and
    that version's price structure."""
    in_force = services.versions_in_force(tariffs, day)
    groups: dict[CustomerClass, list[Any]] = {}
    for tariff in tariffs:
        version = in_force.get(tariff.id)
        structure = services.published_structure(version) if version else None
        groups.setdefault(tariff.customer_class, []).append((tariff, version, structure))
    return list(groups.items())


@public.get("/tariffs/")
@open_to_all
@cacheable
def list_tariffs() -> Any:
    """Every tariff, grouped by customer class, with the version in force on a date."""
    day, error = _requested_day()
    pagination = page_of(sa.select(Tariff).order_by(CLASS_ORDER, Tariff.code), PAGE_SIZE)
    return render_template("fees/tariffs.html", groups=_grouped(pagination.items, day),
                           pagination=pagination, day=day, error=error,
                           today=local_today()), 400 if error else 200


def _render_version(tariff: Tariff, version: TariffVersion | None, day: date | None,
                    status: int = 200, **context: Any) -> Any:
    structure = services.published_structure(version) if version else None
    if structure is not None:
        allow_plotly()
    calculator_on = None
    if version is not None and not services.in_force_today(version):
        calculator_on = (day or version.effective_from).isoformat()
    return render_template(
        "fees/tariff.html", tariff=tariff, version=version, structure=structure, day=day,
        chart=price_chart(structure) if structure else None,
        versions=services.published_versions(tariff), calculator_on=calculator_on,
        **context), status


@public.get("/tariffs/<code>")
@open_to_all
@cacheable
def show_tariff(code: str) -> Any:
    """The version in force today, or on ``?on=YYYY-MM-DD``."""
    tariff = _tariff_or_404(code)
    day, error = _requested_day()
    if error:
        return _render_version(tariff, None, day, 400, error=error)
    version = services.version_in_force(tariff, day)
    if version is None:
        message = _("No version of this tariff was in force on %(date)s.", date=day.isoformat())
        return _render_version(tariff, None, day, 404, error=message)
    return _render_version(tariff, version, day)


@public.get("/tariffs/<code>/versions/<int:number>")
@open_to_all
@cacheable
def show_version(code: str, number: int) -> Any:
    """One published version, with its own stable address for citing."""
    tariff = _tariff_or_404(code)
    version = next((v for v in tariff.versions if v.number == number and v.is_published), None)
    if version is None:
        abort(404)
    return _render_version(tariff, version, None)


@public.get("/tariffs/<code>/history")
@open_to_all
@cacheable
def tariff_history(code: str) -> str:
    """Every published version, and a form to compare two."""
    tariff = _tariff_or_404(code)
    return render_template("fees/history.html", tariff=tariff,
                           versions=services.published_versions(tariff))


@public.get("/tariffs/<code>/compare")
@open_to_all
@cacheable
def compare(code: str) -> Any:
    """What changed between two published versions (``?a=1&b=2``)."""
    tariff = _tariff_or_404(code)
    versions = {v.number: v for v in services.published_versions(tariff)}
    old, new = (versions.get(parse_count(request.args.get("a"), MAX_VERSION) or 0),
                versions.get(parse_count(request.args.get("b"), MAX_VERSION) or 0))
    if len(versions) < 2:  # nothing went wrong: there is nothing to compare yet
        return render_template("fees/history.html", tariff=tariff,
                               versions=list(versions.values()))
    if old is None or new is None:
        return render_template("fees/history.html", tariff=tariff, versions=list(versions.values()),
                               error=_("Choose two published versions to compare.")), 400
    if old.effective_from > new.effective_from:
        old, new = new, old
    return render_template("fees/compare.html", tariff=tariff, old=old, new=new,
                           changes=compare_versions(old, new))


def _fee_items_page(status: FeeStatus) -> ListPage:
    return page_of(services.fee_items_query(status), PAGE_SIZE)


@public.get("/fees/")
@open_to_all
@cacheable
def list_fee_items() -> str:
    """Service charges in force, and free services."""
    return render_template("fees/fee_items.html", pagination=_fee_items_page(FeeStatus.ACTIVE))


@public.get("/fees/abolished")
@open_to_all
@cacheable
def abolished_fees() -> str:
    """Charges that have been abolished: nobody may be asked to pay them."""
    return render_template("fees/abolished.html",
                           pagination=_fee_items_page(FeeStatus.ABOLISHED))


@public.get("/tariffs/feed.atom")
@open_to_all
@cacheable
def feed() -> Response:
    """Atom feed of published tariff versions and fee-item changes, newest first."""
    entries = feed_entries(current_language())
    # Entry ids name the site as PORTAL_PUBLIC_URL does (through SERVER_NAME), never by the
    # Host header of whoever asked.
    authority = urlsplit(url_for("fees.feed", _external=True)).hostname
    body = render_template("fees/feed.xml", entries=entries, feed_authority=authority,
                           updated=entries[0]["updated"] if entries else None)
    # Any text in it (a name, a legal basis, the Host header) may hold a character that XML
    # forbids, and such a character is never part of the markup itself: strip it everywhere.
    return Response(xml_safe(body), mimetype="application/atom+xml")
