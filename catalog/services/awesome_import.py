"""
Import an awesome-list README (markdown) into the catalog.

The file is read and parsed whole before the database is touched, so a
malformed file changes nothing; the writes then happen in one transaction.

What is read:
- ``##`` and ``###`` headings start sections; each section holding items
  becomes a category (matched by slug, created when missing). The table of
  contents, contributing, licence and similar sections are skipped, and so is
  everything before the first such heading (title, badges, introduction).
- The first paragraph under a heading, before its items, describes the category.
- Items are list items (``- ``, ``* ``, ``+ `` or ``1. ``) that start with a link:
  ``[Title](url) - description``, with an en or em dash, a colon or no
  separator.
  Every further link in the item becomes an extra link of the resource, labelled
  with its text. A parenthetical between the title link and the separator, such
  as "(NeurIPS 2023 Spotlight)", becomes the venue.
- One section can be read as research groups instead (``groups_section``).

Resources are matched by canonical key against the main and extra links already
in the catalog, so a second import of the same file creates nothing.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.text import slugify
from markdown_it import MarkdownIt

from catalog.canonical import canonical_key
from catalog.models import (
    Category,
    ResearchGroup,
    ResearchGroupLink,
    Resource,
    ResourceLink,
)
from catalog.search import indexing_deferred
from catalog.services.common import collector_paused, links_differ
from catalog.services.records import (
    CREATED,
    UNCHANGED,
    UPDATED,
    RecordInvalid,
    ResourceRecord,
    ResourceUpsert,
    record_validate,
)

# CommonMark, HTML blocks included, so that comments are recognised and skipped.
_MARKDOWN = MarkdownIt("commonmark").disable(["inline", "text_join"])
# Built once: building a URLValidator compiles its patterns, a cost per item otherwise.
WEB_ADDRESS = URLValidator(schemes=["http", "https"])
DEFAULT_GROUPS_SECTION = "Research Groups"
MAX_FILE_BYTES = 5 * 1024 * 1024
LABEL_MAX_LENGTH = ResourceLink._meta.get_field("label").max_length

# Sections that are about the list rather than part of it.
SKIPPED_SECTIONS = frozenset(
    {
        "contents",
        "table of contents",
        "toc",
        "index",
        "license",
        "licence",
        "footnotes",
        "related lists",
        "related",
        "credits",
        "acknowledgements",
        "acknowledgments",
        "code of conduct",
        "sponsors",
        "star history",
    }
)
SKIPPED_SECTION_PREFIXES = ("contribut", "how to contribute", "table of contents")

SEPARATOR = re.compile(r"(?:^|\s)[-–—:](?=\s|$)")
PARENTHETICAL = re.compile(r"\(([^()]*)\)")
ESCAPABLE = re.compile(r"\\([!-/:-@\[-`{-~])")
WHITESPACE = re.compile(r"\s+")
BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)")
# A description ending in a parenthetical of links only, as export_awesome writes the extra links.
TRAILING_LINK_GROUP = re.compile(r"\s*\((?:\s*\[[^\]]*\]\([^()\s]*(?:\([^()\s]*\))?\)\s*,?)+\)\s*$")


class MarkdownImportError(Exception):
    """The file cannot be imported; the message names the line. Nothing was changed."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass
class ParsedItem:
    line: int
    title: str
    url: str
    description: str = ""
    venue: str = ""
    extra_links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return canonical_key(self.url)


@dataclass
class ParsedSection:
    line: int
    heading: str
    description: str = ""
    items: list[ParsedItem] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return slugify(self.heading)[:100].strip("-") or "section"


@dataclass
class ParsedList:
    title: str
    sections: list[ParsedSection]
    skipped: list[str]


