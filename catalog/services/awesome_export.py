"""
Write the published catalog as an awesome-list README, in the upstream format.

Title with the Awesome badge, a one-line description, the contents, one
section per category in category order (then the research groups), one item
per resource, and a contributing section. Each item reads
``- [Title](url) - Description.``: the description as one line of plain text
that starts with a capital and ends in punctuation, as awesome-lint requires,
followed by the extra links in parentheses. ``import_awesome`` reads the file
back into the same resources, categories and links.
"""

import re
from io import StringIO

from django.conf import settings
from django.db.models import Prefetch

from catalog.markdown import markdown_text
from catalog.models import Category, ResearchGroup, Resource, ResourceLink
from catalog.services.awesome_import import DEFAULT_GROUPS_SECTION
from catalog.text import clean_single_line

BADGE = "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)"
LIST_DESCRIPTION = (
    "A curated, corrected catalog of tools, papers, articles and surveys on interpreting "
    "large language models."
)
GROUPS_DESCRIPTION = "Labs and communities behind some of the resources above."
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
FINAL_PUNCTUATION = (".", "!", "?", "…")
CLOSING_QUOTES = ('"', "”", "'")
# What cannot stand in a link destination, percent-encoded (stored URLs may predate validation).
URL_ESCAPES = {" ": "%20", "<": "%3C", ">": "%3E"}


def awesome_export(*, site_url: str = "") -> str:
    """The README text for the published catalog; ``site_url`` is linked from Contributing."""
    resources = (
        Resource.objects.published()
        .order_by("title", "id")
        .prefetch_related(Prefetch("links", queryset=ResourceLink.objects.order_by("id")))
    )
    categories = [
        category
        for category in Category.objects.order_by("order", "name").prefetch_related(
            Prefetch("resources", queryset=resources, to_attr="published_resources")
        )
        if category.published_resources
    ]
    groups = list(ResearchGroup.objects.order_by("name").prefetch_related("links"))

    out = StringIO()
    out.write(f"# {settings.SITE_NAME} {BADGE}\n\n> {LIST_DESCRIPTION}\n\n")
    headings = [category.name for category in categories]
    if groups:
        headings.append(DEFAULT_GROUPS_SECTION)
    out.write("## Contents\n\n")
    out.writelines(f"- [{escape(name)}](#{heading_anchor(name)})\n" for name in headings)
    for category in categories:
        out.write(f"\n## {clean_single_line(category.name)}\n\n")
        if description := plain_text(category.description):
            out.write(f"{escape(sentence(description))}\n\n")
        out.writelines(
            list_item(resource.title, resource.url, resource.description, resource.links.all())
            for resource in category.published_resources
        )
    if groups:
        out.write(f"\n## {DEFAULT_GROUPS_SECTION}\n\n{GROUPS_DESCRIPTION}\n\n")
        out.writelines(
            list_item(group.name, group.website, group.description, group.links.all())
            for group in groups
            if group.website
        )
    out.write("\n## Contributing\n\n")
    out.write(contributing_text(site_url))
    return out.getvalue()


def contributing_text(site_url: str) -> str:
    where = f"on [the catalog's site]({site_url})" if site_url else "on the catalog's site"
    return (
        f"Contributions are welcome: propose a resource or a correction {where}, where "
        "curators review every proposal. This list is generated from the catalog, so edits "
        "made to this file directly are overwritten.\n"
    )


def list_item(title: str, url: str, description: str, links) -> str:
    line = f"- [{escape(title)}]({link_destination(url)})"
    if text := item_description(title, description):
        line += f" - {escape(text)}"
    extra = [f"[{escape(link.label)}]({link_destination(link.url)})" for link in links]
    if extra:
        line += f" ({', '.join(extra)})"
    return line + "\n"


def item_description(title: str, description: str) -> str:
    """One line of plain text, capitalised, ending in punctuation, not opening with the title."""
    text = plain_text(description)
    if not text:
        return ""
    if text.lower().startswith(title.lower()):
        remainder = text[len(title) :]
        if not remainder or not remainder[0].isalnum():
            text = remainder.lstrip(" ,:;-–—") or text
    return sentence(text)


def sentence(text: str) -> str:
    """``text`` starting with a capital letter and ending in punctuation."""
    first_word = text.split(maxsplit=1)[0]
    if first_word.islower() and first_word[0].isalpha():  # "an", not "fMRaI" or "iPhone"
        text = text[0].upper() + text[1:]
    if not text.rstrip("".join(CLOSING_QUOTES)).endswith(FINAL_PUNCTUATION):
        text = text.rstrip(",;:-–— ") + "."
    return text


def plain_text(markdown_source: str) -> str:
    """Markdown as one line of plain text; typographic single quotes become straight ones."""
    return markdown_text(markdown_source or "").replace("’", "'").replace("‘", "'")


def escape(text: str) -> str:
    """``text`` on one line, as markdown that shows it as typed."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", clean_single_line(text))


def link_destination(url: str) -> str:
    """The URL as a markdown link destination; angle brackets when parentheses don't balance."""
    url = "".join(URL_ESCAPES.get(character, character) for character in clean_single_line(url))
    depth = 0
    for character in url:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth < 0:
            break
    return url if depth == 0 else f"<{url}>"


def heading_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    anchor = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return anchor.replace(" ", "-")
