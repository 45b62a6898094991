"""Import monthly measurements from a CSV or XLSX file: all or nothing.

The format (``TEMPLATE``; the staff page offers it for download) is one row per commitment,
month and district, with a header row::

    commitment,month,district,cases,within_target,median,p90
    REPAIR-ARRIVAL,2026-10,CENTRAL,412,398,31,52

CSV may be UTF-8 (with or without the byte-order mark that spreadsheet software writes) or GBK /
GB 18030, which Chinese spreadsheet software writes by default; anything else is refused with a
message saying so. XLSX is read from its first sheet, without formulas being evaluated (a cell
holding a formula counts as text), and a file whose unpacked size or row count is out of
proportion is refused before it is read. Every problem is reported with its row (as a
spreadsheet numbers it: the header is row 1) and column, up to ``MAX_PROBLEMS``.

A row replaces the figure of its commitment, month and district, if there was one (the other
districts' figures stay); what it replaced is kept with the import (who, when, the file's
SHA-256) and published in the transparency log in the same transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.commitments.enums import Measure, Source
from portal.commitments.models import Commitment, Measurement, MeasurementImport
from portal.commitments.performance import min_cell, restate, states, version_on
from portal.complaints.models import District
from portal.core import publication
from portal.core.errors import DomainError
from portal.extensions import db

COLUMNS = ("commitment", "month", "district", "cases", "within_target", "median", "p90")
TEMPLATE = ",".join(COLUMNS) + "\r\n"  # no example row: kept by mistake, it would be imported
EXAMPLE = "REPAIR-ARRIVAL,2026-10,CENTRAL,412,398,31,52"
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
MAX_UNPACKED = 40 * 1024 * 1024  # an XLSX unpacked: generous for 20,000 rows
MAX_PROBLEMS = 20
MAX_VALUE = 10_000_000
NUMBER = re.compile(r"[0-9]+")  # ASCII digits only: no sign, exponent, space or full width
DECIMAL = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class ImportProblem:
    """What is wrong, and where: ``row`` as a spreadsheet numbers it (None: the whole file)."""

    row: int | None
    column: str | None
    message: Any

    def __str__(self) -> str:
        if self.row is None:
            return str(self.message)
        if self.column is None:
            return str(_l("Row %(row)s: %(message)s", row=self.row, message=self.message))
        return str(_l("Row %(row)s, column %(column)s: %(message)s", row=self.row,
                      column=self.column, message=self.message))


class ImportRefused(DomainError):
    """The file is refused whole; ``problems`` say why."""

    field = "file"

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        more = len(problems) - len(self.problems)
        super().__init__(LazyString(lambda: " ".join(
            [str(p) for p in self.problems]
            + ([str(_l("And %(count)s more problems.", count=more))] if more else []))))


def _whole(message: Any) -> ImportRefused:
    return ImportRefused([ImportProblem(None, None, message)])


NOT_A_TABLE = _l("This file is neither a CSV file nor an Excel workbook (.xlsx). Save it as "
                 "CSV (UTF-8) or .xlsx and import it again.")


TOO_MANY_ROWS = _l("The file has more than %(count)s rows. Import fewer months at a time.",
                  count="20,000")
UTF_16 = (b"\xff\xfe", b"\xfe\xff")


def read_rows(data: bytes) -> list[list[str]]:
    """The file's rows as text: an XLSX workbook's first sheet, or CSV in UTF-8, UTF-16 (with
    its byte-order mark) or GBK."""
    if not data:
        raise _whole(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise _whole(_l("The file is larger than 2 MB. Import fewer months at a time."))
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    encodings = ["utf-16"] if data.startswith(UTF_16) else ["utf-8-sig", "gb18030"]
    if encodings != ["utf-16"] and (b"\x00" in data[:4096]
                                    or data.startswith((b"%PDF", b"\xd0\xcf\x11\xe0"))):
        raise _whole(NOT_A_TABLE)
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            return _limited(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
        except csv.Error:  # a field longer than the csv module takes: no table of figures
            raise _whole(NOT_A_TABLE) from None
    raise _whole(_l("The CSV file is neither UTF-8 nor GBK text. Save it again as "
                    "\u201cCSV UTF-8\u201d."))


def _limited(rows: Iterable[Iterable[object]]) -> list[list[str]]:
    """At most ``MAX_ROWS`` rows besides the header (empty ones count: none is skipped
    silently), each cut to a few more cells than there are columns (more are refused)."""
    found: list[list[str]] = []
    for values in rows:
        if len(found) > MAX_ROWS:
            raise _whole(TOO_MANY_ROWS)
        found.append([_cell_text(value) for value in list(values)[:len(COLUMNS) + 1]])
    return found


def _xlsx_rows(data: bytes) -> list[list[str]]:
    """The first sheet's cells as text. Formulas are not evaluated: a cell holding one reads
    as its formula, which no number column takes. Only the first columns are read, so that a
    sheet declaring thousands of columns costs nothing; any fault of a crafted workbook is a
    refusal, never an error page."""
    from openpyxl import load_workbook  # only staff imports need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
            if unpacked > MAX_UNPACKED:
                raise _whole(_l("This workbook is too large once unpacked. Import fewer "
                                "months at a time."))
            if "xl/workbook.xml" not in archive.namelist():
                raise _whole(NOT_A_TABLE)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except ImportRefused:
        raise
    except Exception:  # whatever a crafted archive makes the parser raise
        raise _whole(NOT_A_TABLE) from None
    try:
        sheet = book.worksheets[0]
        if (sheet.max_row or 0) > MAX_ROWS + 1:
            raise _whole(TOO_MANY_ROWS)
        return _limited(sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 1))
    except ImportRefused:
        raise
    except Exception:  # a damaged sheet: a refusal, not an error page
        raise _whole(NOT_A_TABLE) from None
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _last_day(month: date) -> date:
    """A month's last day: the version in force then judges it (as the pages do)."""
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


