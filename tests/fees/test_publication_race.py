"""Two publishers of one tariff at the same time take turns and judge what the other saved."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.core import publication
from portal.extensions import db
from portal.fees import services
from portal.fees.models import TariffVersion
from tests.conftest import POSTGRES_URL
from tests.fees.conftest import ZJ

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="row locks need PostgreSQL")


def _draft(start: date) -> services.VersionDraft:
    return services.VersionDraft(start, None, services.LegalBasis("n", "t"), ZJ)


def _publish_concurrently(app, monkeypatch, first: int, second: int) -> list[tuple]:
    """Publish versions ``first`` and ``second`` of T-1 in two requests that both load the
    tariff's versions (as the staff view does) before either takes the lock; the request
    publishing ``first`` gets the lock first."""
    original = publication.lock_row
    loaded = threading.Barrier(2)
    outcomes: list[tuple] = []

    def lock_row(*args):
        loaded.wait()
        if threading.current_thread().name == "second":
            time.sleep(0.5)  # the first request holds the lock by now
        original(*args)

    monkeypatch.setattr(publication, "lock_row", lock_row)

    def request(number: int, at: datetime) -> None:
        with app.app_context():
            try:
                tariff = services.get_tariff("T-1")
                version = next(v for v in tariff.versions if v.number == number)
                services.publish_version(version, None, at)
                db.session.commit()
                outcomes.append(("published", number))
            except services.FeeError:
                db.session.rollback()
                outcomes.append(("refused", number))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=request, name="first",
                                args=(first, datetime(2024, 5, 1, 8, tzinfo=UTC))),
               threading.Thread(target=request, name="second",
                                args=(second, datetime(2024, 5, 1, 9, tzinfo=UTC)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def _tariff_with_drafts(app, *starts: date) -> None:
    with app.app_context():
        tariff = services.create_tariff("T-1", "测试", None, services.CustomerClass.RESIDENTIAL,
                                        services.VoltageLevel.LV)
        for start in starts:
            services.create_draft(tariff, _draft(start), None)
        db.session.commit()


def test_two_successors_published_at_once_leave_one_version_a_day(app, monkeypatch):
    _tariff_with_drafts(app, date(2024, 1, 1))
    with app.app_context():
        services.publish_version(services.get_tariff("T-1").versions[0], None,
                                 datetime(2024, 1, 1, tzinfo=UTC))
        db.session.commit()
    with app.app_context():
        tariff = services.get_tariff("T-1")
        services.create_draft(tariff, _draft(date(2024, 6, 1)), None)  # number 2
        services.create_draft(tariff, _draft(date(2024, 9, 1)), None)  # number 3
        db.session.commit()
    outcomes = _publish_concurrently(app, monkeypatch, first=2, second=3)
    with app.app_context():
        versions = {v.number: (v.effective_from, v.effective_to)
                    for v in db.session.scalars(sa.select(TariffVersion))}
        for day in (date(2024, 3, 1), date(2024, 7, 1), date(2024, 10, 1)):
            in_force = db.session.scalars(sa.select(TariffVersion.number).where(
                publication.in_force_clause(TariffVersion, day))).all()
            assert len(in_force) == 1, (day, in_force, versions, outcomes)
    assert versions[1] == (date(2024, 1, 1), date(2024, 5, 31))  # closed by the first
    assert ("published", 2) in outcomes


def test_a_double_submitted_publish_publishes_once(app, monkeypatch):
    _tariff_with_drafts(app, date(2024, 1, 1))
    heard = []

    def receiver(_record, **details):
        heard.append(details["now"])

    publication.published.connect(receiver)
    try:
        outcomes = _publish_concurrently(app, monkeypatch, first=1, second=1)
    finally:
        publication.published.disconnect(receiver)
    assert sorted(outcomes) == [("published", 1), ("refused", 1)]
    assert len(heard) == 1
    with app.app_context():
        version = db.session.scalar(sa.select(TariffVersion))
        assert version.published_at == datetime(2024, 5, 1, 8, tzinfo=UTC)  # the first's
