"""Redaction of personal data in real-world formats, and what it must leave alone."""

from __future__ import annotations

import time
import unicodedata
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.complaints import services
from portal.complaints.enums import ActorKind, ComplaintStatus
from portal.complaints.models import Complaint
from portal.complaints.redaction import MASK, redact
from portal.core.models import utcnow
from portal.extensions import db
from tests.conftest import AuthActions


def _digits(text: str) -> list[str]:
    return [char for char in text if unicodedata.normalize("NFKC", char).isdigit()]


# Each row: what a complainant or a staff member may write, and the only acceptable result.
# The words around the number hold no digit, so that any digit left over is a leak.
MASKED = [
    ("请回电 13812345678 谢谢", f"请回电 {MASK} 谢谢"),
    ("手机 138 0013 8000。", f"手机 {MASK}。"),
    ("手机：138-0013-8000", f"手机：{MASK}"),
    ("手机 +86 138 0013 8000", f"手机 {MASK}"),
    ("手机 +86-138-0013-8000", f"手机 {MASK}"),
    ("手机（+86）13800138000", f"手机{MASK}"),
    ("手机 0086 13800138000", f"手机 {MASK}"),
    ("手机１３８００１３８０００，", f"手机{MASK}，"),  # full-width digits
    ("手机 １３８－００１３－８０００", f"手机 {MASK}"),  # full-width dashes
    ("手机 138\u00a00013\u00a08000", f"手机 {MASK}"),  # no-break spaces
    ("手机 138\u200b0013\u200b8000", f"手机 {MASK}"),  # zero-width spaces
    ("手机 138.0013.8000", f"手机 {MASK}"),
    ("座机 010-12345678", f"座机 {MASK}"),
    ("座机 0571-87654321", f"座机 {MASK}"),
    ("座机 (010) 1234 5678", f"座机 {MASK}"),
    ("座机（010）1234 5678", f"座机{MASK}"),
    ("座机 010 1234 5678", f"座机 {MASK}"),
    ("座机 0755-1234567 转 八", f"座机 {MASK} 转 八"),
    ("座机 010-12345678 转 801", f"座机 {MASK}"),
    ("座机 +86 10 6512 3456", f"座机 {MASK}"),
    ("座机 6512 3456", f"座机 {MASK}"),
    ("身份证 33010619900101123X", f"身份证 {MASK}"),
    ("身份证 110105 19491231 002X 的", f"身份证 {MASK} 的"),
    ("身份证 １１０１０５１９４９１２３１００２Ｘ", f"身份证 {MASK}"),
    ("账号 1234 5678 9012", f"账号 {MASK}"),
    ("银行卡 6222 0212 3456 7890 123", f"银行卡 {MASK}"),
    ("银行卡 6222-0212-3456-7890", f"银行卡 {MASK}"),
    ("户号 3301234567", f"户号 {MASK}"),
    ("邮箱 zhang.san@example.com", f"邮箱 {MASK}"),
    ("邮箱 zhang.san＠example.com.cn", f"邮箱 {MASK}"),
    ("邮箱 zhang.san @ example.com", f"邮箱 {MASK}"),
    ("邮箱 zhangsan[at]example.com", f"邮箱 {MASK}"),
    ("联系我zhang@qq.com谢谢", f"联系我{MASK}谢谢"),
    ("QQ：123456", f"QQ：{MASK}"),
    ("微信号：zhang_san88", f"微信号：{MASK}"),
    ("WeChat ID: zhangsan88", f"WeChat ID: {MASK}"),
    # A tracking number is half of what opens a case (the code is the other half), and the
    # public pages deliberately show none: a published text must not tie a case to its number.
    ("查询 TS-2026-000123 的进度", f"查询 {MASK} 的进度"),
    ("查询 ts 2026 123", f"查询 {MASK}"),
]

KEPT = [
    "2026-11-27 停电",
    "2026年11月27日 14:30 停电",
    "2026-11-27 14:30:00 至 2026-12-03",
    "2026/11/27 与 2026.11.27",
    "请于2026年12月1日前回复",
    "2024-2026年电价 与 2024～2026年",
    "收费 1,234.56元",
    "收费 12,345,678元",
    "共 12345678 元",
    "电价 0.5680元/千瓦时",
    "用电量 1234.5678 千瓦时",
    "拨打 95598 或 12398",
    "等了 45分钟，涉及 3户",
    "2025年3月停电 4 次，电压只有 180 伏，收费 200 元。",
    "发改价格〔2026〕123号",
    "11:30-12:30 停电",
    "380V 与 10kV 线路",
    "第 2 档 0.6180 元",
    "共 100 200 300 元",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_is_masked_whole(text, expected):
    result = redact(text)
    assert result == expected
    assert _digits(result) == []


@pytest.mark.parametrize("text", KEPT)
def test_dates_amounts_prices_hotlines_and_short_numbers_stay(text):
    assert redact(text) == text


def test_the_text_around_a_mask_is_kept_as_written():
    text = ("（全角）电话：１３８００１３８０００；"
            "邮箱　ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ；缴费 ２００ 元。")
    assert redact(text) == f"（全角）电话：{MASK}；邮箱　{MASK}；缴费 ２００ 元。"


def test_several_numbers_and_nothing():
    assert redact("13800138000/13900139000") == f"{MASK}/{MASK}"
    assert redact(None) == "" and redact("") == ""


@pytest.mark.parametrize("text", ["a" * 50_000 + "@", "1-" * 25_000, "a." * 25_000 + "@x"])
def test_redaction_takes_linear_time(text):
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 2


def test_the_committee_reads_redacted_text_and_staff_the_original(
        app, client, file_complaint, make_user, auth):
    number, _code = file_complaint(at=utcnow() - timedelta(days=20),
                                   subject="抄表员电话 139 1234 5678",
                                   description="请拨打 138-1234-5678 或发邮件 li@example.com")
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        services.change_status(complaint, ComplaintStatus.ESCALATED, ActorKind.COMPLAINANT,
                               utcnow(), reason="超期未答复，请打（010）6512 3456")
        db.session.commit()
    make_user("member", role="committee")
    auth.login("member")
    pages = [client.get("/staff/complaints/committee/?lang=en").get_data(as_text=True),
             client.get(f"/staff/complaints/committee/{number}?lang=en").get_data(as_text=True)]
    for page in pages:
        for secret in ("5678", "li@example.com", "6512"):
            assert secret not in page
    assert "请拨打 ■■■ 或发邮件 ■■■" in pages[1] and "超期未答复，请打■■■" in pages[1]

    make_user("handler", role="staff")
    staff = app.test_client()
    AuthActions(app, staff).login("handler")
    page = staff.get(f"/staff/complaints/{number}?lang=en").get_data(as_text=True)
    assert "请拨打 138-1234-5678 或发邮件 li@example.com" in page
