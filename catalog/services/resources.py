from django.db import transaction
from django.utils import timezone

from catalog.cache import catalog_changed
from catalog.models import Resource


@transaction.atomic
def resources_publish(*, resources) -> int:
    """Publish ``resources``; the first publication date is kept when there is one."""
    resources = Resource.objects.filter(pk__in=[resource.pk for resource in resources])
    now = timezone.now()
    resources.filter(published_at__isnull=True).update(published_at=now)
    count = resources.update(status=Resource.Status.PUBLISHED, updated_at=now)
    catalog_changed()  # update() sends no signal
    return count


@transaction.atomic
def resources_archive(*, resources) -> int:
    """Take ``resources`` off the public site without deleting them."""
    resources = Resource.objects.filter(pk__in=[resource.pk for resource in resources])
    count = resources.update(status=Resource.Status.ARCHIVED, updated_at=timezone.now())
    catalog_changed()  # update() sends no signal
    return count
