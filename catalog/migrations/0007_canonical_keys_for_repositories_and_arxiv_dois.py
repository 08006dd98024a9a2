from django.db import migrations

from catalog.canonical import canonical_key


def recompute_keys(apps, schema_editor):
    """
    GitHub repositories' keys become github:owner/name and arXiv DOIs arxiv:ID.
    A resource whose new key another already holds keeps its old one: the
    data-quality report's duplicate check finds both through their links.
    """
    Resource = apps.get_model("catalog", "Resource")
    ResourceLink = apps.get_model("catalog", "ResourceLink")
    taken = set(Resource.objects.values_list("canonical_key", flat=True))
    for resource in Resource.objects.only("pk", "url", "canonical_key").iterator():
        key = canonical_key(resource.url)
        if key != resource.canonical_key and key not in taken:
            taken.add(key)
            Resource.objects.filter(pk=resource.pk).update(canonical_key=key)
    for link in ResourceLink.objects.only("pk", "url", "canonical_key").iterator():
        key = canonical_key(link.url)
        if key != link.canonical_key:
            ResourceLink.objects.filter(pk=link.pk).update(canonical_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_repository_and_paper_metadata"),
    ]

    operations = [
        # Backwards, the old keys are not needed: the new ones were computed from the same URLs.
        migrations.RunPython(recompute_keys, migrations.RunPython.noop),
    ]
