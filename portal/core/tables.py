"""One responsive pattern for every table: on a phone each row becomes a block, each cell a line
that starts with its column's name (templates/_tables.html, static/css/portal.css).

CSS shows a cell's column name from its ``data-label``, and a table whose rows and cells are
displayed as blocks loses its table semantics in some browsers, so ``stacked_table`` writes both
into the table's markup: every data cell gets the text of its column header as ``data-label``
(unless it has one, or spans several columns) and every part of the table its explicit ARIA
role (table, rowgroup, row, columnheader, rowheader, cell). Template authors write a plain table
with a ``<thead>`` and get the rest.

The markup comes from templates, where data is escaped: a literal ``<td`` can only be the
template's own tag, so reading the tags with a regular expression is safe.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup, escape

TAG = re.compile(r"""<(/?)(table|thead|tbody|tfoot|tr|th|td)\b((?:[^>"']|"[^"]*"|'[^']*')*)>""",
                 re.IGNORECASE)
ANY_TAG = re.compile(r"<[^>]*>")
SPACE = re.compile(r"\s+")
COLSPAN = re.compile(r"""\bcolspan\s*=\s*["']?(\d+)""", re.IGNORECASE)
SCOPE = re.compile(r"""\bscope\s*=\s*["']?(\w+)""", re.IGNORECASE)
CLASS = re.compile(r"""\bclass\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
GROUPS = {"thead", "tbody", "tfoot"}
STACKED_CLASS = "stacked"


def _has(attributes: str, name: str) -> bool:
    return re.search(rf"(^|\s){name}\s*=", attributes, re.IGNORECASE) is not None


def _text(fragment: str) -> str:
    """The plain text of a header cell's markup, on one line."""
    return SPACE.sub(" ", html.unescape(ANY_TAG.sub(" ", fragment))).strip()


def _with_class(attributes: str) -> str:
    found = CLASS.search(attributes)
    if found is None:
        return f' class="{STACKED_CLASS}"{attributes}'
    classes = found.group(2).split()
    if STACKED_CLASS in classes:
        return attributes
    start, end = found.span(2)
    return f"{attributes[:start]}{' '.join([*classes, STACKED_CLASS])}{attributes[end:]}"


class _Table:
    """What the reader knows while it walks one table's tags in order."""

    def __init__(self) -> None:
        self.group = ""
        self.column = 0
        self.headers: list[str] = []
        self.header_start: int | None = None
        self.header_span = 1

    def role(self, name: str, attributes: str) -> str:
        if name == "table":
            return "table"
        if name in GROUPS:
            return "rowgroup"
        if name == "tr":
            return "row"
        if name == "td":
            return "cell"
        scope = SCOPE.search(attributes)
        if self.group == "thead" or (scope is not None and scope.group(1).lower() == "col"):
            return "columnheader"
        return "rowheader"

    def label(self, name: str, attributes: str, span: int) -> str | None:
        """The column name for a data cell that covers one column, if the table has one."""
        if name != "td" or self.group == "thead" or span != 1 or _has(attributes, "data-label"):
            return None
        if self.column < len(self.headers) and self.headers[self.column]:
            return self.headers[self.column]
        return None

    def close(self, name: str, source: str, start: int) -> None:
        """A closing tag at ``start``: a column header's text is complete."""
        if name == "th" and self.group == "thead" and self.header_start is not None:
            self.headers += [_text(source[self.header_start:start])] * self.header_span
            self.header_start = None
        elif name in GROUPS:
            self.group = ""

    def open(self, name: str, attributes: str, end: int) -> str:
        """An opening tag that ends at ``end``, written again with its role and label."""
        span = int(found.group(1)) if (found := COLSPAN.search(attributes)) else 1
        extra = "" if _has(attributes, "role") else f' role="{self.role(name, attributes)}"'
        label = self.label(name, attributes, span)
        if label is not None:
            extra += f' data-label="{escape(label)}"'
        if name == "table":
            attributes = _with_class(attributes)
        elif name in GROUPS:
            self.group = name
        elif name == "tr":
            self.column = 0
            if self.group == "thead":
                self.headers = []
        else:  # th, td
            if name == "th" and self.group == "thead":
                self.header_start, self.header_span = end, span
            self.column += span
        return f"<{name}{extra}{attributes}>"


def stacked_table(markup: Markup | str) -> Markup:
    """The table markup with the stacked class, ARIA roles and data-label on its cells."""
    source = str(markup if isinstance(markup, Markup) else escape(markup))
    out: list[str] = []
    table = _Table()
    position = 0
    for match in TAG.finditer(source):
        out.append(source[position:match.start()])
        position = match.end()
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            table.close(name, source, match.start())
            out.append(match.group(0))
            continue
        if name == "table":
            table = _Table()
        out.append(table.open(name, attributes, match.end()))
    out.append(source[position:])
    # Safe markup in; what was added is escaped text in attributes.
    return Markup("".join(out))  # noqa: S704