@dataclass(frozen=True)
class Parsed:
    """One valid row."""

    row: int
    commitment: Commitment
    month: date
    district: str
    cases: int
    within: int
    median: Decimal | None
    p90: Decimal | None


class _Reader:
    """Checks rows one by one, collecting every problem."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.problems: list[ImportProblem] = []
        self.commitments = {c.code: c for c in db.session.scalars(sa.select(Commitment))}
        self.districts = set(db.session.scalars(sa.select(District.code)))

    def fail(self, row: int, column: str | None, message: Any) -> None:
        self.problems.append(ImportProblem(row, column, message))

    def count(self, row: int, column: str, text: str) -> int | None:
        if not NUMBER.fullmatch(text):
            self.fail(row, column, _l("Enter a whole number of at least 0."))
            return None
        if len(text) > 8 or int(text) > MAX_VALUE:
            self.fail(row, column, _l("This number is too large."))
            return None
        return int(text)

    def amount(self, row: int, column: str, text: str) -> Decimal | None:
        if not text:
            return None
        if not DECIMAL.fullmatch(text) or len(text) > 12 or Decimal(text) > MAX_VALUE:
            self.fail(row, column, _l("Enter a number of at least 0 with at most 2 decimals, "
                                      "or leave it empty."))
            return None
        return Decimal(text).quantize(Decimal("0.01"))

    def month(self, row: int, text: str) -> date | None:
        match = MONTH.fullmatch(text)
        found = None
        if match and 2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12:
            found = date(int(match[1]), int(match[2]), 1)
        if found is None:
            self.fail(row, "month", _l("Enter the month as YYYY-MM, for example 2026-10."))
            return None
        if found >= self.today.replace(day=1):
            self.fail(row, "month", _l("This month has not ended yet."))
            return None
        return found

    def commitment(self, row: int, code: str, month: date | None) -> Commitment | None:
        found = self.commitments.get(code)
        if found is None or found.source is not Source.IMPORTED:
            self.fail(row, "commitment", _l("Unknown commitment code, or one whose figures "
                                            "are computed by the portal."))
            return None
        if month is not None and version_on(found, _last_day(month)) is None:
            self.fail(row, "commitment", _l("This commitment has no published version yet."))
            return None
        return found

    def parse(self, number: int, cells: list[str]) -> Parsed | None:
        values = dict(zip(COLUMNS, (cell.strip() for cell in cells), strict=False))
        before = len(self.problems)
        month = self.month(number, values.get("month", ""))
        commitment = self.commitment(number, values.get("commitment", ""), month)
        district = values.get("district", "")
        if district not in self.districts:
            self.fail(number, "district", _l(
                "Unknown district code “%(value)s”; the codes are %(codes)s.",
                value=district[:20], codes=", ".join(sorted(self.districts))))
        cases = self.count(number, "cases", values.get("cases", ""))
        within = self.count(number, "within_target", values.get("within_target", ""))
        if cases is not None and within is not None and within > cases:
            self.fail(number, "within_target", _l("More cases within the target than cases."))
        median = self.amount(number, "median", values.get("median", ""))
        p90 = self.amount(number, "p90", values.get("p90", ""))
        if median is not None and p90 is not None and p90 < median:
            self.fail(number, "p90", _l("The 90th percentile is below the median."))
        if (median is None) != (p90 is None) and not len(self.problems) > before:
            self.fail(number, "median" if median is None else "p90",
                      _l("Give the median and the 90th percentile both, or neither."))
        version = version_on(commitment, _last_day(month)) if commitment and month else None
        if (version is not None and version.measure is Measure.MIN_SHARE
                and (median is not None or p90 is not None)):
            self.fail(number, "median", _l("A share commitment has no median nor 90th "
                                           "percentile: leave them empty."))
        if len(self.problems) > before or commitment is None or month is None:
            return None
        assert cases is not None and within is not None
        return Parsed(number, commitment, month, district, cases, within, median, p90)


def parse(table: list[list[str]], today: date) -> list[Parsed]:
    """Every row, checked; all the problems at once if there are any."""
    rows = [row for row in table]
    if not rows or [cell.strip().lower() for cell in rows[0][:len(COLUMNS)]] != list(COLUMNS):
        raise _whole(_l("The first row must name the columns: %(columns)s.",
                        columns=", ".join(COLUMNS)))
    body = [(number, row) for number, row in enumerate(rows[1:], start=2)
            if any(cell.strip() for cell in row)]
    if not body:
        raise _whole(_l("The file holds no figures."))
    if len(body) > MAX_ROWS:
        raise _whole(TOO_MANY_ROWS)
    reader = _Reader(today)
    parsed: list[Parsed] = []
    seen: dict[tuple[str, date, str], int] = {}
    for number, cells in body:
        extra = [cell for cell in cells[len(COLUMNS):] if cell.strip()]
        if extra:
            reader.fail(number, None, _l("This row has more values than there are columns."))
            continue
        found = reader.parse(number, cells)
        if found is None:
            continue
        key = (found.commitment.code, found.month, found.district)
        if key in seen:
            reader.fail(number, None, _l("The same commitment, month and district as row "
                                         "%(row)s.", row=seen[key]))
            continue
        seen[key] = number
        parsed.append(found)
    if reader.problems:
        raise ImportRefused(reader.problems)
    return parsed


Values = tuple[int, int, Decimal | None, Decimal | None]


def _shown(values: Values | None, state: str, k: int) -> dict[str, Any] | None:
    """A replaced or new figure as the public pages show it (``performance.states``): only a
    published count with its figures; "<k" for a small one, "hidden" for one hidden so that
    a small count cannot be found by subtraction."""
    if values is None:
        return None
    cases, within, median, p90 = values
    if state == "small":
        return {"cases": f"<{k}"}
    if state == "hidden":
        return {"cases": "hidden"}
    return {"cases": cases, "within_target": within,
            "median": None if median is None else f"{median:f}",
            "p90": None if p90 is None else f"{p90:f}"}


def _month_states(months: list[tuple[int, date]]) -> dict[tuple[int, str, str], str]:
    """How each district's count of these months is published now."""
    found = {}
    for commitment_id, year in sorted({(c, m.year) for c, m in months}):
        for (period, district), state in states(commitment_id, year).items():
            found[commitment_id, period, district] = state
    return found


