"""Markdown that people write is shown as HTML that cannot run anything (portal/core/markdown.py):
hostile inputs from OWASP's XSS filter evasion examples, ordinary Markdown, and random text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask, render_template_string
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from portal.core.markdown import render_markdown

# What the output may hold: the sanitiser's list, and the responsive table's region.
ALLOWED = {
    "p": set(), "h2": set(), "h3": set(), "h4": set(), "ul": set(), "ol": {"start"},
    "li": set(), "strong": set(), "em": set(), "a": {"href", "rel"}, "blockquote": set(),
    "code": set(), "pre": set(), "br": set(), "hr": set(),
    "div": {"class", "role", "aria-label", "tabindex"},
    "table": {"role", "class"}, "thead": {"role"}, "tbody": {"role"}, "tr": {"role"},
    "th": {"role"}, "td": {"role", "data-label"},
}
SAFE_SCHEMES = {"http", "https", "mailto"}
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _Audit(HTMLParser):
    """Every tag, attribute and link of a fragment, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.problems.append(f"tag <{tag}>")
            return
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name not in ALLOWED[tag]:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and value is not None:
                # A browser drops tabs, newlines and leading control characters from a URL.
                found = SCHEME.match(INVISIBLE.sub("", value).lower())
                if found and found.group(1) not in SAFE_SCHEMES:
                    self.problems.append(f"link to {value!r}")

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")


def executable(html: str) -> list[str]:
    """What in ``html`` could run or load something; empty when it is inert."""
    audit = _Audit()
    audit.feed(html)
    audit.close()
    problems = audit.problems
    if "<script" in html.lower():
        problems.append("<script")
    if re.search(r"<[^>]*javascript:", html, re.IGNORECASE):
        problems.append("javascript: inside a tag")
    return problems


