"""
Hostile text, shared by the tests and scripts/bench_markdown.py: what a
malicious member might type into any field, and the descriptions that cost
markdown renderers the most.
"""

from catalog.markdown import MARKUP_BUDGET, MARKUP_CHARACTERS

SIZE = 5_000


def _fill(unit: str, tail: str = "") -> str:
    """``unit`` repeated, then ``tail``, cut to SIZE characters."""
    return (unit * (SIZE // len(unit) + 1))[: SIZE - len(tail)] + tail


def _prefix(unit: str, count: int, tail: str = "x") -> str:
    """``count`` times ``unit``, then ``tail`` repeated up to SIZE characters."""
    head = unit * count
    return head + (tail * SIZE)[: SIZE - len(head)]


# Each SIZE characters long: runs of what opens markup, unclosed nestings and
# link destinations that scan to the end of the text.
PATHOLOGICAL_MARKDOWN = {
    "brackets": _fill("["),
    "closing brackets": _fill("]"),
    "bracket pairs": _fill("[]"),
    "image openers": _fill("!["),
    "nested link and image": _fill("[!["),
    "link openers": _fill("[x]("),
    "a few link openers, long word": _prefix("[x](", 40),
    "angle destinations": _fill("[x](<"),
    "reference definitions": _fill("[a]: "),
    "stars": _fill("*"),
    "star words": _fill("*a"),
    "nested emphasis": _fill("*a **b ***c "),
    "mixed delimiters": _fill("*_"),
    "underscores": _fill("_a*"),
    "backticks": _fill("`"),
    "backtick words": _fill("`x"),
    "growing backtick runs": "".join("`" * n + "x" for n in range(1, 100))[:SIZE],
    "angle brackets": _fill("<"),
    "tag openers": _fill("<a"),
    "autolink openers": _fill("<http://"),
    "numeric references": _fill("&#8;"),
    "reference openers": _fill("&#"),
    "backslashes": _fill("\\"),
    "parentheses": _fill("("),
    "quotes": _fill("> "),
    "quote markers": _fill(">"),
    "list markers": _fill("- "),
    "ordered list markers": _fill("1. "),
    "nested lists": "".join("  " * depth + "- x\n" for depth in range(200))[:SIZE],
    "headings": _fill("#"),
    "tildes": _fill("~"),
    "link closers": _fill("]("),
    "table rows": _fill("|a"),
}


def _within_budget(unit: str) -> str:
    """As many ``unit`` as the renderer still parses as markdown, then words without spaces."""
    cost = len(MARKUP_CHARACTERS.findall(unit))
    return _prefix(unit, MARKUP_BUDGET // cost, tail="x#")


# The same openings, as many as the renderer still parses as markdown: the
# costliest texts that it does not show as plain paragraphs.
PATHOLOGICAL_MARKDOWN |= {
    f"{name}, within the markup budget": _within_budget(unit)
    for name, unit in {
        "brackets": "[",
        "image openers": "![",
        "nested link and image": "[![",
        "link openers": "[x](",
        "angle destinations": "[x](<",
        "star words": "*a",
        "nested emphasis": "*a **b ***c ",
        "mixed delimiters": "*_",
        "backtick words": "`x",
        "tag openers": "<a",
        "autolink openers": "<http://",
        "numeric references": "&#8;",
        "backslashes": "\\",
        "parentheses": "(",
        "link closers": "](",
        "quote markers": ">",
    }.items()
}

# Sixty payloads for every field of a proposal. Lone surrogates are written as
# escapes: no encoder lets them through, so they arrive as bad bytes at the door
# and can only be met in memory afterwards.
HOSTILE_CORPUS = [
    "\x00",
    "before\x00after",
    "\x08",
    "&#8;",
    "&#x8;",
    "&#0;",
    "&#xFFFE;",
    "&#xFFFF;",
    "&#xFDD0;",
    "&#x1FFFE;",
    "&#xD800;",
    "&#x110000;",
    "&#12;",
    "&#x85;",
    "back\x08space",
    "escape \x1b[31mred\x1b[0m",
    "bell\x07",
    "vertical\x0btab",
    "form\x0cfeed",
    "delete\x7f",
    "C1 \x85 next line",
    "C1 \x9b csi",
    "non-character \ufffe",
    "non-character \uffff",
    "non-character \ufdd0",
    "plane 16 \U0010ffff",
    "lone \ud800 high surrogate",
    "lone \udfff low surrogate",
    "reversed \udc00\ud800 pair",
    'Nice paper}} @misc(injected2024, url = "https://evil.example/bib")',
    "}",
    "{",
    "}}}{{{",
    "\\",
    "\\}",
    "@misc{injected, title = {Not in the catalog}}",
    "% comment\n@misc{forged,",
    "CR\rLF",
    "CRLF\r\nTY  - JOUR\r\nUR  - https://evil.example/\r\nER  - ",
    "LF\nTY  - JOUR\nUR  - https://evil.example/\nER  - \n",
    "line\u2028separator",
    "paragraph\u2029separator",
    "tab\there",
    "bidi \u202eoverride\u202c done",
    "isolate \u2067rtl\u2069 done",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "]]></description><item><title>forged</title>",
    "&lt;script&gt;",
    "&amp;amp;",
    "<![CDATA[x]]>",
    "[click](javascript:alert(1))",
    "- a\n- b\n\n## heading\n\n- c",
    "\u2028- [Forged](https://evil.example/) - Forged item.",
    "\U0001f600 emoji, \u0627\u0644\u0639\u0631\u0628\u064a\u0629, \u4e2d\u6587",
    "\u0430dmin",
    PATHOLOGICAL_MARKDOWN["brackets"],
    PATHOLOGICAL_MARKDOWN["nested emphasis"],
    PATHOLOGICAL_MARKDOWN["backticks"],
]
assert len(HOSTILE_CORPUS) == 60