def _old_values(months: list[tuple[int, date]]) -> dict[tuple[int, date, str], Values]:
    old: dict[tuple[int, date, str], Values] = {}
    for commitment_id, month in months:
        for row in db.session.scalars(sa.select(Measurement).where(
                Measurement.commitment_id == commitment_id, Measurement.month == month)):
            old[commitment_id, month, row.district_code] = (
                row.cases, row.within_target, row.median, row.p90)
    return old


def _changes(parsed: list[Parsed], old: dict[tuple[int, date, str], Values],
             states_before: dict[tuple[int, str, str], str]) -> list[dict[str, Any]]:
    """What the import changed: every figure replaced, as the public pages showed it before
    and show it now."""
    k = min_cell()
    months = sorted({(p.commitment.id, p.month) for p in parsed})
    new = {(p.commitment.id, p.month, p.district): (p.cases, p.within, p.median, p.p90)
           for p in parsed}
    codes = {p.commitment.id: p.commitment.code for p in parsed}
    states_after = _month_states(months)
    changes = []
    for key in sorted(old, key=lambda found: (codes[found[0]], found[1], found[2])):
        if key not in new or old[key] == new[key]:
            continue
        place = (key[0], f"{key[1]:%Y-%m}", key[2])
        changes.append({"commitment": codes[key[0]], "month": place[1], "district": key[2],
                        "before": _shown(old[key], states_before.get(place, "published"), k),
                        "after": _shown(new.get(key), states_after.get(place, "published"),
                                        k)})
    return changes


