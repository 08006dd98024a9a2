"""Author records: setting a work's ordered authors from names, and merging duplicates."""

import re

from django.db import transaction

from catalog.cache import catalog_changed
from catalog.models import Author, ResourceAuthor, free_slug, normalised_name, unidecode_name
from catalog.search import index_resources

# "A, B and C", "A, B, & C", "A; B": the separators of an author list written as text.
SEPARATORS = re.compile(r"\s*(?:;|,|\band\b|&)\s*", re.IGNORECASE)
# Words that stand for authors left unnamed: dropped, since no page can be made for them.
UNNAMED = frozenset({"et al", "et al.", "others", "contributors", "and others"})


def split_author_names(text: str) -> list[str]:
    """The names in an author list written as text, in order, without repeats or "et al."."""
    names = []
    for part in SEPARATORS.split(text or ""):
        name = " ".join(part.split())
        if name and name.casefold() not in UNNAMED and name not in names:
            names.append(name)
    return names


def author_for_name(name: str) -> Author:
    """The author record for ``name``, by normalised name, made when new."""
    name = " ".join(name.split())[:200]
    author = Author.objects.filter(normalised_name=normalised_name(name)).first()
    if author is None:
        author = Author(name=name)
        author.save()
    return author


def _author_names(names) -> list[str]:
    """``names`` (a list, or an author list as text) as the names records are made of."""
    if isinstance(names, str):
        names = split_author_names(names)
    return [" ".join(name.split())[:200] for name in names if name.strip()]


def resource_set_authors(resource, names) -> bool:
    """
    Make ``names`` (a list, or an author list as text) the ordered authors of
    ``resource``. Returns whether anything changed. Approvals and updates set
    authors through here; a load's new resources through
    ``resources_credit_authors``, which gives the same records.
    """
    names = _author_names(names)
    known = {
        author.normalised_name: author
        for author in Author.objects.filter(normalised_name__in=[normalised_name(n) for n in names])
    }
    wanted = []
    for name in names:
        author = known.get(normalised_name(name)) or author_for_name(name)
        known[author.normalised_name] = author
        if author.pk not in wanted:
            wanted.append(author.pk)
    current = list(
        ResourceAuthor.objects.filter(resource=resource)
        .order_by("position")
        .values_list("author_id", flat=True)
    )
    if current == wanted:
        return False
    ResourceAuthor.objects.filter(resource=resource).delete()
    ResourceAuthor.objects.bulk_create(
        ResourceAuthor(resource=resource, author_id=author_id, position=position)
        for position, author_id in enumerate(wanted)
    )
    if hasattr(resource, "_prefetched_objects_cache"):
        resource._prefetched_objects_cache.pop("authorships", None)
    index_resources([resource.pk])
    catalog_changed()
    return True


def resources_credit_authors(credits) -> None:
    """
    Credit each new resource (no authors yet) of ``credits``, (resource, names)
    pairs, with its names in order, as ``resource_set_authors`` would: the same
    records, found or made, in a few queries for the lot. The caller indexes
    the resources and marks the catalog changed.
    """
    credits = [(resource, _author_names(names)) for resource, names in credits]
    wanted = list({normalised_name(name): None for _, names in credits for name in names})
    known = {}
    for start in range(0, len(wanted), 500):
        batch = wanted[start : start + 500]
        known.update(
            (author.normalised_name, author)
            for author in Author.objects.filter(normalised_name__in=batch)
        )
    new_authors = []
    for _, names in credits:
        for name in names:
            if normalised_name(name) not in known:
                author = Author(name=name, normalised_name=normalised_name(name))
                known[author.normalised_name] = author
                new_authors.append(author)
    if new_authors:
        slugs = set(Author.objects.values_list("slug", flat=True))
        for author in new_authors:
            author.slug = free_slug(unidecode_name(author.name), slugs.__contains__)
            slugs.add(author.slug)
        Author.objects.bulk_create(new_authors)
    authorships = []
    for resource, names in credits:
        author_ids = list({known[normalised_name(name)].pk: None for name in names})
        authorships += [
            ResourceAuthor(resource=resource, author_id=author_id, position=position)
            for position, author_id in enumerate(author_ids)
        ]
    ResourceAuthor.objects.bulk_create(authorships)


@transaction.atomic
def authors_merge(*, sources, target: Author) -> int:
    """
    Credit ``target`` wherever one of ``sources`` was credited, at the same
    place in the list, then delete the sources. Returns how many works changed.
    """
    source_ids = [author.pk for author in sources if author.pk != target.pk]
    rows = ResourceAuthor.objects.filter(author_id__in=source_ids).order_by(
        "resource_id", "position"
    )
    changed = set()
    for row in rows:
        if ResourceAuthor.objects.filter(resource_id=row.resource_id, author=target).exists():
            row.delete()  # the work already credits the target
        else:
            row.author = target
            row.save(update_fields=["author"])
        changed.add(row.resource_id)
    Author.objects.filter(pk__in=source_ids).delete()
    index_resources(changed)
    catalog_changed()
    return len(changed)
