"""core.publication: the one mechanism of drafts, immutable publications, locks, dates in force
and the ``published`` hook, as tariff versions and fee items use it and as a new table would."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from portal.core import publication
from portal.core.errors import DomainError
from portal.core.publication import PublicationMixin, PublicationStatus
from portal.extensions import db
from portal.fees import services
from portal.fees.models import TariffVersion
from tests.conftest import POSTGRES_URL
from tests.fees.conftest import ZJ

NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)


class Notice(PublicationMixin, Base):
    """What a next domain's table looks like."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]


@pytest.fixture
def received():
    """What the ``published`` hook was told, while the test runs."""
    calls = []

    def receiver(record, by, now):
        calls.append((record, by, now))

    publication.published.connect(receiver)
    yield calls
    publication.published.disconnect(receiver)


def test_a_new_table_gets_drafts_publication_and_dates_in_force(app, received):
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session, app.app_context():
        old = Notice(effective_from=date(2024, 1, 1))
        new = Notice(effective_from=date(2024, 6, 1))
        session.add_all([old, new])
        session.flush()
        assert new.status is PublicationStatus.DRAFT and not new.is_published
        publication.publish(old, User(id=7), NOW)
        assert (old.is_published, old.published_at, old.published_by_id) == (True, NOW, 7)
        assert received == [(old, received[0][1], NOW)]
        with pytest.raises(publication.AlreadyPublishedError):
            publication.guard_unpublished(old)
        publication.check_no_overlap(new, [old], lambda other: DomainError("overlap"))
        assert old.effective_to == date(2024, 5, 31)  # the open predecessor is closed
        publication.publish(new, None, NOW)
        session.flush()
        in_force = session.scalars(sa.select(Notice).where(
            publication.in_force_clause(Notice, date(2024, 7, 1)))).all()
        assert in_force == [new]
        assert publication.covers(old, date(2024, 5, 31)) and not publication.covers(
            old, date(2024, 6, 1))


def test_an_overlap_that_closing_cannot_fix_is_refused():
    earlier = Notice(effective_from=date(2024, 1, 1), effective_to=date(2024, 12, 31))
    later = Notice(effective_from=date(2024, 6, 1))
    with pytest.raises(DomainError, match="overlaps"):
        publication.check_no_overlap(later, [earlier], lambda other: DomainError("overlaps"))


def test_publishing_a_tariff_version_and_saving_a_fee_item_are_announced(app, received):
    with app.app_context():
        tariff = services.create_tariff("T-1", "测试", None, services.CustomerClass.RESIDENTIAL,
                                        services.VoltageLevel.LV)
        version = services.create_draft(tariff, services.VersionDraft(
            date(2024, 1, 1), None, services.LegalBasis("n", "t"), ZJ), None)
        services.publish_version(version, None, NOW)
        item = services.save_fee_item(services.FeeItemData(
            "FEE-1", "测试费", None, None, None, None, None, None,
            services.LegalBasis("n", "t")), NOW)
        assert [(record, now) for record, _by, now in received] == [(version, NOW), (item, NOW)]


def test_a_refused_publication_is_not_announced(app, make_tariff, received):
    make_tariff()
    received.clear()
    with app.app_context():
        version = db.session.scalar(sa.select(TariffVersion))
        with pytest.raises(services.FeeError) as refusal:
            services.publish_version(version, None, NOW)
    assert refusal.value.field == "status"
    assert received == []


def test_publishing_locks_the_tariff_row(app, make_tariff):
    make_tariff(publish=False)
    statements = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda *args: statements.append(args[2]))
        version = db.session.scalar(sa.select(TariffVersion))
        services.publish_version(version, None, NOW)
        db.session.commit()
    locks = [s for s in statements if "FOR UPDATE" in s]
    if POSTGRES_URL:
        assert locks and "FROM tariffs" in locks[0]
    else:  # SQLite has no row locks; its writers take turns on the whole database
        assert locks == []


def test_a_record_older_than_the_portal_keeps_its_publication_date(app, received):
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    document = datetime(2012, 6, 8, 2, 0, tzinfo=UTC)
    with Session(engine) as session, app.app_context():
        notice, later = Notice(effective_from=date(2012, 7, 1)), Notice(
            effective_from=date(2030, 1, 1))
        session.add_all([notice, later])
        session.flush()
        publication.publish(notice, None, NOW, published_at=document)
        assert notice.published_at == document
        assert received == [(notice, None, NOW)]  # when the portal made it public
        with pytest.raises(ValueError, match="later than now"):
            publication.publish(later, None, NOW, published_at=datetime(2025, 1, 1,
                                                                        tzinfo=UTC))
        assert not later.is_published
