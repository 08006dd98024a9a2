import re
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.charts import Row, bar_chart, column_chart
from catalog.services.starting_catalog import catalog_load
from submissions.models import Submission
from submissions.stats import proposal_activity
from tests.factories import CategoryFactory, ResourceFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def table_rows(content, caption):
    """The (label, value) rows of the table captioned ``caption``."""
    table = content.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row">([^<]*)</th><td>(\d+)</td>', table)


def test_stats_page_charts_the_starting_catalog(client):
    catalog_load()

    response = client.get("/stats/")

    content = response.content.decode()
    assert "157 published resources" in content
    assert table_rows(content, "Resources per category") == [
        ("Tools", "41"), ("Papers", "86"), ("Articles", "22"), ("Surveys", "8"),
    ]  # fmt: skip
    years = dict(table_rows(content, "Resources per year of publication"))
    assert years["2023"] == "58"
    assert years["2025"] == "26"
    assert years["2018"] == "0"  # a gap between years is drawn as an empty column
    assert sum(map(int, years.values())) == 157
    tags = table_rows(content, "Most used tags")
    assert len(tags) == 15
    assert [int(count) for _, count in tags] == sorted((int(c) for _, c in tags), reverse=True)
    assert content.count("<svg") == 3  # no proposal yet, so no chart of them


def test_stats_page_counts_published_resources_only(client):
    tools = CategoryFactory(name="Tools")
    ResourceFactory(category=tools, year=2021, tags=["shown"])
    ResourceFactory(category=tools, year=2015, tags=["draft-only"], draft=True)
    ResourceFactory(category=tools, year=2016, tags=["archived-only"], archived=True)
    ResourceFactory(category=tools, year=None, tags=["shown"])

    content = client.get("/stats/").content.decode()

    assert table_rows(content, "Resources per category") == [("Tools", "2")]
    assert table_rows(content, "Resources per year of publication") == [("2021", "1")]
    assert table_rows(content, "Most used tags") == [("shown", "2")]
    assert "draft-only" not in content
    assert "1 resource without a year" in content


def test_stats_page_without_resources_draws_empty_charts(client):
    response = client.get("/stats/")

    assert response.status_code == 200
    assert "0 published resources" in response.content.decode()


def test_stats_page_uses_no_inline_style_or_script(client):
    catalog_load()

    content = client.get("/stats/").content.decode()

    assert "style=" not in content
    assert "<style" not in content
    assert not re.search(r"<script(?![^>]*\bsrc=)", content)


def test_stats_page_is_linked_from_every_page(client):
    assert 'href="/stats/"' in client.get("/").content.decode()


def test_proposal_activity_counts_proposals_per_week_and_the_median_wait():
    now = timezone.now()
    this_week = SubmissionFactory()
    two_weeks_ago = SubmissionFactory()
    Submission.objects.filter(pk=two_weeks_ago.pk).update(created_at=now - timedelta(weeks=2))
    decided = [SubmissionFactory(rejected=True) for _ in range(3)]
    for submission, hours in zip(decided, [2, 10, 30], strict=True):
        Submission.objects.filter(pk=submission.pk).update(
            created_at=now - timedelta(hours=hours), decided_at=now
        )
    SubmissionFactory()
    Submission.objects.filter(pk=this_week.pk).update(created_at=now - timedelta(weeks=20))

    activity = proposal_activity()

    counts = [row.value for row in activity["per_week"]["rows"]]
    assert len(counts) == 12
    assert sum(counts) == 5  # the proposal of 20 weeks ago falls outside
    assert counts[-3] + counts[-2] + counts[-1] == 5 and counts[-3] >= 1
    assert activity["decided"] == 3
    assert activity["median_wait"] == timedelta(hours=10)


def test_proposal_activity_ignores_a_proposal_dated_in_the_future():
    ahead = SubmissionFactory()
    Submission.objects.filter(pk=ahead.pk).update(created_at=timezone.now() + timedelta(weeks=2))
    assert sum(row.value for row in proposal_activity()["per_week"]["rows"]) == 0


def test_stats_page_shows_the_proposal_figures(client):
    SubmissionFactory()
    waited = SubmissionFactory(approved=True)
    Submission.objects.filter(pk=waited.pk).update(
        created_at=timezone.now() - timedelta(days=3), decided_at=timezone.now()
    )
    content = client.get("/stats/").content.decode()
    assert sum(int(value) for _, value in table_rows(content, "Proposals received per week")) == 2
    assert (
        "Median time from a proposal to its decision over these weeks: <strong>3 days</strong>"
        in content
    )


def test_stats_page_without_proposals_says_so(client):
    content = client.get("/stats/").content.decode()
    assert "No proposal was received in the last 12 weeks." in content
    assert "No proposal was decided in these weeks." in content
    assert content.count("<svg") == 3


def test_bar_chart_scales_bars_to_the_largest_value():
    chart = bar_chart([Row("a", 10), Row("b", 5), Row("c", 0)])

    assert [bar["width"] for bar in chart["bars"]] == ["100.00%", "50.00%", "0.50%"]
    assert chart["height"] == 3 * 34


def test_column_chart_labels_every_few_columns_when_crowded():
    chart = column_chart([Row(str(year), 1) for year in range(2000, 2030)])

    labelled = [column["label"] for column in chart["columns"] if column["show_label"]]
    assert labelled[0] == "2000"
    assert labelled[-1] == "2029"
    assert len(labelled) <= 11


def test_published_tags_are_those_of_published_works_most_used_first_with_their_counts():
    from django.db.models import Count, Q
    from taggit.models import Tag

    from catalog.facets import published_tags
    from catalog.models import Resource

    ResourceFactory(tags=["Zebra", "apple", "Circuits"])
    ResourceFactory(tags=["apple", "circuits-2", "Zebra"])
    ResourceFactory(tags=["Mango", "apple"])
    ResourceFactory(tags=["drafted only", "Mango"], draft=True)
    ResourceFactory(tags=["archived only"], archived=True)
    # The plain query of the same: every tag link joined to its resource row.
    joined = (
        Tag.objects.annotate(
            resource_count=Count(
                "catalog_taggedresource_items",
                filter=Q(
                    catalog_taggedresource_items__content_object__status=Resource.Status.PUBLISHED
                ),
            )
        )
        .filter(resource_count__gt=0)
        .order_by("-resource_count", "name")
    )

    counted = [(tag.name, tag.resource_count) for tag in published_tags()]
    assert counted == [(tag.name, tag.resource_count) for tag in joined]
    assert counted[0] == ("apple", 3)
    assert {name for name, _ in counted} == {"apple", "Zebra", "Circuits", "circuits-2", "Mango"}
    assert dict(counted)["Mango"] == 1  # its draft does not count
