"""Load each demo data set once, into an empty database or one that holds only demo data, and
start a demo database afresh (``reset``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.core import cache, domains, transactions
from portal.core.models import utcnow
from portal.demo.models import DemoDataset
from portal.extensions import db

# Tables whose rows are not "real data" (besides the domains' reference data).
IGNORED_TABLES = {"demo_datasets", "alembic_version"}
REAL_DATA = "This database holds data that is not demo data; demo {command} will not touch it."


class RealDataError(RuntimeError):
    """The database holds data that did not come from ``demo load``."""


def holds_real_data() -> bool:
    """True if any table has rows but no demo data set was ever loaded."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(DemoDataset)):
        return False
    for table in db.metadata.sorted_tables:
        if table.name in IGNORED_TABLES | domains.registry().reference_tables:
            continue
        if db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            return True
    return False


def _refuse_real_data(command: str) -> None:
    if holds_real_data():
        raise RealDataError(REAL_DATA.format(command=command))


def _load_missing(now: datetime) -> list[str]:
    """Run every loader not yet applied; return what to print."""
    loaded = set(db.session.scalars(sa.select(DemoDataset.name)))
    lines: list[str] = []
    for name, loader in domains.registry().demo_loaders:
        if name in loaded:
            continue
        lines.extend(loader(now))
        db.session.add(DemoDataset(name=name, loaded_at=now))
    return lines


def load_demo_data(now: datetime | None = None) -> list[str]:
    """Run every loader not yet applied, in one transaction; return what to print.

    ``now``: the moment the demo data is loaded at (tests give a fixed one); each data set is
    dated as it would have happened before it."""
    _refuse_real_data("load")
    lines = _load_missing(now or utcnow())
    transactions.commit()
    return lines


def reset_demo_data(now: datetime | None = None) -> list[str]:
    """Delete everything a demo database holds (accounts and cases added by hand too), except
    the reference data, and load the demo data again, dated from ``now``: one transaction, so
    that a failure leaves the database as it was. Refuses a database with real data."""
    _refuse_real_data("reset")
    reference = domains.registry().reference_tables
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in reference:
            db.session.execute(table.delete())
    for reset in domains.registry().reference_resets:
        reset()
    lines = _load_missing(now or utcnow())
    transactions.commit()
    cache.forget_all()  # the new rows may reuse ids (SQLite) that cached entries name
    return lines
