"""
Keep derived state current on every change to the catalog: the search index,
and the catalog version that cached pages are keyed by. The version handlers
only mark the transaction as having changed the catalog (catalog.cache): the
version changes once, when it commits, however many rows it saved.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from catalog.cache import catalog_changed
from catalog.models import (
    Author,
    Category,
    ResearchGroup,
    ResearchGroupLink,
    Resource,
    ResourceAuthor,
    ResourceLink,
    SearchSynonym,
    TaggedResource,
)
from catalog.search import index_resources

# Models whose rows appear on public pages.
PUBLIC_MODELS = [
    Resource,
    Category,
    ResearchGroup,
    ResourceLink,
    ResearchGroupLink,
    Tag,
    TaggedResource,
    Author,
    ResourceAuthor,
    SearchSynonym,
]


def mark_catalog_changed(sender, **kwargs):
    catalog_changed()


for model in PUBLIC_MODELS:
    post_save.connect(mark_catalog_changed, sender=model, dispatch_uid=f"changed_{model.__name__}")
    post_delete.connect(
        mark_catalog_changed, sender=model, dispatch_uid=f"deleted_{model.__name__}"
    )
for through in (TaggedResource, Resource.groups.through):
    m2m_changed.connect(
        mark_catalog_changed, sender=through, dispatch_uid=f"relinked_{through.__name__}"
    )


@receiver(post_save, sender=Resource, dispatch_uid="catalog_index_saved_resource")
@receiver(post_delete, sender=Resource, dispatch_uid="catalog_index_deleted_resource")
def index_resource(sender, instance, **kwargs):
    index_resources([instance.pk])


@receiver(m2m_changed, sender=TaggedResource, dispatch_uid="catalog_index_retagged_resource")
def index_retagged_resource(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        index_resources([instance.pk])
    elif pk_set:
        index_resources(pk_set)


@receiver(post_delete, sender=TaggedResource, dispatch_uid="catalog_index_untagged_resource")
def index_untagged_resource(sender, instance, **kwargs):
    index_resources([instance.content_object_id])


@receiver(post_save, sender=Tag, dispatch_uid="catalog_index_renamed_tag")
def index_renamed_tag(sender, instance, created, **kwargs):
    if not created:
        index_resources(
            TaggedResource.objects.filter(tag=instance).values_list("content_object_id", flat=True)
        )


@receiver(post_save, sender=ResourceAuthor, dispatch_uid="catalog_index_credited_resource")
@receiver(post_delete, sender=ResourceAuthor, dispatch_uid="catalog_index_uncredited_resource")
@receiver(post_save, sender=ResourceLink, dispatch_uid="catalog_index_linked_resource")
@receiver(post_delete, sender=ResourceLink, dispatch_uid="catalog_index_unlinked_resource")
def index_resource_of_row(sender, instance, **kwargs):
    index_resources([instance.resource_id])


@receiver(post_save, sender=Author, dispatch_uid="catalog_index_renamed_author")
def index_renamed_author(sender, instance, created, **kwargs):
    if not created:
        index_resources(
            ResourceAuthor.objects.filter(author=instance).values_list("resource_id", flat=True)
        )