def import_rows(parsed: list[Parsed], data: bytes, filename: str, user: User | None,
                now: datetime) -> MeasurementImport:
    """Put the rows in, each replacing the figure of its commitment, month and district (the
    other districts' figures stay); keep and publish what was replaced."""
    months = sorted({(p.commitment.id, p.month) for p in parsed})
    old, states_before = _old_values(months), _month_states(months)
    given = {(p.commitment.id, p.month, p.district) for p in parsed}
    record = MeasurementImport(
        imported_at=now, imported_by_id=user.id if user else None,
        filename=filename[:200] or "measurements", sha256=hashlib.sha256(data).hexdigest(),
        rows=len(parsed), months=",".join(sorted({f"{m:%Y-%m}" for _, m in months})))
    db.session.add(record)
    db.session.flush()
    for key in old:  # only the figures the file gives again: other districts stay
        if key in given:
            db.session.execute(sa.delete(Measurement).where(
                Measurement.commitment_id == key[0], Measurement.month == key[1],
                Measurement.district_code == key[2]))
    db.session.add_all(Measurement(
        commitment_id=p.commitment.id, month=p.month, district_code=p.district, cases=p.cases,
        within_target=p.within, median=p.median, p90=p.p90, import_id=record.id)
        for p in parsed)
    db.session.flush()
    for commitment_id, month in months:
        restate(commitment_id, month, {key[2]: values[0] for key, values in old.items()
                                       if key[:2] == (commitment_id, month)})
    record.changes = json.dumps(_changes(parsed, old, states_before), ensure_ascii=False,
                                sort_keys=True)
    db.session.flush()
    publication.announce(record, user, now)
    return record


def import_file(data: bytes, filename: str, user: User | None, now: datetime,
                today: date) -> MeasurementImport:
    """Read, check and import a file; ``ImportRefused`` (nothing imported) if anything in it
    is wrong."""
    return import_rows(parse(read_rows(data), today), data, filename, user, now)


def changes_of(record: MeasurementImport) -> list[dict[str, Any]]:
    """The figures an import replaced, as published."""
    found: list[dict[str, Any]] = json.loads(record.changes or "[]")
    return found


def recent_imports(limit: int = 20) -> Iterable[MeasurementImport]:
    """The latest imports, newest first."""
    return db.session.scalars(sa.select(MeasurementImport)
                              .order_by(MeasurementImport.id.desc()).limit(limit))