@dataclass
class ImportReport:
    counts: dict[str, Counter] = field(
        default_factory=lambda: {kind: Counter() for kind in ("categories", "groups", "resources")}
    )
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # Each item by outcome: "resource “Title” (line 12)".
    named: dict[str, list[str]] = field(
        default_factory=lambda: {CREATED: [], UPDATED: [], UNCHANGED: []}
    )
    dry_run: bool = False

    def count(self, kind: str, outcome: str, name: str = "") -> None:
        self.counts[kind][outcome] += 1
        if name:
            self.named[outcome].append(
                f"{kind[:-1] if kind != 'categories' else 'category'} {name}"
            )

    @property
    def changed_anything(self) -> bool:
        return any(counter[CREATED] or counter[UPDATED] for counter in self.counts.values())

    def __str__(self):
        would = "would be " if self.dry_run else ""
        lines = ["Dry run: nothing was written. This is what the import would do."] * self.dry_run
        lines += [
            f"{kind}: {counter[CREATED]} {would}created, {counter[UPDATED]} {would}updated, "
            f"{counter[UNCHANGED]} {'would be ' if self.dry_run else ''}unchanged"
            for kind, counter in self.counts.items()
        ]
        # Every created and updated item by name; on a dry run, those left alone too.
        shown = [CREATED, UPDATED] + [UNCHANGED] * self.dry_run
        for outcome in shown:
            if self.named[outcome]:
                label = "left alone" if outcome == UNCHANGED else outcome
                lines.append(f"{would if outcome != UNCHANGED else ''}{label}:")
                lines += [f"  {name}" for name in self.named[outcome]]
        lines.append(f"duplicates: {len(self.duplicates)}")
        lines += [f"  {duplicate}" for duplicate in self.duplicates]
        if self.skipped:
            lines.append(f"skipped: {len(self.skipped)}")
            lines += [f"  {note}" for note in self.skipped]
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# Reading and parsing: no database access.
# ---------------------------------------------------------------------------


def read_markdown(path: Path) -> str:
    """The text of ``path``; binary, non-UTF-8 and empty files are refused, naming the line."""
    try:
        with open(path, "rb") as markdown_file:
            data = markdown_file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise MarkdownImportError(f"Cannot read {path}: {error.strerror}.") from error
    return decode_markdown(data)


