"""The API blueprint: JSON errors that name the parameter, CSV helpers, CORS for reading."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


class ApiError(Exception):
    """A request the API answers with 4xx and a JSON error naming the parameter."""

    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int]:
    body: dict[str, Any] = {"status": error.status, "message": error.message}
    if error.parameter:
        body["parameter"] = error.parameter
    return jsonify(error=body), error.status


@bp.after_request
def _open_to_all(response: Response) -> Response:
    """Anyone may read open data from any site; nothing here uses cookies."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Cache-Control", "public, max-age=300")
    return response


# The characters with which a spreadsheet reads a cell as a formula: OWASP's =, +, -, @, tab
# and carriage return, plus NUL (OWASP ASVS) and line feed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def csv_cell(value: Any) -> Any:
    """A cell as a spreadsheet should show it: text that could start a formula gets a ``'``.

    Numbers (int, Decimal) are written as they are, so that a negative number stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A UTF-8 CSV download (with a byte-order mark so that spreadsheet programs read Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


from portal.api import fees as _fees  # noqa: E402,F401  (routes register on bp)
