"""Article bodies: Markdown rendered to HTML, then sanitised (nh3) so an article can never carry a
script, an event handler or a ``javascript:`` link."""

from __future__ import annotations

import html

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3", "h4", "hr", "i",
    "img", "kbd", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
}


def render(body: str) -> SafeString:
    """The article's HTML, safe to insert in a page."""
    html = markdown_lib.markdown(body, extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )  # fmt: skip
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


def plain_text(body: str) -> str:
    """The article's words without markup, for the search index."""
    rendered = markdown_lib.markdown(body, extensions=["extra"], output_format="html")
    text = nh3.clean(rendered, tags=set())
    return " ".join(html.unescape(text).split())
