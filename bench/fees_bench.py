"""Fee standards: calculator API throughput against /healthz, and the tariff page's latency
with 200 tariffs of 20 versions each.

    .venv/bin/python bench/fees_bench.py            # SQLite in a temporary folder
    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/fees_bench.py        # PostgreSQL (its tables are replaced)

Prints a Markdown section; bench/RESULTS.md keeps the last one.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import get, gunicorn, throughput
from portal import create_app
from portal.core.models import utcnow
from portal.extensions import db
from portal.fees.demo import DATA
from portal.fees.enums import BillingBasis, CustomerClass, Period, PublicationStatus, VoltageLevel
from portal.fees.exchange import import_text
from portal.fees.models import Tariff, TariffPrice, TariffTier, TariffVersion

TARIFFS, VERSIONS = 200, 20
CLIENTS, SECONDS = 8, 6.0


def populate(url: str) -> None:
    """Demo data plus 200 tariffs x 20 consecutive published versions."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        import_text(DATA.read_text(encoding="utf-8"), DATA.name, None, utcnow())
        rng = random.Random(7)
        for t in range(TARIFFS):
            tariff = Tariff(code=f"BENCH-{t:03d}", name_zh=f"基准电价 {t}", name_en=f"Bench {t}",
                            customer_class=list(CustomerClass)[t % 4],
                            voltage_level=VoltageLevel.LV)
            for v in range(VERSIONS):
                start = date(2000 + v, 1, 1)
                version = TariffVersion(
                    number=v + 1, effective_from=start,
                    effective_to=None if v == VERSIONS - 1 else date(2000 + v, 12, 31),
                    status=PublicationStatus.PUBLISHED, published_at=utcnow(),
                    basis_number=f"基准〔{2000 + v}〕{t}号", basis_title="基准测试文件",
                    billing_basis=BillingBasis.ANNUAL)
                version.tiers = [TariffTier(tier=1, upper_kwh=Decimal(2760)),
                                 TariffTier(tier=2, upper_kwh=Decimal(4800)),
                                 TariffTier(tier=3, upper_kwh=None)]
                base = Decimal(rng.randint(4000, 6000)) / 10000
                version.prices = [TariffPrice(tier=n, period=Period.ALL,
                                              price=base + Decimal("0.05") * (n - 1))
                                  for n in (1, 2, 3)]
                tariff.versions.append(version)
            db.session.add(tariff)
        db.session.commit()
        db.engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        populate(url)
        backend = url.split(":", 1)[0]
        with gunicorn(url, workers=2) as port:
            for path in ("/healthz", "/api/v1/tariffs/RES-TIER-ZJ/bill?kwh=3000",
                         "/tariffs/BENCH-000"):
                get(port, path)  # warm up
            health = throughput(port, ["/healthz"], CLIENTS, SECONDS)
            bills = [f"/api/v1/tariffs/RES-TIER-ZJ/bill?kwh={k}" for k in range(0, 8000, 37)]
            bill = throughput(port, bills, CLIENTS, SECONDS)
            pages = [f"/tariffs/BENCH-{t:03d}" for t in range(TARIFFS)]
            page = throughput(port, pages, 1, SECONDS)
            dated = [f"/tariffs/BENCH-{t:03d}?on={2000 + t % VERSIONS}-06-01"
                     for t in range(TARIFFS)]
            page_on = throughput(port, dated, 1, SECONDS)
    print(f"### Fee standards ({backend}, {date.today().isoformat()})\n")
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; gunicorn "
          f"2 sync workers; load from {CLIENTS} keep-alive Python clients on the same machine "
          f"for {SECONDS:.0f} s each.\n")
    print("| What | Requests | Failures | Requests/s | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for name, result in (("`/healthz`", health), ("calculator API", bill),
                         (f"tariff page, {TARIFFS}x{VERSIONS} versions (1 client)", page),
                         ("tariff page `?on=` a past date (1 client)", page_on)):
        print(f"| {name} | {result['requests']} | {result['failures']} | "
              f"{result['rps']:.0f} | {result['p50_ms']:.1f} | {result['p95_ms']:.1f} |")
    print(f"\nCalculator API throughput / `/healthz` throughput = "
          f"**{bill['rps'] / health['rps']:.2f}**.")


if __name__ == "__main__":
    main()
