"""Markdown for text fields, rendered safely: no raw HTML gets through."""
from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# "js-default" is CommonMark with raw HTML disabled; nh3 then allow-lists what remains.
_parser = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre",
                "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


@lru_cache(maxsize=256)  # every reader of a page sees the same texts; parsing one costs 0.1 ms or more
def render_markdown(text: str | None) -> Markup:
    """Markdown source as sanitised HTML; headings start at h2 so a page keeps one h1."""
    if not text:
        return Markup("")
    html = _parser.render(text)
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704  (nh3 has just cleaned it to the allow-list)  # nosec B704
