"""Markdown that people write (a committee decision's body) shown as safe HTML.

Two locks, each enough on its own for what it guards. markdown-it-py (CommonMark with tables)
parses with raw HTML switched off, so ``<script>`` in the text stays text; it already refuses
``javascript:``, ``vbscript:``, ``file:`` and most ``data:`` links. Then nh3 (the Rust ammonia
sanitiser) keeps only an explicit list of tags and attributes and only links to http, https,
mailto or a relative address: whatever the parser let through (a future option, a bug) is cut
there, after the HTML has been parsed as a browser would (entities, letter case, whitespace).

The page owns ``<h1>``: the text's headings are shifted so that its highest level is ``<h2>``,
and the deepest are kept at ``<h4>``. Images are not allowed: one is shown as its alternative
text. A table is wrapped in the portal's one responsive pattern (``templates/_tables.html``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

from portal.core.tables import stacked_table

TOP_HEADING = 2
DEEPEST_HEADING = 4
EXTERNAL_REL = "nofollow noopener"

TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code",
        "pre", "table", "thead", "tbody", "tr", "th", "td", "br", "hr"}
# "*": none on every tag (nh3 would otherwise keep its default lang and title everywhere).
ATTRIBUTES = {"*": set(), "a": {"href", "rel"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Tags removed with everything inside them (other tags outside the list lose only the tag).
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "svg", "math",
                        "template", "noscript", "textarea", "xmp", "noembed", "noframes",
                        "title"}
TABLE = re.compile(r"<table>.*?</table>", re.DOTALL)

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.enable("table")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Only the values this module writes: its own ``rel`` and a list's number."""
    if attribute == "rel":
        return value if value == EXTERNAL_REL else None
    if attribute == "start":
        return value if value.isascii() and value.isdigit() else None
    return value


def _external(href: str) -> bool:
    """A link that leaves the portal: an absolute http(s) address or ``//host/...``."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return True  # unreadable: treated as foreign, and nh3 decides whether it stays
    return parts.scheme.lower() in {"http", "https"} or bool(parts.netloc)


def _adjust_headings(tokens: list[Token]) -> None:
    levels = [int(token.tag[1:]) for token in tokens if token.type == "heading_open"]
    if not levels:
        return
    shift = max(0, TOP_HEADING - min(levels))
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1:]) + shift, DEEPEST_HEADING)}"


def _plain(tokens: list[Token]) -> str:
    """An image's alternative text: its words without their markup."""
    parts = []
    for token in tokens:
        if token.type == "image":
            parts.append(_plain(token.children or []))
        elif token.type in {"text", "code_inline"}:
            parts.append(token.content)
        elif token.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
    return "".join(parts)


def _adjust_inline(children: list[Token]) -> list[Token]:
    """External links get ``rel``; an image becomes its alternative text."""
    result = []
    for child in children:
        if child.type == "image":
            result.append(Token("text", "", 0, content=_plain(child.children or [])))
            continue
        if child.type == "link_open" and _external(str(child.attrGet("href") or "")):
            child.attrSet("rel", EXTERNAL_REL)
        result.append(child)
    return result


def _responsive_tables(html: str) -> str:
    """Each table in the responsive region that every table of the portal has."""
    count = 0

    def wrap(found: re.Match[str]) -> str:
        nonlocal count
        count += 1
        label = escape(_("Table %(number)s in the text", number=count))
        table = Markup(found.group(0))  # noqa: S704 - nh3's output
        return (f'<div class="table-scroll" role="region" aria-label="{label}" tabindex="0">'
                f"{stacked_table(table)}</div>")

    return TABLE.sub(wrap, html)


def render_markdown(text: str | None) -> Markup:
    """The Markdown ``text`` as HTML that is safe to put in a page as it is."""
    if not text:
        return Markup("")
    tokens = _parser.parse(text)
    _adjust_headings(tokens)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _adjust_inline(token.children)
    html = _parser.renderer.render(tokens, _parser.options, {})
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_keep_attribute,
                      clean_content_tags=DROPPED_WITH_CONTENT, url_schemes=URL_SCHEMES,
                      link_rel=None, strip_comments=True)
    # nh3's output escapes all text, so the only "<table>" in it is a tag it let through.
    return Markup(_responsive_tables(clean))  # noqa: S704 - sanitised just above
