"""Working days, codes, redaction and the workflow table, without pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.complaints import codes, workflow
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.complaints.redaction import redact
from portal.complaints.workdays import add_working_days, is_working_day, reply_due


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2025, 9, 30), 4, date(2025, 10, 13)),   # National Day 1-8 Oct; Sat 11 Oct is worked
    (date(2025, 9, 26), 1, date(2025, 9, 28)),    # Sunday 28 Sep is a working day
    (date(2026, 2, 12), 4, date(2026, 2, 25)),    # Spring Festival; Sat 14 Feb is worked
    (date(2026, 2, 13), 1, date(2026, 2, 14)),    # the adjusted working Saturday
    (date(2026, 11, 26), 4, date(2026, 12, 2)),   # an ordinary week with a weekend
])
def test_working_days_follow_the_official_schedule(start, days, expected):
    assert add_working_days(start, days) == expected


def test_weekends_count_as_rest_for_years_the_calendar_does_not_know():
    assert is_working_day(date(2031, 3, 3)) and not is_working_day(date(2031, 3, 1))


def test_reply_is_due_at_the_end_of_the_fourth_working_day_local_time():
    registered = datetime(2025, 9, 30, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    due = reply_due(registered, 4, "Asia/Shanghai")
    assert due.isoformat() == "2025-10-14T00:00:00+08:00"


def test_codes_are_80_bits_from_a_readable_alphabet():
    code = codes.code_for(codes.new_submission_key(), "pepper")
    assert len(code) == 16 and set(code) <= set(codes.ALPHABET)
    assert len(codes.ALPHABET) == 32  # 16 x 5 bits = 80 bits
    assert not set("ILOU") & set(codes.ALPHABET)
    assert codes.format_code(code).count("-") == 3


def test_the_same_form_gives_the_same_code_and_another_form_another():
    assert codes.code_for("k1", "p") == codes.code_for("k1", "p")
    assert codes.code_for("k1", "p") != codes.code_for("k2", "p")
    assert codes.code_for("k1", "p") != codes.code_for("k1", "other pepper")


def test_typed_codes_ignore_case_spaces_dashes_and_lookalikes():
    assert codes.normalize_code(" ab0c-d1ef g2hj ") == "AB0CD1EFG2HJ"
    assert codes.normalize_code("abOc-dIef-gLhj") == "AB0CD1EF G1HJ".replace(" ", "")


def test_only_a_keyed_hash_is_stored():
    stored = codes.hash_code("ABCDEFGHJKMNPQRS", "pepper")
    assert "ABCDEFGHJKMNPQRS" not in stored and stored.startswith("hmac-sha256$")
    assert len(stored) == len("hmac-sha256$") + 64
    assert stored != codes.hash_code("ABCDEFGHJKMNPQRS", "another pepper")
    assert codes.verify_code("ABCDEFGHJKMNPQRS", stored, "pepper")
    assert not codes.verify_code("ABCDEFGHJKMNPQRT", stored, "pepper")
    assert not codes.verify_code("ABCDEFGHJKMNPQRS", stored, "another pepper")
    assert not codes.verify_code("ABCDEFGHJKMNPQRS", "garbage", "pepper")


def test_tracking_numbers():
    assert codes.tracking_number(2026, 123) == "TS-2026-000123"
    assert codes.normalize_tracking_number(" ts-2026-123 ") == "TS-2026-000123"
    assert codes.normalize_tracking_number("TS2026000123") == "TS-2026-000123"


@pytest.mark.parametrize(("text", "hidden"), [
    ("请回电 13812345678 谢谢", "13812345678"),
    ("电话：138-1234-5678", "138-1234-5678"),
    ("座机 0571-87654321", "0571-87654321"),
    ("身份证 33010619900101123X", "33010619900101123X"),
    ("邮箱 zhang.san@example.com", "zhang.san@example.com"),
    ("户号 3301234567", "3301234567"),
])
def test_redaction_removes_personal_numbers_and_addresses(text, hidden):
    result = redact(text)
    assert hidden not in result and "■■■" in result


def test_redaction_keeps_ordinary_text_and_short_numbers():
    text = "2025年3月停电 4 次，电压只有 180 伏，收费 200 元。"
    assert redact(text) == text


STAFF_MOVES = {(ComplaintStatus.REGISTERED, ComplaintStatus.ACCEPTED),
               (ComplaintStatus.REGISTERED, ComplaintStatus.REJECTED),
               (ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS),
               (ComplaintStatus.IN_PROGRESS, ComplaintStatus.REPLIED),
               (ComplaintStatus.REOPENED, ComplaintStatus.IN_PROGRESS),
               (ComplaintStatus.REPLIED, ComplaintStatus.CLOSED)}


@pytest.mark.parametrize("current", list(ComplaintStatus))
@pytest.mark.parametrize("target", list(ComplaintStatus))
def test_the_transition_table_for_staff(current, target):
    assert workflow.allowed(current, target, ActorKind.STAFF) == ((current, target) in
                                                                  STAFF_MOVES)


def test_only_the_committee_decides_and_only_escalated_cases():
    for current in ComplaintStatus:
        for actor in ActorKind:
            expected = current is ComplaintStatus.ESCALATED and actor is ActorKind.COMMITTEE
            assert workflow.allowed(current, ComplaintStatus.DECIDED, actor) == expected


def test_finished_cases_cannot_move():
    for target in ComplaintStatus:
        for actor in ActorKind:
            assert not workflow.allowed(ComplaintStatus.WITHDRAWN, target, actor)
            assert not workflow.allowed(ComplaintStatus.DECIDED, target, actor)


COMPLAINANT_MOVES = {
    (ComplaintStatus.REPLIED, ComplaintStatus.CLOSED),
    (ComplaintStatus.REPLIED, ComplaintStatus.REOPENED),
    (ComplaintStatus.CLOSED, ComplaintStatus.REOPENED),
    *{(s, ComplaintStatus.ESCALATED) for s in (
        ComplaintStatus.REPLIED, ComplaintStatus.CLOSED, ComplaintStatus.REJECTED,
        ComplaintStatus.REGISTERED, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS,
        ComplaintStatus.REOPENED)},
    *{(s, ComplaintStatus.WITHDRAWN) for s in (
        ComplaintStatus.REGISTERED, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS,
        ComplaintStatus.REOPENED)},
}


@pytest.mark.parametrize("current", list(ComplaintStatus))
@pytest.mark.parametrize("target", list(ComplaintStatus))
def test_the_transition_table_for_complainants(current, target):
    assert workflow.allowed(current, target, ActorKind.COMPLAINANT) == (
        (current, target) in COMPLAINANT_MOVES)


def test_the_service_refuses_what_the_table_refuses(app, file_complaint):
    from portal.complaints import services
    from portal.complaints.models import Complaint
    from portal.core.models import utcnow
    from portal.extensions import db

    file_complaint()
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        for target, actor in ((ComplaintStatus.REPLIED, ActorKind.STAFF),
                              (ComplaintStatus.CLOSED, ActorKind.COMPLAINANT),
                              (ComplaintStatus.DECIDED, ActorKind.STAFF),
                              (ComplaintStatus.ACCEPTED, ActorKind.COMPLAINANT)):
            with pytest.raises(services.ComplaintError):
                services.change_status(complaint, target, actor, utcnow(), reason="x")
        assert complaint.status is ComplaintStatus.REGISTERED
        assert len(complaint.events) == 1


def test_full_width_typing_is_read_as_half_width():
    assert codes.normalize_code("ＡＢ０Ｃ－Ｄ１ＥＦ　Ｇ２ＨＪ") == "AB0CD1EFG2HJ"
    assert codes.normalize_code("ab0c—d1ef") == "AB0CD1EF"
    assert codes.normalize_tracking_number("ＴＳ－２０２６－１２３") == "TS-2026-000123"
