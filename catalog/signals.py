"""Keep the search index current on every change to a resource or its tags."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from catalog.models import Resource, TaggedResource
from catalog.search import index_resources


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
