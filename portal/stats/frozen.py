"""The counts that monthly snapshots have already published, read back from their zips.

A snapshot never changes, so what it published stays known for good: a later refresh, whose
suppression looks at more months, may not hide one of those counts to protect a small cell
(the reader would still have it from the snapshot). ``refresh`` passes them to ``suppress`` as
cells that must stay published, and the audit counts them like every other published count.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import sqlalchemy as sa

from portal.extensions import db
from portal.stats import catalogue
from portal.stats.disclosure import CellKey
from portal.stats.models import StatsSnapshot

BY_CODE = {table.code: table for table in catalogue.TABLES.values()}


def published_counts(year: int) -> dict[CellKey, int]:
    """Every non-zero count that a snapshot of ``year`` published as it is."""
    found: dict[CellKey, int] = {}
    data = db.session.scalars(sa.select(StatsSnapshot.data).where(
        StatsSnapshot.month.startswith(f"{year:04d}-")))
    for zipped in data:
        found.update(_counts(zipped))
    return found


def _counts(zipped: bytes) -> dict[CellKey, int]:
    found: dict[CellKey, int] = {}
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        package = json.loads(archive.read("datapackage.json"))
        for resource in package["resources"]:
            code, _, period = str(resource["description"]).rpartition(" ")
            table = BY_CODE.get(code)
            if table is None:
                continue  # the times, which the audit does not cover
            text = archive.read(resource["path"]).decode("utf-8-sig")
            for row in csv.DictReader(io.StringIO(text)):
                if row["count"] not in ("", "0"):
                    values = tuple(row[dim] for dim in table.dims)
                    found[CellKey(code, period, values)] = int(row["count"])
    return found
