"""Awesome-list markdown for the import and export tests, and a way to compare catalogs."""

import csv
import os
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from catalog.models import Category, ResearchGroup, Resource

# Beside the checkout; SHARED_DATA names another folder (a worktree lives deeper).
SHARED_DATA = Path(
    os.environ.get("SHARED_DATA") or Path(settings.BASE_DIR).parent / "shared" / "data"
)
SOURCE_TSV = SHARED_DATA / "awesome-llm-interpretability.tsv"
# The upstream list at its newest commit: the same rows plus four.
UPSTREAM_TSV = SHARED_DATA / "awesome-llm-interpretability-head.tsv"
SOURCE_GROUPS_SECTION = "LLM Interpretability Groups"


def source_rows(path=SOURCE_TSV) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as tsv:
        return list(csv.DictReader(tsv, delimiter="\t", quoting=csv.QUOTE_NONE))


def source_markdown(path=SOURCE_TSV) -> str:
    """The source list's entries as the upstream README lays them out."""
    lines = [
        "# Awesome LLM Interpretability ![](https://example.org/badge.svg)",
        "",
        "A curated list of tools, papers, articles, and communities.",
        "",
        "## Table of Contents",
    ]
    rows = source_rows(path)
    sections = list(dict.fromkeys(row["section"] for row in rows))
    lines += [f"- [{section}](#{section.lower().replace(' ', '-')})" for section in sections]
    for section in sections:
        lines += ["", f"### {section}", f"*Entries of {section}.*", ""]
        for row in rows:
            if row["section"] != section:
                continue
            extra = "".join(
                f", [{urlsplit(url).hostname}]({url})" for url in row["extra_urls"].split()
            )
            lines.append(f"1. [{row['title']}]({row['url']}){extra} - {row['description']}")
        lines += ["", "---"]
    lines += [
        "",
        "## Contributing and Collaborating",
        "Please see [CONTRIBUTING](CONTRIBUTING.md).",
    ]
    return "\n".join(lines) + "\n"


def catalog_contents() -> dict:
    """What a round trip must keep: resources, their categories and links, and the groups."""
    return {
        "categories": list(Category.objects.order_by("order").values_list("slug", "name", "order")),
        "resources": {
            resource.canonical_key: (
                resource.title,
                resource.category.slug,
                resource.status,
                [(link.label, link.url) for link in resource.links.order_by("id")],
            )
            for resource in Resource.objects.select_related("category")
        },
        "groups": {
            group.slug: (
                group.name,
                group.website,
                [(link.label, link.url) for link in group.links.order_by("id")],
            )
            for group in ResearchGroup.objects.all()
        },
    }


def empty_the_catalog() -> None:
    Resource.objects.all().delete()
    Category.objects.all().delete()
    ResearchGroup.objects.all().delete()
