"""The figures on the stats page, all of published resources only."""

from django.db.models import Count

from catalog.charts import Row, bar_chart, column_chart
from catalog.facets import categories_with_counts, published_tags
from catalog.models import Resource

TOP_TAGS = 15


def resources_per_category() -> dict:
    rows = [Row(category.name, category.resource_count) for category in categories_with_counts()]
    return {"rows": rows, **bar_chart(rows)}


def resources_per_year() -> dict:
    """Every year from the first to the last, gaps included, and how many have no year."""
    counts = dict(
        Resource.objects.published()
        .values_list("year")
        .annotate(count=Count("id"))
        .values_list("year", "count")
    )
    undated = counts.pop(None, 0)
    years = range(min(counts), max(counts) + 1) if counts else []
    rows = [Row(str(year), counts.get(year, 0)) for year in years]
    return {"rows": rows, "undated": undated, **column_chart(rows)}


def top_tags() -> dict:
    tags = published_tags()[:TOP_TAGS]
    rows = [Row(tag.name, tag.resource_count) for tag in tags]
    return {"rows": rows, "slugs": [tag.slug for tag in tags], **bar_chart(rows)}
