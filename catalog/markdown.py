"""Markdown to safe HTML, for descriptions written by curators and, later, by visitors."""

import functools
import html
import re

import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt, rules_inline

from catalog.text import FORBIDDEN, clean_multiline

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
WHITESPACE = re.compile(r"\s+")
NUMERIC_REFERENCE = re.compile(r"&#(?:x([0-9a-f]+)|([0-9]+));", re.IGNORECASE)

# markdown-it parses in linear time, but in pure Python at some microseconds
# for each character that may open markup. Text with more of those than any
# description needs (5,000 "[" took 130 ms) is shown as plain paragraphs.
MARKUP_CHARACTERS = re.compile(r"[\[\]!*_`<>&\\()~]")
MARKUP_BUDGET = 300
# Deeper nesting of quotes, lists or brackets than a description needs costs a
# rescan per level.
MAX_NESTING = 6
# A link's label and destination are scanned to the end of the text when they
# do not close; no link in a description is longer than this.
MAX_LINK_LENGTH = 600


def _drop_forbidden_references(state) -> None:
    """
    Drop numeric character references to characters no text may hold (``&#8;``,
    ``&#xFFFE;``), which markdown-it would turn into U+FFFD or the character itself.
    """
    for block in state.tokens:
        for token in block.children or ():
            if token.type != "text_special" or token.info != "entity":
                continue
            if match := NUMERIC_REFERENCE.fullmatch(token.markup):
                code = int(match[1], 16) if match[1] else int(match[2])
                if code == 0 or code > 0x10FFFF or clean_multiline(chr(code)) != chr(code):
                    token.content = ""


def _bounded(rule):
    """``rule`` (link or image) made to look no further than MAX_LINK_LENGTH ahead."""

    def bounded_rule(state, silent: bool) -> bool:
        limit = state.posMax
        state.posMax = min(limit, state.pos + MAX_LINK_LENGTH)
        try:
            return rule(state, silent)
        finally:
            state.posMax = limit

    return bounded_rule


def _renderer() -> MarkdownIt:
    # CommonMark with raw HTML off: "<script>" stays text, and nh3 below is
    # the second line of defence.
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING})
    md.disable(["html_block", "html_inline"])
    md.inline.ruler.at("link", _bounded(rules_inline.link))
    md.inline.ruler.at("image", _bounded(rules_inline.image))
    # Before text_join, which merges entity tokens into the text around them.
    md.core.ruler.before("text_join", "drop_forbidden_references", _drop_forbidden_references)
    return md


def _plain_paragraphs(text: str) -> str:
    paragraphs = (part.strip() for part in text.split("\n\n"))
    return "".join(f"<p>{html.escape(part, quote=False)}</p>\n" for part in paragraphs if part)


MARKDOWN = _renderer()


def render_markdown(text: str) -> SafeString:
    """Render ``text`` as HTML with only an allow-list of tags, attributes and URL schemes."""
    return mark_safe(_sanitised_html(text or ""))  # noqa: S308 -- sanitised by nh3


def markdown_text(text: str) -> str:
    """
    ``text`` rendered, then as one line of plain text: for meta tags and
    exports. Not marked safe, so templates escape it like any other text.
    """
    plain = html.unescape(strip_tags(render_markdown(text)))
    return WHITESPACE.sub(" ", FORBIDDEN.sub(" ", plain)).strip()


# Lists render the same descriptions over and over: keep the most recent ones.
@functools.lru_cache(maxsize=20_000)
def _sanitised_html(text: str) -> str:
    text = clean_multiline(text)
    if len(MARKUP_CHARACTERS.findall(text)) > MARKUP_BUDGET:
        rendered = _plain_paragraphs(text)
    else:
        rendered = MARKDOWN.render(text)
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    # Stored text may predate the rules of catalog.text: whatever a reference or
    # the sanitiser decoded, no forbidden character leaves here.
    return clean_multiline(cleaned)
