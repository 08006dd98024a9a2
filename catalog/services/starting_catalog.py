"""
Load the starting catalog (a TOML file shipped in the repo) into the database.

The file is the seed, the database is the catalog: a load adds what the
database lacks and, unless asked to update, leaves alone what curators have
since edited. Either way a second load of the same file changes nothing.
"""

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from catalog.canonical import canonical_key
from catalog.models import Category, ResearchGroup, Resource
from catalog.search import indexing_deferred
from catalog.services.common import links_differ
from catalog.services.records import (
    RecordInvalid,
    ResourceRecord,
    ResourceUpsert,
    record_validate,
)

DEFAULT_CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "starting_catalog.toml"

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# For each kind of entry: the keys it must have and those it may have, with their types.
LINK_SCHEMA = ({"label": str, "url": str}, {})
CATEGORY_SCHEMA = ({"slug": str, "name": str, "order": int}, {"description": str})
GROUP_SCHEMA = (
    {"slug": str, "name": str},
    {"website": str, "description": str, "links": list},
)
RESOURCE_SCHEMA = (
    {"title": str, "url": str, "category": str, "description": str, "tags": list},
    {
        "slug": str,
        "year": int,
        "authors": (str, list),  # "A, B" or ["A", "B"]
        "venue": str,
        "code_url": str,
        "groups": list,
        "featured": bool,
        "extra_links": list,
        "links": list,  # the same as extra_links
        "added": date,  # the day it joined the catalog
    },
)


class CatalogFileError(Exception):
    """The catalog file cannot be read or holds an invalid entry; nothing was loaded."""


