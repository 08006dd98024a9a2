from django.conf import settings
from django.db import transaction
from taggit.models import Tag

from catalog.cache import catalog_changed
from catalog.models import TaggedResource
from catalog.search import index_resources


@transaction.atomic
def tags_merge(*, sources, target: Tag) -> int:
    """
    Retag every resource tagged with one of ``sources`` with ``target``, then
    delete the sources. Returns how many resources gained ``target``.
    """
    source_ids = [tag.pk for tag in sources if tag.pk != target.pk]
    already_tagged = TaggedResource.objects.filter(tag=target).values("content_object_id")
    # A resource with both a source and the target keeps one row, the target's.
    TaggedResource.objects.filter(
        tag_id__in=source_ids, content_object_id__in=already_tagged
    ).delete()
    moved_ids = set(
        TaggedResource.objects.filter(tag_id__in=source_ids).values_list(
            "content_object_id", flat=True
        )
    )
    # A resource with two of the sources: keep one row each, then move them.
    for resource_id in moved_ids:
        rows = TaggedResource.objects.filter(tag_id__in=source_ids, content_object_id=resource_id)
        rows.exclude(pk=rows.order_by("pk").values_list("pk", flat=True).first()).delete()
    TaggedResource.objects.filter(tag_id__in=source_ids).update(tag=target)
    Tag.objects.filter(pk__in=source_ids).delete()
    # update() sends no signal: reindex and invalidate here.
    index_resources(moved_ids)
    catalog_changed()
    return len(moved_ids)


def resources_add_tags(tagged) -> None:
    """
    Tag each new resource (no tags yet) of ``tagged``, (resource, names)
    pairs, as taggit's ``resource.tags.set(names)`` would: each name matched
    to a tag as taggit matches it (ignoring case with TAGGIT_CASE_INSENSITIVE),
    made when new, but looked up once per load rather than once per resource.
    The caller indexes the resources and marks the catalog changed.
    """
    tags: dict[str, Tag] = {}
    rows = []
    for resource, names in tagged:
        resource_tags = []
        for name in names:
            if name not in tags:
                tags[name] = _tag_named(name)
            if tags[name] not in resource_tags:
                resource_tags.append(tags[name])
        rows += [TaggedResource(content_object=resource, tag=tag) for tag in resource_tags]
    TaggedResource.objects.bulk_create(rows)


def _tag_named(name: str) -> Tag:
    if not getattr(settings, "TAGGIT_CASE_INSENSITIVE", False):
        return Tag.objects.get_or_create(name=name)[0]
    # Of several spellings already stored, taggit takes the oldest.
    if tag := Tag.objects.filter(name__iexact=name).order_by("pk").first():
        return tag
    return Tag.objects.create(name=name)
