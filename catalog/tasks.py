"""Background work on the catalog, run by the task worker (django.tasks)."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone


@task
def check_links(slugs: list[str] | None = None, include_archived: bool = False) -> dict:
    """
    Check resources' links (``slugs``, or every published and draft one) and
    record the run; returns the run's id, whether it was inconclusive, and its counts.
    """
    from catalog.models import Resource
    from catalog.sources.link_check import links_check

    resources = Resource.objects.all()
    if not include_archived:
        resources = resources.exclude(status=Resource.Status.ARCHIVED)
    if slugs:
        resources = resources.filter(slug__in=slugs)
    report = links_check(resources=resources)
    return {
        "run": report.run.pk,
        "inconclusive": report.run.inconclusive,
        "results": dict(report.results),
        "newly_broken": report.newly_broken,
    }


@task
def refresh_metadata(slugs: list[str] | None = None) -> dict:
    """
    ``refresh_metadata`` as a task: what GitHub and arXiv say of the catalog's
    works (``slugs``, or every resource not archived). When a source
    rate-limits the run, the resources left over are queued again for when it
    said to come back, where the backend can defer; the task itself never fails for it.
    """
    from catalog.models import Resource
    from catalog.services.metadata_refresh import metadata_refresh

    resources = Resource.objects.exclude(status=Resource.Status.ARCHIVED)
    if slugs:
        resources = resources.filter(slug__in=slugs)
    report = metadata_refresh(resources=resources)
    if report.postponed and refresh_metadata.get_backend().supports_defer:
        later = timezone.now() + timedelta(seconds=max(report.retry_after or 0, 60))
        refresh_metadata.using(run_after=later).enqueue(slugs=report.postponed)
    return report.as_dict()