@dataclass
class LoadReport:
    counts: dict[str, Counter] = field(
        default_factory=lambda: {kind: Counter() for kind in ("categories", "groups", "resources")}
    )

    def count(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    @property
    def changed_anything(self) -> bool:
        return any(counter[CREATED] or counter[UPDATED] for counter in self.counts.values())

    def __str__(self):
        return "\n".join(
            f"{kind}: {counter[CREATED]} created, {counter[UPDATED]} updated, "
            f"{counter[UNCHANGED]} unchanged"
            for kind, counter in self.counts.items()
        )


def catalog_load(*, path: Path = DEFAULT_CATALOG_PATH, update: bool = False) -> LoadReport:
    """
    Load the catalog file at ``path`` in one transaction.

    New categories, groups and resources are created (resources published);
    existing ones, matched by slug or by canonical URL (a resource's own, or a
    former address it keeps as an extra link), are rewritten from the file
    only when ``update`` is true. Raises CatalogFileError, having changed
    nothing, when any entry is invalid.
    """
    data = _read(path)
    report = LoadReport()
    with transaction.atomic(), indexing_deferred():
        categories = {
            entry["slug"]: _sync_category(entry, update, report)
            for entry in _entries(data, "categories", CATEGORY_SCHEMA)
        }
        groups = {
            entry["slug"]: _sync_group(entry, update, report)
            for entry in _entries(data, "groups", GROUP_SCHEMA)
        }
        seen_keys: dict[str, str] = {}
        upsert = ResourceUpsert(status=Resource.Status.PUBLISHED, update=update)
        for where, entry in _located_entries(data, "resources", RESOURCE_SCHEMA):
            key = canonical_key(entry["url"])
            if key in seen_keys:
                raise CatalogFileError(
                    f"{where} ({entry['title']}): same work as {seen_keys[key]}; merge the two."
                )
            seen_keys[key] = where
            _sync_resource(entry, where, categories, groups, upsert, report)
        try:
            upsert.finish()
        except RecordInvalid as error:
            raise CatalogFileError(str(error)) from error
    return report


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as catalog_file:
            return tomllib.load(catalog_file)
    except OSError as error:
        raise CatalogFileError(f"Cannot read {path}: {error.strerror}.") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CatalogFileError(f"{path} is not valid TOML: {error}") from error


def _located_entries(data, kind, schema):
    entries = data.get(kind, [])
    if not isinstance(entries, list):
        raise CatalogFileError(f"'{kind}' must be a list of [[{kind}]] tables.")
    for number, entry in enumerate(entries, start=1):
        where = f"{kind} entry {number}"
        _check_entry(entry, where, *schema)
        yield where, entry


def _entries(data, kind, schema):
    return [entry for _, entry in _located_entries(data, kind, schema)]


def _check_entry(entry, where, required, optional):
    if not isinstance(entry, dict):
        raise CatalogFileError(f"{where} must be a table.")
    if missing := sorted(set(required) - set(entry)):
        raise CatalogFileError(f"{where} lacks {', '.join(missing)}.")
    if unknown := sorted(set(entry) - set(required) - set(optional)):
        raise CatalogFileError(f"{where} has unknown keys: {', '.join(unknown)}.")
    for key, expected_type in (required | optional).items():
        if key in entry and not isinstance(entry[key], expected_type):
            kinds = expected_type if isinstance(expected_type, tuple) else (expected_type,)
            names = " or a ".join(kind.__name__ for kind in kinds)
            raise CatalogFileError(f"{where}: '{key}' must be a {names}.")


def _links(entry, key, where):
    links = entry.get(key, [])
    for number, link in enumerate(links, start=1):
        _check_entry(link, f"{where}, {key} {number}", *LINK_SCHEMA)
    return [(link["label"], link["url"]) for link in links]


def _validated(instance, where):
    try:
        return record_validate(instance, where)
    except RecordInvalid as error:
        raise CatalogFileError(str(error)) from error


def _assign(instance, values) -> bool:
    """Set ``values`` on ``instance``; tell whether any of them differed."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _sync_category(entry, update, report) -> Category:
    values = {
        "name": entry["name"],
        "order": entry["order"],
        "description": entry.get("description", ""),
    }
    category = Category.objects.filter(slug=entry["slug"]).first()
    if category is None:
        category = Category(slug=entry["slug"], **values)
        _validated(category, f"category {entry['slug']}").save()
        report.count("categories", CREATED)
    elif update and _assign(category, values):
        _validated(category, f"category {entry['slug']}").save()
        report.count("categories", UPDATED)
    else:
        report.count("categories", UNCHANGED)
    return category


def _sync_group(entry, update, report) -> ResearchGroup:
    where = f"group {entry['slug']}"
    values = {
        "name": entry["name"],
        "website": entry.get("website", ""),
        "description": entry.get("description", ""),
    }
    links = _links(entry, "links", where)
    group = ResearchGroup.objects.filter(slug=entry["slug"]).first()
    if group is None:
        group = ResearchGroup(slug=entry["slug"], **values)
        _validated(group, where).save()
        _replace_links(group.links, links)
        report.count("groups", CREATED)
    elif update and (_assign(group, values) | links_differ(group.links, links)):
        _validated(group, where).save()
        _replace_links(group.links, links)
        report.count("groups", UPDATED)
    else:
        report.count("groups", UNCHANGED)
    return group


def _sync_resource(entry, where, categories, groups, upsert, report) -> None:
    where = f"{where} ({entry['title']})"
    if entry["category"] not in categories:
        raise CatalogFileError(f"{where}: unknown category '{entry['category']}'.")
    if unknown_groups := sorted(set(entry.get("groups", [])) - set(groups)):
        raise CatalogFileError(f"{where}: unknown groups {', '.join(unknown_groups)}.")
    authors = entry.get("authors", "")
    if isinstance(authors, list) and not all(isinstance(name, str) for name in authors):
        raise CatalogFileError(f"{where}: 'authors' must be a string or a list of strings.")
    record = ResourceRecord(
        title=entry["title"],
        url=entry["url"],
        category=categories[entry["category"]],
        description=entry["description"],
        year=entry.get("year"),
        authors=authors,
        venue=entry.get("venue", ""),
        code_url=entry.get("code_url", ""),
        featured=entry.get("featured", False),
        slug=entry.get("slug", ""),
        tags=sorted({name.strip().lower() for name in entry["tags"] if name.strip()}),
        groups=sorted({groups[slug].pk for slug in entry.get("groups", [])}),
        links=_links(entry, "extra_links", where) + _links(entry, "links", where),
        added=entry.get("added"),
        where=where,
    )
    try:
        outcome, _ = upsert.upsert(record)
    except RecordInvalid as error:
        raise CatalogFileError(str(error)) from error
    report.count("resources", outcome)


def _replace_links(manager, links) -> None:
    manager.all().delete()
    for label, url in links:
        link = manager.model(label=label, url=url, **{manager.field.name: manager.instance})
        _validated(link, f"link {url}").save()
