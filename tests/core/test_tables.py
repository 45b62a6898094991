"""Every table uses the one responsive pattern (templates/_tables.html), and the filter behind
it names each cell after its column and keeps the table's roles."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, render_template_string
from markupsafe import Markup

from portal.core.tables import stacked_table

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

TABLE = Markup("""<table class="bill"><caption id="c">Bill</caption>
<thead><tr><th scope="col">Item</th><th scope="col" class="num">Price &amp; <abbr>VAT</abbr></th>
<th scope="col">Amount</th></tr></thead>
<tbody><tr><th scope="row">Energy</th><td class="num">0.5380</td><td data-label="Own">1.00</td></tr>
<tr><td colspan="3">Nothing</td></tr></tbody>
<tfoot><tr><th scope="row" colspan="2">Total</th><td>1.00</td></tr></tfoot></table>""")


def test_cells_are_named_after_their_column():
    html = str(stacked_table(TABLE))
    assert '<td role="cell" data-label="Price &amp; VAT" class="num">0.5380</td>' in html
    assert '<td role="cell" data-label="Own">1.00</td>' in html  # its own label stays
    assert '<td role="cell" colspan="3">Nothing</td>' in html  # spans every column: no label
    # After a header spanning two columns, the next cell is in the third.
    assert '<td role="cell" data-label="Amount">1.00</td></tr></tfoot>' in html


def test_every_part_of_the_table_has_its_role():
    html = str(stacked_table(TABLE))
    assert '<table role="table" class="bill stacked">' in html
    assert html.count('role="rowgroup"') == 3
    assert html.count('role="row"') == 4
    assert html.count('role="columnheader"') == 3
    assert html.count('role="rowheader"') == 2
    assert '<caption id="c">' in html


def test_a_role_or_class_given_by_the_template_is_kept():
    html = str(stacked_table(Markup('<table class="stacked x"><tr role="presentation">'
                                    "<td>1</td></tr></table>")))
    assert '<table role="table" class="stacked x">' in html
    assert '<tr role="presentation">' in html
    assert '<td role="cell">1</td>' in html  # no header row: no label


def test_text_that_is_not_markup_is_escaped_first():
    assert str(stacked_table("<td>x</td>")) == "&lt;td&gt;x&lt;/td&gt;"


def test_escaped_data_is_never_read_as_a_tag(app: Flask):
    with app.test_request_context():
        html = render_template_string(
            '{% from "_tables.html" import responsive_table %}'
            '{% call responsive_table("c") %}<table><caption id="c">{{ x }}</caption>'
            '<thead><tr><th>{{ x }}</th></tr></thead><tbody><tr><td>{{ x }}</td></tr></tbody>'
            "</table>{% endcall %}", x='<td>"evil"</td>')
    assert html.count("<td") == 1
    assert 'data-label="&lt;td&gt;&#34;evil&#34;&lt;/td&gt;"' in html
    assert 'role="region" aria-labelledby="c" tabindex="0"' in html


def test_every_table_in_the_templates_uses_the_responsive_pattern():
    """A new table (committee, statistics) wraps itself in responsive_table or this fails."""
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        if path.name == "_tables.html":
            continue
        text = path.read_text(encoding="utf-8")
        tables = len(re.findall(r"<table\b", text))
        calls = len(re.findall(r"{%-?\s*call\s+responsive_table\(", text))
        if tables != calls:
            missing.append(f"{path.relative_to(TEMPLATES)}: {tables} tables, {calls} wrapped")
    assert missing == []
