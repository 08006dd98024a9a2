"""Turn each resource's comma-separated authors into ordered author records."""

import re
import unicodedata

from django.db import migrations
from django.utils.text import slugify

# Frozen copies of catalog.services.authors' rules, as they were when this ran.
SEPARATORS = re.compile(r"\s*(?:;|,|\band\b|&)\s*", re.IGNORECASE)
UNNAMED = frozenset({"et al", "et al.", "others", "contributors", "and others"})


def split_names(text):
    names = []
    for part in SEPARATORS.split(text or ""):
        name = " ".join(part.split())
        if name and name.casefold() not in UNNAMED and name not in names:
            names.append(name)
    return names


def normalised(name):
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def authors_to_records(apps, schema_editor):
    Resource = apps.get_model("catalog", "Resource")
    Author = apps.get_model("catalog", "Author")
    ResourceAuthor = apps.get_model("catalog", "ResourceAuthor")
    by_name = {author.normalised_name: author for author in Author.objects.all()}
    slugs = set(Author.objects.values_list("slug", flat=True))
    rows = []
    # In order of addition: the first spelling of a name met is the one kept.
    for resource in (
        Resource.objects.exclude(authors_text="").only("pk", "authors_text").order_by("pk")
    ):
        seen = set()
        for name in split_names(resource.authors_text):
            name = name[:200]
            key = normalised(name)
            author = by_name.get(key)
            if author is None:
                ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
                base = slugify(ascii_name or name)[:80].strip("-") or "author"
                slug, number = base, 1
                while slug in slugs:
                    number += 1
                    slug = f"{base}-{number}"
                slugs.add(slug)
                author = Author.objects.create(name=name, slug=slug, normalised_name=key)
                by_name[key] = author
            if author.pk in seen:
                continue
            seen.add(author.pk)
            rows.append(
                ResourceAuthor(resource_id=resource.pk, author_id=author.pk, position=len(seen) - 1)
            )
    ResourceAuthor.objects.bulk_create(rows, batch_size=1000)


def records_to_authors(apps, schema_editor):
    Resource = apps.get_model("catalog", "Resource")
    ResourceAuthor = apps.get_model("catalog", "ResourceAuthor")
    names = {}
    for row in ResourceAuthor.objects.select_related("author").order_by("resource_id", "position"):
        names.setdefault(row.resource_id, []).append(row.author.name)
    for resource_id, resource_names in names.items():
        Resource.objects.filter(pk=resource_id).update(authors_text=", ".join(resource_names))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0010_author_records_and_search_vocabulary"),
    ]

    operations = [
        migrations.RunPython(authors_to_records, records_to_authors),
    ]
