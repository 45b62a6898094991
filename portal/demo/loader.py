"""Load each demo data set once, into an empty database or one that holds only demo data."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from portal.demo import accounts, complaints, fees
from portal.demo.models import DemoDataset
from portal.extensions import db

# name -> loader; a loader adds rows, flushes and returns lines to print. Later domains add theirs.
LOADERS: list[tuple[str, Callable[[], list[str]]]] = [
    ("accounts", accounts.load),
    ("fees", fees.load),
    ("complaints", complaints.load),
]
# Tables that the migrations fill with reference data, so rows there are not "real data".
IGNORED_TABLES = {"demo_datasets", "alembic_version", "complaint_categories", "districts"}


class RealDataError(RuntimeError):
    """The database holds data that did not come from ``demo load``."""


def holds_real_data() -> bool:
    """True if any table has rows but no demo data set was ever loaded."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(DemoDataset)):
        return False
    for table in db.metadata.sorted_tables:
        if table.name in IGNORED_TABLES:
            continue
        if db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            return True
    return False


def load_demo_data() -> list[str]:
    """Run every loader not yet applied, in one transaction; return what to print."""
    if holds_real_data():
        raise RealDataError(
            "This database holds data that is not demo data; demo load will not touch it.")
    loaded = set(db.session.scalars(sa.select(DemoDataset.name)))
    lines: list[str] = []
    for name, loader in LOADERS:
        if name in loaded:
            continue
        lines.extend(loader())
        db.session.add(DemoDataset(name=name))
    db.session.commit()
    return lines