def decode_markdown(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise MarkdownImportError(f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
    if (position := data.find(b"\x00")) >= 0:
        raise MarkdownImportError(
            "binary data (a NUL byte): this is not a markdown file.", _line_at(data, position)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MarkdownImportError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as UTF-8.",
            _line_at(data, error.start),
        ) from error
    if not text.strip():
        raise MarkdownImportError("the file is empty.", 1)
    return text


def _line_at(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def parse_awesome_list(text: str) -> ParsedList:
    """
    The sections and items of an awesome-list README. Raises MarkdownImportError.

    markdown-it-py reads the block structure (headings, lists, paragraphs, code,
    HTML comments, reference definitions) with the line each starts on; each
    item's inline source is then read here, so that a malformed link is refused
    with its line instead of turning silently into text.
    """
    with collector_paused():
        return _parse(text)


def _parse(text: str) -> ParsedList:
    env: dict = {}
    tokens = _MARKDOWN.parse(text, env)
    references = {
        _reference_label(label): reference["href"]
        for label, reference in env.get("references", {}).items()
    }
    title = ""
    sections: list[ParsedSection] = []
    skipped: list[str] = []
    section: ParsedSection | None = None
    skipping_section = True  # before the first ## heading: title, badges, introduction
    quoted = 0  # inside a blockquote: quoted text, not the list's own items
    item_starts: list[int] = []  # the open list items' lines, innermost last
    item_read = False  # the innermost item's first paragraph has been read
    first_paragraph = False  # the next paragraph may describe the section

    for position, token in enumerate(tokens):
        match token.type:
            case "heading_open":
                level = int(token.tag[1])
                content = tokens[position + 1].content
                if level == 1:
                    title = title or BADGE.sub("", content).strip()
                    skipping_section = True
                elif level in (2, 3):
                    heading = _inline_text(content)
                    skipping_section = _is_skipped_section(heading)
                    section = None if skipping_section else ParsedSection(token.map[0] + 1, heading)
                    if section:
                        sections.append(section)
                    first_paragraph = section is not None
            case "blockquote_open":
                quoted += 1
            case "blockquote_close":
                quoted -= 1
            case "list_item_open":
                item_starts.append(token.map[0] + 1)
                item_read = False
                first_paragraph = False
            case "list_item_close":
                item_starts.pop()
                item_read = True  # text after a nested list belongs to no item
            case "inline" if tokens[position - 1].type == "paragraph_open":
                if skipping_section or section is None or quoted:
                    continue
                if item_starts:
                    if item_read:
                        continue
                    item_read = True
                    number = item_starts[-1]
                    body = token.content.replace("\n", " ")
                    if item := _parse_item(body, number, references, skipped):
                        section.items.append(item)
                elif first_paragraph and not section.items:
                    first_paragraph = False
                    if _is_prose(token.content):
                        section.description = _plain_emphasis(" ".join(token.content.split()))
            case "fence" | "code_block" | "html_block" | "hr" | "table_open":
                first_paragraph = first_paragraph and token.type == "html_block"

    sections = [section for section in sections if section.items]
    if not sections:
        raise MarkdownImportError(
            "no list items with links under a ## or ### heading: is this an awesome list?"
        )
    for section in sections:
        for item in section.items:
            item.description = _clean_description(item.description)
    return ParsedList(title=title, sections=sections, skipped=skipped)


def _is_skipped_section(heading: str) -> bool:
    name = heading.lower().strip()
    return name in SKIPPED_SECTIONS or name.startswith(SKIPPED_SECTION_PREFIXES)


def _is_prose(text: str) -> bool:
    return not text.startswith(("<", "|", "[![", "![", ">"))


def _reference_label(label: str) -> str:
    return WHITESPACE.sub(" ", label.strip().lower())


def _parse_item(body, number, references, skipped) -> ParsedItem | None:
    body = body.strip()
    if body.startswith(("**[", "__[")):
        body = body[2:].replace(body[:2], "", 1)
    if not body.startswith("[") or body.startswith("[!["):
        skipped.append(f"line {number}: a list item that does not start with a link")
        return None
    label, url, end = _parse_link(body, 0, number, references)
    if url.startswith("#"):
        return None  # an entry of a table of contents
    _check_url(url, number)
    title = _inline_text(label)
    if not title:
        raise MarkdownImportError("the link has no title: write [Title](URL).", number)
    item = ParsedItem(line=number, title=title, url=url)
    rest = body[end:]

    # Links and parentheticals may stand between the title and the separator.
    separator = SEPARATOR.search(rest)
    lead, description = (
        (rest[: separator.start()], rest[separator.end() :]) if separator else ("", rest)
    )
    if lead and not _is_lead(lead, number, references):
        lead, description = "", rest
    for link_label, link_url in _links_in(lead, number, references):
        item.extra_links.append((link_label, link_url))
    lead_text = _strip_links(lead, number, references)
    if parenthetical := PARENTHETICAL.search(lead_text):
        item.venue = parenthetical[1].strip()[:200]
    for link_label, link_url in _links_in(description, number, references):
        item.extra_links.append((link_label, link_url))
    item.description = TRAILING_LINK_GROUP.sub("", description)
    return item


def _is_lead(lead, number, references) -> bool:
    """Whether ``lead`` holds only links, stray brackets, commas and parentheticals."""
    remainder = PARENTHETICAL.sub("", _strip_links(lead, number, references))
    return not remainder.strip(" \t,;])")


def _parse_link(text: str, start: int, number: int, references) -> tuple[str, str, int]:
    """The label, URL and end of the link starting at ``text[start]`` (a "[")."""
    depth, position = 0, start
    while position < len(text):
        character = text[position]
        if character == "\\":
            position += 2
            continue
        if character == "[":
            depth += 1
        elif character == "]":
            depth -= 1
            if depth == 0:
                break
        position += 1
    else:
        raise MarkdownImportError(
            "bad link syntax: the “[” of the link text is never closed by “]”.", number
        )
    label = text[start + 1 : position]
    position += 1
    if text.startswith("(", position):
        url, position = _parse_destination(text, position, number)
        return label, url, position
    if text.startswith("[", position):  # a reference link: [Title][ref] or [Title][]
        close = text.find("]", position)
        if close < 0:
            raise MarkdownImportError("bad link syntax: the reference “[” is never closed.", number)
        reference = text[position + 1 : close] or label
        if (url := references.get(_reference_label(reference))) is None:
            raise MarkdownImportError(f"the link reference “{reference}” is not defined.", number)
        return label, url, close + 1
    raise MarkdownImportError(
        "bad link syntax: “[Title]” must be followed by “(URL)”, as in [Title](https://…).",
        number,
    )


def _parse_destination(text: str, position: int, number: int) -> tuple[str, int]:
    """The URL in ``(url)`` or ``(<url> "title")`` at ``text[position]``, and where it ends."""
    position += 1
    if text.startswith("<", position):
        close = text.find(">", position)
        if close < 0:
            raise MarkdownImportError(
                "bad link syntax: the “<” of the URL is never closed.", number
            )
        url, position = text[position + 1 : close], close + 1
    else:
        depth, begin = 0, position
        while position < len(text) and not text[position].isspace():
            if text[position] == "(":
                depth += 1
            elif text[position] == ")":
                if depth == 0:
                    break
                depth -= 1
            position += 1
        url = text[begin:position]
    while position < len(text) and text[position] in " \t":
        position += 1
    if position < len(text) and text[position] in "\"'":  # an optional link title
        close = text.find(text[position], position + 1)
        position = close + 1 if close > 0 else len(text)
        while position < len(text) and text[position] in " \t":
            position += 1
    if position >= len(text) or text[position] != ")":
        raise MarkdownImportError(
            "bad link syntax: the “(” of the URL is never closed by “)”, "
            "or the URL contains a space.",
            number,
        )
    if not url:
        raise MarkdownImportError("bad link syntax: the link has an empty URL.", number)
    return ESCAPABLE.sub(r"\1", url), position + 1


def _check_url(url: str, number: int) -> None:
    try:
        WEB_ADDRESS(url)
    except ValidationError:
        raise MarkdownImportError(
            f"“{url}” is not a web address (it must start with http:// or https://).", number
        ) from None
    if len(url) > Resource._meta.get_field("url").max_length:
        raise MarkdownImportError("the URL is longer than 500 characters.", number)


def _iter_links(text: str, number: int, references):
    """(label, url, start, end) for each inline link in ``text`` (images are not links)."""
    position = 0
    while (start := text.find("[", position)) >= 0:
        if start > 0 and text[start - 1] == "\\":
            position = start + 1
            continue
        try:
            label, url, end = _parse_link(text, start, number, references)
        except MarkdownImportError:
            position = start + 1  # a bracket in prose, not a link
            continue
        if start > 0 and text[start - 1] == "!":
            position = end
            continue
        yield label, url, start, end
        position = end


def _links_in(text: str, number: int, references) -> list[tuple[str, str]]:
    links = []
    for label, url, _, _ in _iter_links(text, number, references):
        if url.startswith("#"):
            continue
        _check_url(url, number)
        links.append((_inline_text(label)[:LABEL_MAX_LENGTH] or "Link", url))
    return links


def _strip_links(text: str, number: int, references) -> str:
    pieces, position = [], 0
    for _, _, start, end in _iter_links(text, number, references):
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _inline_text(text: str) -> str:
    """Markdown inline text as plain text: emphasis markers and escapes dropped."""
    text = re.sub(r"(?<!\\)(\*\*|__|`)", "", text)
    text = re.sub(r"(?<![\w\\])[*_](\S.*?\S|\S)[*_](?!\w)", r"\1", text)
    return WHITESPACE.sub(" ", ESCAPABLE.sub(r"\1", text)).strip()


def _plain_emphasis(text: str) -> str:
    """A section's description, without the emphasis many lists wrap it in."""
    text = text.strip()
    for marker in ("**", "__", "*", "_"):
        if len(text) > 2 * len(marker) and text.startswith(marker) and text.endswith(marker):
            return text[len(marker) : -len(marker)].strip()
    return text


def _clean_description(text: str) -> str:
    text = WHITESPACE.sub(" ", text).strip()
    return text.lstrip("])},;:-–— \t").strip()


def _join(first: str, second: str) -> str:
    return f"{first} {second}" if first else second


# ---------------------------------------------------------------------------
# Writing: one transaction.
# ---------------------------------------------------------------------------


# The upstream list (JShollaj/awesome-llm-interpretability) into the starting catalog's
# categories: its sections' headings, its groups section, and drafts, because its
# descriptions are someone else's words for a curator to rewrite before publishing.
PRESETS = {
    "upstream": {
        "groups_section": "LLM Interpretability Groups",
        "category_slugs": {
            "LLM Interpretability Tools": "tools",
            "LLM Interpretability Papers": "papers",
            "LLM Interpretability Articles": "articles",
            "LLM Survey Paper": "surveys",
        },
        "status": Resource.Status.DRAFT,
    },
}


def preset_command(name: str, path: str = "README.md") -> str:
    """The import_awesome command that a preset stands for, spelled out."""
    preset = PRESETS[name]
    parts = ["python manage.py import_awesome", path]
    parts.append(f'--groups-section "{preset["groups_section"]}"')
    parts += [
        f'--category "{heading}={slug}"' for heading, slug in preset["category_slugs"].items()
    ]
    if preset["status"] == Resource.Status.DRAFT:
        parts.append("--draft")
    return " ".join(parts)


def awesome_import(
    *,
    path: Path,
    groups_section: str | None = DEFAULT_GROUPS_SECTION,
    category_slugs: dict[str, str] | None = None,
    create_categories: bool = False,
    status: str = Resource.Status.PUBLISHED,
    update: bool = False,
    dry_run: bool = False,
    on_progress=None,
) -> ImportReport:
    """
    Import the awesome list at ``path`` in one transaction; see the module docstring.

    New resources get ``status`` (published by default: an import is a
    curator's act) and no tags. Existing resources and groups are left as they
    are unless ``update`` is true, which rewrites their title, description,
    category and extra links from the file. ``category_slugs`` maps section
    headings to existing category slugs; a heading that is neither mapped nor
    the name or slug of a category is refused, naming it, unless
    ``create_categories``. ``dry_run`` reports what would happen and writes
    nothing. ``on_progress(done, total)`` is called after each item. Raises
    MarkdownImportError, having changed nothing.
    """
    parsed = parse_awesome_list(read_markdown(path))
    return awesome_list_save(
        parsed=parsed,
        groups_section=groups_section,
        category_slugs=category_slugs or {},
        create_categories=create_categories,
        status=status,
        update=update,
        dry_run=dry_run,
        on_progress=on_progress,
    )


def awesome_list_save(
    *,
    parsed: ParsedList,
    groups_section,
    category_slugs,
    status,
    update,
    create_categories=False,
    dry_run=False,
    on_progress=None,
) -> ImportReport:
    report = ImportReport(skipped=list(parsed.skipped), dry_run=dry_run)
    groups_heading = (groups_section or "").strip().lower()
    total = sum(len(section.items) for section in parsed.sections)
    done = 0
    seen: dict[str, ParsedItem] = {}
    with collector_paused(), transaction.atomic():
        # What is saved one by one (updates, groups) is indexed once, with the new resources.
        with indexing_deferred():
            categories = _categories_for(parsed, groups_heading, category_slugs, create_categories)
            next_order = (max(Category.objects.values_list("order", flat=True), default=0) or 0) + 1
            upsert = ResourceUpsert(status=status, update=update)
            for section in parsed.sections:
                if groups_heading and section.heading.lower() == groups_heading:
                    for item in section.items:
                        _save_group(item, update, report)
                        done += 1
                        _report_progress(on_progress, done, total)
                    continue
                category, created = _category_for(
                    section, categories[section.heading], next_order, update, report
                )
                next_order += created
                for item in section.items:
                    record = _resource_record(item, category)
                    if first := next((seen[key] for key in record.keys if key in seen), None):
                        report.duplicates.append(
                            f"line {item.line} ({item.title}): same work as line {first.line} "
                            f"({first.title}); not imported twice"
                        )
                    else:
                        seen.update(dict.fromkeys(record.keys, item))
                        _save_resource(item, record, upsert, report)
                    done += 1
                    _report_progress(on_progress, done, total)
            try:
                upsert.finish()
            except RecordInvalid as error:
                raise MarkdownImportError(error.summary) from error
        if dry_run:
            transaction.set_rollback(True)
    return report


def _categories_for(parsed, groups_heading, category_slugs, create_categories) -> dict:
    """
    Each section heading's category: mapped, found by slug or name, or (when
    allowed) None for one to create. Refuses the whole file, naming every
    heading that matches nothing, before anything is written.
    """
    existing = list(Category.objects.all())
    by_slug = {category.slug: category for category in existing}
    by_name = {category.name.lower(): category for category in existing}
    found, unknown = {}, []
    for section in parsed.sections:
        if groups_heading and section.heading.lower() == groups_heading:
            continue
        if section.heading in category_slugs:
            slug = category_slugs[section.heading]
            if slug not in by_slug and not create_categories:
                raise MarkdownImportError(
                    f"“{section.heading}” is mapped to the category “{slug}”, which does not "
                    f"exist. Categories: {_category_list(existing)}.",
                    section.line,
                )
            found[section.heading] = by_slug.get(slug) or slug
            continue
        category = by_slug.get(section.slug) or by_name.get(section.heading.lower())
        if category is None and not create_categories:
            unknown.append(section)
        found[section.heading] = category or section.slug
    if unknown:
        headings = ", ".join(f"“{section.heading}” (line {section.line})" for section in unknown)
        example = unknown[0].heading
        raise MarkdownImportError(
            f"no category for the section{'s' if len(unknown) > 1 else ''} {headings}. Map "
            f'each to a category with --category "{example}=SLUG", or allow new categories '
            f"with --create-categories. Categories: {_category_list(existing)}."
        )
    return found


def _category_list(categories) -> str:
    return ", ".join(f"{category.slug} ({category.name})" for category in categories) or "none yet"


def _report_progress(on_progress, done, total):
    if on_progress:
        on_progress(done, total)


def _validated(instance, line):
    try:
        return record_validate(instance)
    except RecordInvalid as error:
        raise MarkdownImportError(error.summary, line) from error


def _category_for(section, category, next_order, update, report) -> tuple[Category, int]:
    """The section's category (``category``, or the slug of one to create)."""
    name = f"“{section.heading}” (line {section.line})"
    if isinstance(category, str):
        category = Category(
            slug=category,
            name=section.heading[:100],
            description=section.description,
            order=next_order,
        )
        _validated(category, section.line).save()
        report.count("categories", CREATED, name)
        return category, 1
    if update and section.description and category.description != section.description:
        category.description = section.description
        _validated(category, section.line).save()
        report.count("categories", UPDATED, name)
    else:
        report.count("categories", UNCHANGED, name)
    return category, 0


def _resource_record(item, category) -> ResourceRecord:
    record = ResourceRecord(
        title=item.title,
        url=item.url,
        category=category,
        description=item.description,
        venue=item.venue,
        links=item.extra_links,
        where=f"line {item.line}",
        update_fields=("title", "description", "category", "venue"),
    )
    if not item.venue:
        record.update_fields = ("title", "description", "category")
    return record


def _save_resource(item, record, upsert, report) -> None:
    try:
        outcome, _ = upsert.upsert(record)
    except RecordInvalid as error:
        raise MarkdownImportError(error.summary, item.line) from error
    report.count("resources", outcome, f"“{item.title}” (line {item.line})")


def _save_group(item, update, report) -> None:
    slug = slugify(item.title)[:200] or "group"
    group = ResearchGroup.objects.filter(slug=slug).first() or (
        ResearchGroup.objects.filter(name=item.title).first()
    )
    if group is None:
        group = ResearchGroup(
            name=item.title[:200], slug=slug, website=item.url, description=item.description
        )
        _validated(group, item.line).save()
        _save_links(group.links, item.extra_links, "group", item.line)
        report.count("groups", CREATED, f"“{item.title}” (line {item.line})")
        return
    if not update:
        report.count("groups", UNCHANGED, f"“{item.title}” (line {item.line})")
        return
    changed = (group.website, group.description) != (item.url, item.description)
    group.website, group.description = item.url, item.description
    if changed:
        _validated(group, item.line).save()
    links_changed = links_differ(group.links, item.extra_links)
    if links_changed:
        group.links.all().delete()
        _save_links(group.links, item.extra_links, "group", item.line)
    outcome = UPDATED if changed or links_changed else UNCHANGED
    report.count("groups", outcome, f"“{item.title}” (line {item.line})")


def _save_links(manager, links, owner, line) -> None:
    model = ResourceLink if owner == "resource" else ResearchGroupLink
    for label, url in links:
        link = model(label=label, url=url, **{owner: manager.instance})
        _validated(link, line).save()
