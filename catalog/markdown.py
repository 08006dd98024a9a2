"""Markdown to safe HTML, for descriptions written by curators and, later, by visitors."""

import functools
import html
import re

import markdown as markdown_lib
import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
WHITESPACE = re.compile(r"\s+")


def _markdown_without_raw_html() -> markdown_lib.Markdown:
    # Python-Markdown passes raw HTML through; removing its HTML handlers makes
    # "<script>" plain text, and nh3 below is the second line of defence.
    md = markdown_lib.Markdown(extensions=["sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def render_markdown(text: str) -> SafeString:
    """Render ``text`` as HTML with only an allow-list of tags, attributes and URL schemes."""
    return mark_safe(_sanitised_html(text or ""))  # noqa: S308 -- sanitised by nh3


def markdown_text(text: str) -> str:
    """
    ``text`` rendered, then as one line of plain text: for meta tags and
    exports. Not marked safe, so templates escape it like any other text.
    """
    plain = html.unescape(strip_tags(render_markdown(text)))
    return WHITESPACE.sub(" ", plain).strip()


# Lists render the same descriptions over and over: keep the most recent ones.
@functools.lru_cache(maxsize=20_000)
def _sanitised_html(text: str) -> str:
    html = _markdown_without_raw_html().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
