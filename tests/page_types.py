"""One address per page type, public, staff and committee, filled in from the demo data: the
suite's checks that hold for every page (typography, HTML validity) walk these lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from portal.committee.models import CommitteeMember, Decision, Meeting, Notice, Term
from portal.complaints.models import Complaint
from portal.demo.loader import load_demo_data
from portal.extensions import db
from portal.fees.models import Tariff, TariffVersion
from tests.conftest import make_test_app

PUBLIC = ["/", "/about", "/tariffs/", "/tariffs/{tariff}", "/tariffs/{tou}", "/tariffs/LI-CAP-10KV",
          "/tariffs/LI-DEM-10KV", "/tariffs/GEN-CI-LV", "/tariffs/LI-CAP-10KV/bill",
          "/tariffs/{tariff}/versions/{version}", "/tariffs/{several}/history",
          "/tariffs/{several}/compare?a=1&b=2", "/tariffs/{tariff}/bill?kwh=300",
          "/tariffs/{tariff}/bill?kwh=abc", "/fees/", "/fees/abolished", "/fees/check",
          "/complaints/", "/complaints/new", "/complaints/track", "/complaints/public",
          "/accounts/login", "/no/such/page",
          "/fees/bill", "/fees/bill?customer_class=residential",
          "/fees/bill?customer_class=residential&meter=single&time_of_use=no&district=BEISHAN",
          "/fees/bill?customer_class=nonsense",
          "/tariffs/RES-TIER-ZJ/bill?kwh=200&previous_kwh=2700",
          "/tariffs/RES-TOU-ZJ/bill?peak_kwh=120&valley_kwh=80&previous_kwh=2700",
          "/fees/check?tariff=RES-TIER-ZJ", "/complaints/public/{public}",
          "/complaints/public?status=nonsense", "/transparency/", "/transparency/entries/0",
          "/committee/", "/committee/seats", "/committee/members",
          "/committee/terms/{past_term}/seats", "/committee/meetings/",
          "/committee/decisions/", "/committee/decisions/?outcome=nonsense",
          "/committee/meetings/{meeting}", "/committee/meetings/{next_meeting}",
          "/committee/decisions/{decision}", "/committee/decisions/{roll_call}",
          "/committee/decisions/{amendment}",
          "/committee/notices/", "/committee/notices/?state=nonsense",
          "/committee/notices/{notice}", "/committee/notices/{closed_notice}",
          "/stats/", "/stats/?type=complaint&district=CENTRAL", "/stats/?type=nonsense",
          "/stats/?type=complaint&category=BIZ-FEE&district=CENTRAL", "/stats/districts",
          "/stats/embed/categories", "/stats/embed/trend", "/stats/embed/deadline?period=x",
          "/stats/methodology", "/stats/data-dictionary",
          "/commitments/", "/commitments/REPAIR-ARRIVAL",
          "/commitments/REPAIR-ARRIVAL?district=NANLING&period=2025",
          "/commitments/SUPPLY-RELIABILITY", "/commitments/COMPLAINT-REPLY",
          "/commitments/COMPLAINT-CONTACT?period=2026-Q2",
          "/commitments/REPAIR-ARRIVAL/versions/1",
          "/commitments/REPAIR-ARRIVAL?from=nonsense",
          "/commitments/COMPLAINT-REPLY?period=2026Q3", "/api/"]
STAFF = ["/accounts/", "/accounts/password", "/staff/complaints/", "/staff/complaints/{case}",
         "/staff/fees/", "/staff/fees/items/", "/staff/fees/items/new",
         "/staff/fees/tariffs/new", "/staff/fees/tariffs/{tariff}/versions/new",
         "/staff/accounts/users", "/staff/committee/", "/staff/committee/terms/new",
         "/staff/committee/terms/{term}",
         "/staff/committee/terms/{term}/members/new",
         "/staff/committee/terms/{term}/candidates/new",
         "/staff/committee/members/{member}/resign", "/staff/committee/members/{member}/account",
         "/staff/committee/members/{resigned}/replace",
         "/staff/commitments/", "/staff/commitments/new", "/staff/commitments/import",
         "/staff/commitments/REPAIR-ARRIVAL/versions/new",
         "/staff/commitments/REPAIR-ARRIVAL/versions/1", "/staff/partners/",
         "/staff/complaints/?channel=web", "/staff/jobs/"]
COMMITTEE = ["/staff/complaints/committee/", "/staff/complaints/committee/{escalated}",
             "/staff/complaints/committee/?status=pending", "/staff/complaints/committee/?month=x",
             "/staff/committee/work/", "/staff/committee/work/decisions/new",
             "/staff/committee/work/meetings/new", "/staff/committee/work/decisions/{draft}",
             "/staff/committee/work/decisions/{decision_id}",
             "/staff/committee/work/meetings/{next_meeting}/edit",
             "/staff/committee/work/notices/new", "/staff/committee/work/notices/{notice_id}"]


def load_demo(app: Any) -> dict[str, Any]:
    """Load the demo data; the values that the addresses above leave open."""
    with app.app_context():
        load_demo_data()
        version = db.session.scalars(sa.select(TariffVersion).join(Tariff).order_by(
            Tariff.code, TariffVersion.number)).first()
        tou = db.session.scalar(sa.select(Tariff.code).where(Tariff.code.like("%TOU%")))
        several = db.session.scalar(sa.select(Tariff.code).join(TariffVersion).group_by(
            Tariff.code).having(sa.func.count(TariffVersion.id) > 1).order_by(Tariff.code))
        case = db.session.scalar(sa.select(Complaint.tracking_number).order_by(Complaint.id))
        escalated = db.session.scalar(sa.select(Complaint.tracking_number).where(
            Complaint.status == "escalated"))
        public = db.session.scalar(sa.select(Complaint.public_id).where(
            Complaint.public_id.is_not(None)).order_by(Complaint.id))
        terms = db.session.scalars(sa.select(Term).order_by(Term.starts_on)).all()
        member = db.session.scalar(sa.select(CommitteeMember.id).where(
            CommitteeMember.term_id == terms[-1].id, CommitteeMember.left_on.is_(None))
            .order_by(CommitteeMember.id))
        resigned = db.session.scalar(sa.select(CommitteeMember.id).where(
            CommitteeMember.left_on.is_not(None)))
        work = _committee_work()
        return {**work, "past_term": terms[0].id, "term": terms[-1].id, "member": member,
                "resigned": resigned, "public": public, "tariff": version.tariff.code,
                "version": version.number, "tou": tou, "several": several, "case": case,
                "escalated": escalated}


def _committee_work() -> dict[str, Any]:
    """The committee's demo meetings, decisions and notices: the latest meeting held, the one to
    come, a decision citing complaints, one with a roll call, an amendment and a draft; an open
    notice with an update and a closed one."""
    held = db.session.scalars(sa.select(Meeting).where(Meeting.minutes.is_not(None))
                              .order_by(Meeting.starts_at.desc())).first()
    to_come = db.session.scalar(sa.select(Meeting).where(Meeting.minutes.is_(None)))
    published = db.session.scalars(sa.select(Decision).where(Decision.number.is_not(None))
                                   .order_by(Decision.id)).all()
    citing = next(d for d in published if d.complaints)
    draft = db.session.scalar(sa.select(Decision.id).where(Decision.number.is_(None)).limit(1))
    notices = db.session.scalars(sa.select(Notice).order_by(Notice.id)).all()
    opened = next(n for n in notices if n.closed_on is None and n.updates)
    return {"notice": opened.number, "notice_id": opened.id,
            "closed_notice": next(n.number for n in notices if n.closed_on),
            "meeting": held.id if held else None, "next_meeting": to_come.id if to_come else None,
            "decision": citing.number, "decision_id": citing.id,
            "roll_call": next(d.number for d in published if d.roll_call),
            "amendment": next(d.number for d in published if d.amends_id), "draft": draft}


def demo_app(tmp_path_factory: Any) -> Iterator[Any]:
    """An app whose database holds the demo data, shared by the tests of one module (loading
    the demo for each test was most of the time of the checks that walk every page type).
    Use as ``app = pytest.fixture(scope="module", name="demo_app")(demo_app)`` and let the
    module's ``app`` fixture return it; the demo's values are in ``app.config["DEMO"]``."""
    app = make_test_app(tmp_path_factory.mktemp("demo"))
    app.config["DEMO"] = load_demo(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _filed_case(app: Any, label: str) -> tuple[str, str]:
    """A case just filed: its tracking number and code."""
    from portal.complaints import services
    from portal.core.models import utcnow
    from tests.complaints.conftest import FILING

    with app.app_context():
        receipt = services.submit_complaint(services.Filing(**FILING),
                                            f"page-types-{label}-{utcnow().timestamp()}", utcnow())
        db.session.commit()
        return receipt.complaint.tracking_number, receipt.formatted_code


def public_confirmations(app: Any, client: Any, lang: str) -> Iterator[tuple[str, Any]]:
    """The pages that ask before a step that cannot be undone, as the complainant meets them:
    withdrawing a case just filed."""
    from tests.complaints.conftest import open_case
    from tests.conftest import csrf_token

    number, code = _filed_case(app, f"public-{lang}")
    open_case(client, number, code)
    token = csrf_token(client, f"/complaints/track/{number}?lang={lang}")
    yield f"withdraw confirmation {lang}", client.post(
        f"/complaints/track/{number}/withdraw?lang={lang}",
        data={"csrf_token": token, "reason": "问题已经解决。"})


def staff_confirmations(app: Any, client: Any, lang: str) -> Iterator[tuple[str, Any]]:
    """The staff pages that ask first: not accepting a case just filed (signed in as staff)."""
    from tests.conftest import csrf_token

    number, _code = _filed_case(app, f"staff-{lang}")
    token = csrf_token(client, f"/staff/complaints/{number}?lang={lang}")
    yield f"status confirmation {lang}", client.post(
        f"/staff/complaints/{number}/status?lang={lang}",
        data={"csrf_token": token, "status": "rejected", "reason": "不属于供电服务范围。"})


def address(path: str, demo: dict[str, Any], lang: str) -> str:
    """The path with its blanks filled in and the language asked for."""
    return path.format(**demo) + ("&" if "?" in path else "?") + f"lang={lang}"
