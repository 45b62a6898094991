"""Load each demo data set once, into an empty database or one that holds only demo data."""

from __future__ import annotations

import sqlalchemy as sa

from portal.core import domains, transactions
from portal.demo.models import DemoDataset
from portal.extensions import db

# Tables whose rows are not "real data" (besides the domains' reference data).
IGNORED_TABLES = {"demo_datasets", "alembic_version"}


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


def load_demo_data() -> list[str]:
    """Run every loader not yet applied, in one transaction; return what to print."""
    if holds_real_data():
        raise RealDataError(
            "This database holds data that is not demo data; demo load will not touch it.")
    loaded = set(db.session.scalars(sa.select(DemoDataset.name)))
    lines: list[str] = []
    for name, loader in domains.registry().demo_loaders:
        if name in loaded:
            continue
        lines.extend(loader())
        db.session.add(DemoDataset(name=name))
    transactions.commit()
    return lines
