"""What a domain hands the portal in its ``init_app``: navigation, demo data, reference data.

``create_app`` calls each domain's ``init_app(app)`` from one list (``portal.DOMAINS``). A domain
registers its blueprints and CLI group on the app itself and everything else here, so that
nothing outside its package names it::

    def init_app(app: Flask) -> None:
        app.register_blueprint(public)
        app.cli.add_command(cli.group)
        domains.add_navigation(app, NavItem("fees.list_tariffs", _l("Tariffs"), position=20))
        domains.add_demo_loader(app, "fees", demo.load)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from portal.accounts.roles import Permission

EXTENSION = "portal.domains"


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation, shown if the visitor has ``permission`` (None: everyone).

    Links are ordered by ``position``: public pages from 10 to 99, working pages from 100.
    """

    endpoint: str
    label: Any
    permission: Permission | None = None
    position: int = 50


@dataclass
class Registry:
    """Everything the domains registered, in the order of ``portal.DOMAINS``."""

    navigation: list[NavItem] = field(default_factory=list)
    # name -> loader; a loader is given the moment of loading ("now": its data is dated
    # before it), adds rows, flushes and returns lines to print
    demo_loaders: list[tuple[str, Callable[[datetime], list[str]]]] = field(
        default_factory=list)
    # tables that migrations fill with reference data: rows there are not "real data"
    reference_tables: set[str] = field(default_factory=set)
    # fill the reference tables as the migrations do (for databases made by create_all)
    reference_loaders: list[Callable[[], None]] = field(default_factory=list)
    # re-encrypt the domain's values with the newest data key; return how many
    key_rotations: list[Callable[[], int]] = field(default_factory=list)
    # put a reference table that holds state (the log's head) back as the migration made it,
    # when ``demo reset`` empties everything else
    reference_resets: list[Callable[[], None]] = field(default_factory=list)
    # whether a complaint whose summary is approved must wait before joining the public list
    listing_holds: list[Callable[[Any], bool]] = field(default_factory=list)
    # path prefix -> how errors there are written (status, message) -> response: a standard
    # API with an error format of its own (Open311)
    error_bodies: list[tuple[str, Callable[[int, str], Any]]] = field(default_factory=list)
    # tables whose rows the public never sees (users, throttles): writing them leaves the
    # cached public pages as they are (``portal.core.public_changes``)
    private_tables: set[str] = field(default_factory=set)
    # table -> whether a written row of it is public (a complaint once listed)
    public_judges: dict[str, Callable[[Any], bool]] = field(default_factory=dict)
    # table -> whether any of these rows, judged private on what the session had read, is
    # public as committed (another request listed the case meanwhile)
    public_rechecks: dict[str, Callable[[set[int]], bool]] = field(default_factory=dict)


def registry(app: Flask | None = None) -> Registry:
    """The registry of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    found: Registry = target.extensions.setdefault(EXTENSION, Registry())
    return found


def add_navigation(app: Flask, *items: NavItem) -> None:
    """Add links to the main navigation."""
    navigation = registry(app).navigation
    navigation.extend(items)
    navigation.sort(key=lambda item: item.position)


def add_demo_loader(app: Flask, name: str, loader: Callable[[datetime], list[str]]) -> None:
    """Add a demo data set, loaded once, after those of the domains listed before this one.

    The loader is called with the moment of loading and dates its rows before it, as they
    would have happened (a document's publication date, a case handled in working hours),
    instead of stamping the moment of loading on everything."""
    registry(app).demo_loaders.append((name, loader))


def add_reference_data(app: Flask, tables: Iterable[str], loader: Callable[[], None]) -> None:
    """Name tables that migrations fill with reference data, and how to fill them."""
    registry(app).reference_tables.update(tables)
    registry(app).reference_loaders.append(loader)


def add_reference_reset(app: Flask, reset: Callable[[], None]) -> None:
    """Register how to put a reference table that holds state back as the migrations made it
    (``demo reset`` empties the other tables, then calls it)."""
    registry(app).reference_resets.append(reset)


def add_key_rotation(app: Flask, rotate: Callable[[], int]) -> None:
    """Register how the domain re-encrypts its values with the newest data key."""
    registry(app).key_rotations.append(rotate)


def add_listing_hold(app: Flask, hold: Callable[[Any], bool]) -> None:
    """Register a check that keeps an approved complaint off the public list for now (True):
    the domain that holds it back lists it later (sets ``listed_at``)."""
    registry(app).listing_holds.append(hold)


def add_error_body(app: Flask, prefix: str, render: Callable[[int, str], Any]) -> None:
    """Write the portal's errors (404, 405, 413, 429, 500, 503...) under ``prefix`` with
    ``render(status, message)`` instead of a page or the API's JSON."""
    registry(app).error_bodies.append((prefix, render))


def add_private_tables(app: Flask, *tables: str) -> None:
    """Name tables that no public page or open-data call shows: a write to them does not
    empty the cache of public pages."""
    registry(app).private_tables.update(tables)


def add_public_judge(app: Flask, table: str, judge: Callable[[Any], bool],
                     recheck: Callable[[set[int]], bool] | None = None) -> None:
    """Tell how to judge whether a written row of ``table`` changes something public (a
    complaint does only once it is on the public list); without a judge, every row does. A
    judge that says no on what the session read can ask for ``recheck`` of those rows' ids
    just before the commit (``public_changes.recheck_later``), when the database has the
    final word."""
    registry(app).public_judges[table] = judge
    if recheck is not None:
        registry(app).public_rechecks[table] = recheck


def load_reference_data() -> None:
    """Fill the reference tables of every domain (a database made by ``create_all``)."""
    for loader in registry().reference_loaders:
        loader()
