"""Fixtures: two published commitments (repair arrival, with a target per area type, kept "on
average"; supply reliability, a share) and three months of figures imported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from portal.commitments import importer, services
from portal.commitments.enums import Measure, Source, Unit
from portal.commitments.services import Target, VersionDraft
from portal.complaints.enums import AreaType
from portal.core import transactions

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
U, R, X = AreaType.URBAN, AreaType.RURAL, AreaType.REMOTE
HEADER = ",".join(importer.COLUMNS)
DISTRICTS = ("CENTRAL", "EAST", "HITECH", "WEST-SUB", "BEISHAN", "NANLING")


def arrival_draft(**changes: Any) -> VersionDraft:
    """Repair arrival: 45 / 90 / 120 minutes, half the cases within."""
    values: dict[str, Any] = dict(
        title_zh="故障抢修到达现场", title_en="Repair crews on site",
        explanation_zh="抢修人员平均 45 分钟内到达。",
        explanation_en="Crews arrive within 45 minutes.",
        measure=Measure.MAX_DURATION, unit=Unit.MINUTES, compliance=Decimal(50),
        targets=[Target(U, Decimal(45)), Target(R, Decimal(90)), Target(X, Decimal(120))],
        effective_from=date(2024, 1, 1), effective_to=None, basis_number="演示〔2024〕1号",
        basis_title="示范供电服务承诺")
    values.update(changes)
    return VersionDraft(**values)


def reliability_draft() -> VersionDraft:
    return arrival_draft(title_zh="供电可靠率", title_en="Supply reliability",
                         measure=Measure.MIN_SHARE, unit=Unit.PERCENT, compliance=None,
                         targets=[Target(U, Decimal("99.9")), Target(R, Decimal("99.8")),
                                  Target(X, Decimal("99.8"))])


def csv_of(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


def month_rows(month: str, remote_cases: int = 3, central: tuple[int, int] = (400, 300)
               ) -> list[str]:
    """One month of repair arrivals: large urban and rural districts, a small remote one."""
    rows = [f"REPAIR-ARRIVAL,{month},CENTRAL,{central[0]},{central[1]},31,52",
            f"REPAIR-ARRIVAL,{month},EAST,300,200,35,60",
            f"REPAIR-ARRIVAL,{month},HITECH,150,100,40,70",
            f"REPAIR-ARRIVAL,{month},WEST-SUB,120,80,70,110",
            f"REPAIR-ARRIVAL,{month},BEISHAN,90,60,75,120"]
    rows.append(f"REPAIR-ARRIVAL,{month},NANLING,{remote_cases},{min(remote_cases, 2)},90,130")
    return rows


FIGURES = csv_of(*month_rows("2026-08"), *month_rows("2026-09", central=(400, 150)),
                 *month_rows("2026-10"),
                 *(f"SUPPLY-RELIABILITY,2026-10,{d},86400,{86400 - 50},," for d in DISTRICTS))


@pytest.fixture
def commitments(app: Flask) -> Callable[..., None]:
    """Publish the two commitments; ``figures=True`` imports ``FIGURES`` as well."""

    def make(figures: bool = True) -> None:
        with app.app_context():
            arrival = services.create_commitment("REPAIR-ARRIVAL", Source.IMPORTED, 1)
            services.publish_version(services.create_draft(arrival, arrival_draft(), None),
                                     None, NOW)
            share = services.create_commitment("SUPPLY-RELIABILITY", Source.IMPORTED, 2)
            services.publish_version(services.create_draft(share, reliability_draft(), None),
                                     None, NOW)
            if figures:
                importer.import_file(FIGURES, "figures.csv", None, NOW, TODAY)
            transactions.commit()
    return make