HOSTILE = {
    "script tag": "<script>alert('XSS')</script>",
    "script in a paragraph": "Hello <SCRIPT SRC=https://xss.example/xss.js></SCRIPT> world",
    "img onerror": '<img src=x onerror="alert(1)">',
    "img onerror without quotes": "<IMG SRC=/ onerror=alert(String.fromCharCode(88,83,83))>",
    "markdown image with onerror": '![x" onerror="alert(1)](https://example.org/a.png)',
    "markdown image javascript": "![x](javascript:alert(1))",
    "mixed case javascript link": "[click](JaVaScRiPt:alert('XSS'))",
    "decimal entity javascript": "[click](&#106;avascript:alert(1))",
    "padded decimal entities": "[click](&#0000106&#0000097&#0000118&#0000097&#0000115"
                               "&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1))",
    "hex entities": "[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;"
                    "&#x3A;alert(1))",
    "named colon entity": "[click](javascript&colon;alert(1))",
    "embedded tab": "[click](jav\tascript:alert(1))",
    "encoded tab": "[click](jav&#x09;ascript:alert(1))",
    "encoded newline": "[click](jav&#x0A;ascript:alert(1))",
    "leading space and control": "[click]( \x01javascript:alert(1))",
    "angle-bracket destination": "[click](<javascript:alert(1)>)",
    "reference link": "[click][evil]\n\n[evil]: javascript:alert(1)",
    "autolink": "<javascript:alert(1)>",
    "vbscript": "[click](vbscript:msgbox(1))",
    "data text/html": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data image link": "[click](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "raw anchor": '<a href="javascript:alert(1)">click</a>',
    "svg onload": "<svg/onload=alert('XSS')>",
    "svg with script": "<svg><script>alert(1)</script></svg>",
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "iframe srcdoc": "<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>",
    "style attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "style tag": "<style>@import 'https://xss.example/x.css';</style>",
    "body onload": "<BODY ONLOAD=alert('XSS')>",
    "event handler in inline html": 'Text <b onmouseover="alert(1)">bold</b> text',
    "nested markdown link": "[[click](javascript:alert(1))](https://example.org)",
    "link inside link text": "[a [b](javascript:alert(1)) c](javascript:alert(2))",
    "link title breakout": '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
    "html comment": "<!-- <script>alert(1)</script> -->",
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "object": '<object data="javascript:alert(1)"></object>',
    "form action": '<form action="javascript:alert(1)"><button>x</button></form>',
    "table cell with html": "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "code span with script": "`<script>alert(1)</script>`",
    "fenced code with script": "```html\n<script>alert(1)</script>\n```",
    "null byte": "<scr\x00ipt>alert(1)</scr\x00ipt>",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_yields_nothing_executable(text):
    html = str(render_markdown(text))
    assert executable(html) == [], html


def test_raw_html_is_shown_as_text_not_dropped():
    html = str(render_markdown("Write <script>alert(1)</script> here"))
    assert html == "<p>Write &lt;script&gt;alert(1)&lt;/script&gt; here</p>\n"


def test_a_javascript_link_stays_text_and_a_data_link_loses_its_address():
    assert "<a" not in str(render_markdown("[click](JaVaScRiPt:alert(1))"))
    assert str(render_markdown("[click](data:image/png;base64,AAAA)")) == "<p><a>click</a></p>\n"


def test_an_image_is_shown_as_its_alternative_text():
    html = str(render_markdown("See ![the meter *diagram*](https://example.org/m.png) below"))
    assert html == "<p>See the meter diagram below</p>\n"
    assert str(render_markdown('![<b onclick="x">](a.png)')) == (
        '<p>&lt;b onclick="x"&gt;</p>\n')


def test_ordinary_markdown_renders():
    text = ("Intro with *emphasis* and **strong** and `code`.\n\n"
            "- one\n- two\n\n"
            "1. first\n2. second\n\n"
            "> quoted\n\n"
            "---\n\n"
            "line one  \nline two")
    assert str(render_markdown(text)) == (
        "<p>Intro with <em>emphasis</em> and <strong>strong</strong> and <code>code</code>.</p>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        "<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        "<hr>\n"
        "<p>line one<br>\nline two</p>\n")


def test_a_numbered_list_keeps_its_first_number_and_code_blocks_their_text():
    assert str(render_markdown("3. three\n4. four")).startswith('<ol start="3">')
    assert str(render_markdown("```python\nif a < b:\n    pass\n```")) == (
        "<pre><code>if a &lt; b:\n    pass\n</code></pre>\n")


def test_links_external_get_rel_relative_and_mail_do_not():
    html = str(render_markdown("[a](https://example.org/x?y=1&z=2) [b](/tariffs) "
                               "[c](mailto:office@example.org) [d](//elsewhere.example/p) "
                               "[e](#part-2) [f](HTTP://EXAMPLE.ORG)"))
    assert '<a href="https://example.org/x?y=1&amp;z=2" rel="nofollow noopener">a</a>' in html
    assert '<a href="/tariffs">b</a>' in html
    assert '<a href="mailto:office@example.org">c</a>' in html
    assert '<a href="//elsewhere.example/p" rel="nofollow noopener">d</a>' in html
    assert '<a href="#part-2">e</a>' in html
    assert '<a href="HTTP://EXAMPLE.ORG" rel="nofollow noopener">f</a>' in html


def test_headings_start_at_h2_and_stop_at_h4():
    assert str(render_markdown("# A\n\n## B\n\n### C\n\n#### D")) == (
        "<h2>A</h2>\n<h3>B</h3>\n<h4>C</h4>\n<h4>D</h4>\n")
    # Text that starts at h2 already keeps its levels.
    assert str(render_markdown("## B\n\n### C")) == "<h2>B</h2>\n<h3>C</h3>\n"
    assert str(render_markdown("Title\n=====")) == "<h2>Title</h2>\n"
    assert "<h1" not in str(render_markdown("###### deep\n\n# top"))


def test_a_table_renders_in_the_responsive_pattern():
    html = str(render_markdown("| 项目 | 金额 |\n|---|--:|\n| 电费 | 12.50 |"))
    assert '<div class="table-scroll" role="region" aria-label="' in html
    assert '<th role="columnheader">项目</th>' in html
    assert '<td role="cell" data-label="金额">12.50</td>' in html
    assert "style" not in html  # column alignment is dropped with the style attribute
    assert executable(html) == []


def test_chinese_text_and_full_width_punctuation_are_untouched():
    text = "根据《供电营业规则》第三条，委员会认为：“收费合理”；但（一）应于 7 日内答复……"
    assert str(render_markdown(text)) == f"<p>{text}</p>\n"
    assert str(render_markdown("**决定**：同意。")) == "<p><strong>决定</strong>：同意。</p>\n"


def test_empty_text_renders_nothing():
    assert render_markdown("") == Markup("")
    assert render_markdown(None) == Markup("")


def test_the_jinja_filter_renders_and_escapes_nothing_twice(app: Flask):
    with app.test_request_context():
        html = render_template_string("<div>{{ body | markdown }}</div>",
                                      body="**Decision** <script>x</script> & more")
    assert html == ("<div><p><strong>Decision</strong> &lt;script&gt;x&lt;/script&gt;"
                    " &amp; more</p>\n</div>")


FRAGMENTS = ["<script>", "</script>", "<img src=x ", "onerror=alert(1)", " onload=", "<svg ",
             "<iframe ", "style=", "javascript:", "JaVaScRiPt:", "java\tscript:", "&#106;",
             "&#x6A;", "&colon;", "&#58;", "data:text/html,", "vbscript:", "[", "]", "(", ")",
             "](", "<", ">", '"', "'", "`", "```\n", "**", "_", "# ", "\n", "\n\n", "| a |",
             "|---|", "![", "<a href=", "\\", "\x00", "%0a", "http://", "//", "mailto:"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=16)
       .map("".join))
def test_random_text_never_yields_anything_executable(text):
    html = str(render_markdown(text))
    assert executable(html) == [], (text, html)
