"""refresh_metadata against GitHub and arXiv served on loopback from recorded answers."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.maintenance import idle_cutoff
from catalog.models import PaperMetadata, RepositoryMetadata, Resource
from catalog.services.data_quality import data_quality_report
from catalog.services.metadata_refresh import metadata_refresh
from catalog.tasks import refresh_metadata
from tests.factories import CategoryFactory, ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tools():
    return CategoryFactory(slug="tools", name="Tools")


@pytest.fixture
def papers():
    return CategoryFactory(slug="papers", name="Papers")


def test_refresh_stores_stars_push_release_licence_for_the_catalogs_tools(
    source_server, client, capsys
):
    source_server.state.default_repositories = True
    call_command("load_catalog", verbosity=0)
    github_tools = [
        resource
        for resource in Resource.objects.published().filter(category__slug="tools")
        if resource.canonical_key.startswith("github:")
    ]
    assert len(github_tools) > 10

    call_command("refresh_metadata")

    assert "Repositories:" in capsys.readouterr().out
    data = client.get("/api/resources/?category=tools&page_size=100").json()
    by_url = {item["url"]: item for item in data["results"]}
    for tool in github_tools:
        item = by_url[tool.url]
        assert item["repository"]["stars"] is not None, tool.url
        assert item["maintenance"] in ("active", "unmaintained", "archived")
    lens = by_url["https://github.com/TransformerLensOrg/TransformerLens"]
    assert lens["repository"] == {
        "full_name": "TransformerLensOrg/TransformerLens",
        "stars": 2874,
        "pushed_at": lens["repository"]["pushed_at"],
        "archived": False,
        "license": "MIT",
        "latest_release": "v2.16.1",
        "checked_at": lens["repository"]["checked_at"],
    }
    assert lens["maintenance"] == "active"
    archived = by_url["https://github.com/ai-safety-foundation/sparse_autoencoder"]
    assert (archived["repository"]["archived"], archived["maintenance"]) == (True, "archived")
    assert by_url["https://github.com/BizarreCake/fmr.ai"]["maintenance"] == "unmaintained"


def test_refresh_uses_a_papers_code_link(source_server, papers):
    paper = ResourceFactory(
        category=papers,
        url="https://example.org/paper",
        code_url="https://github.com/TransformerLensOrg/TransformerLens",
    )

    metadata_refresh()

    assert RepositoryMetadata.objects.get(resource=paper).stars == 2874


def test_refresh_back_off_on_a_spent_quota_without_failing(source_server, tools):
    first = ResourceFactory(category=tools, url="https://github.com/TransformerLensOrg/x-first")
    ResourceFactory(category=tools, url="https://github.com/ratelimited/repo")
    ResourceFactory(category=tools, url="https://github.com/bizarrecake/fmr.ai", title="Zz")
    source_server.state.default_repositories = True
    waits = []

    report = metadata_refresh(
        resources=Resource.objects.order_by("pk"), max_wait=60, sleep=waits.append
    )

    # GitHub said to come back in half an hour: nothing is waited, the rest is left.
    assert waits == []
    assert report.repositories == {"found": 1, "rate_limited": 2}
    assert len(report.postponed) == 2 and 1700 < report.retry_after <= 1800
    assert list(RepositoryMetadata.objects.values_list("resource", flat=True)) == [first.pk]
    assert source_server.state.counts["/github/repos/bizarrecake/fmr.ai"] == 0


def test_refresh_waits_out_a_short_rate_limit_once(source_server, tools):
    ResourceFactory(category=tools, url="https://github.com/throttled/repo")
    waits = []

    report = metadata_refresh(max_wait=60, sleep=waits.append)

    assert waits == [60]
    assert source_server.state.counts["/github/repos/throttled/repo"] == 2
    assert report.repositories == {"rate_limited": 1}


def test_refresh_task_returns_its_report_and_never_raises_when_rate_limited(
    source_server, tools, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    ResourceFactory(category=tools, url="https://github.com/ratelimited/repo")

    result = refresh_metadata.enqueue()

    assert result.status == "SUCCESSFUL"
    assert result.return_value["repositories"] == {"rate_limited": 1}


def test_refresh_records_arxiv_versions_and_the_report_lists_them(source_server, papers):
    pinned = ResourceFactory(category=papers, url="https://arxiv.org/abs/2309.08600v2", venue="")
    withdrawn = ResourceFactory(category=papers, url="https://arxiv.org/abs/2401.99999")
    current = ResourceFactory(category=papers, url="https://arxiv.org/abs/2408.05147")

    report = metadata_refresh()

    assert report.papers == {"found": 3}
    assert PaperMetadata.objects.get(resource=pinned).latest_version == 3
    notes = data_quality_report().source_notes
    assert (pinned, "arXiv has v3; the link names v2") in notes
    assert (
        pinned,
        "arXiv gives the journal reference “ICLR 2024”; the venue says “nothing”",
    ) in notes
    assert (withdrawn, "arXiv marks 2401.99999 as withdrawn") in notes
    assert current not in [resource for resource, _ in notes]
    # Nothing changes by itself.
    pinned.refresh_from_db()
    assert (pinned.url, pinned.venue) == ("https://arxiv.org/abs/2309.08600v2", "")


def test_report_lists_unmaintained_and_renamed_repositories(source_server, tools):
    lens = ResourceFactory(category=tools, url="https://github.com/neelnanda-io/TransformerLens")
    archived = ResourceFactory(
        category=tools, url="https://github.com/ai-safety-foundation/sparse_autoencoder"
    )
    idle = ResourceFactory(category=tools, url="https://github.com/BizarreCake/fmr.ai")

    metadata_refresh()
    report = data_quality_report()

    assert (
        lens,
        "GitHub now names the repository TransformerLensOrg/TransformerLens: update the link",
    ) in report.source_notes
    assert dict(report.unmaintained) == {
        archived: "ai-safety-foundation/sparse_autoencoder is archived on GitHub",
        idle: "no push to BizarreCake/fmr.ai since 2023-05-03",
    }
    assert "Repositories not maintained (archived, or idle): 2" in str(report)


def test_a_second_refresh_that_changes_nothing_keeps_the_catalog_version(source_server, tools):
    from catalog.cache import catalog_version

    ResourceFactory(category=tools, url="https://github.com/BizarreCake/fmr.ai")
    metadata_refresh()
    version = catalog_version()

    report = metadata_refresh()

    assert report.changed == 0 and catalog_version() == version


def test_idle_cutoff_counts_calendar_months(settings):
    settings.MAINTENANCE_IDLE_MONTHS = 12
    now = timezone.now().replace(year=2026, month=3, day=31)
    assert idle_cutoff(now) == now.replace(year=2025)
    settings.MAINTENANCE_IDLE_MONTHS = 1
    assert idle_cutoff(now) == now.replace(month=2, day=28)
    assert idle_cutoff(now) > now - timedelta(days=32)


def test_admin_shows_what_the_sources_said(source_server, tools, staff_client):
    lens = ResourceFactory(category=tools, url="https://github.com/neelnanda-io/TransformerLens")
    metadata_refresh()

    change_page = staff_client.get(f"/admin/catalog/resource/{lens.pk}/change/").content.decode()
    report_page = staff_client.get("/admin/data-quality/").content.decode()

    assert "TransformerLensOrg/TransformerLens" in change_page and "v2.16.1" in change_page
    assert "Sources say otherwise (1)" in report_page
    assert "GitHub now names the repository TransformerLensOrg/TransformerLens" in report_page
