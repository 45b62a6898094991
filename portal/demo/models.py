"""Which demo data sets a database holds; their presence is what marks a demo database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import Base, UTCDateTime, utcnow


class DemoDataset(Base):
    """One loaded demo data set (e.g. ``accounts``)."""

    __tablename__ = "demo_datasets"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
