"""Background work on the catalog, run by the task worker (django.tasks)."""

from django.tasks import task


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
