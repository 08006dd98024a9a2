import re
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import ResearchGroupLink, Resource, ResourceLink
from catalog.services.awesome_export import awesome_export
from catalog.services.awesome_import import awesome_import
from catalog.services.starting_catalog import catalog_load
from tests.catalog.awesome_lists import (
    SOURCE_GROUPS_SECTION,
    SOURCE_TSV,
    catalog_contents,
    empty_the_catalog,
    source_markdown,
)
from tests.factories import CategoryFactory, ResearchGroupFactory, ResourceFactory

pytestmark = pytest.mark.django_db

ITEM = re.compile(r"^- \[(?P<title>(?:\\.|[^\\\]])+)\]\((?P<url>[^)\s]+)\)(?P<rest>.*)$")


def items(readme):
    return [match for line in readme.splitlines() if (match := ITEM.match(line))]


def import_readme(tmp_path, text, **options):
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    # Into an emptied catalog: its sections become categories again.
    return awesome_import(path=path, **{"create_categories": True} | options)


def test_export_writes_the_upstream_layout_in_category_order():
    tools = CategoryFactory(slug="tools", name="Tools", order=1, description="Software to run.")
    papers = CategoryFactory(slug="papers", name="Papers", order=2)
    CategoryFactory(slug="empty", name="Empty", order=3)
    ResourceFactory(title="Zeta Tool", category=tools, description="Runs *fast*.")
    ResourceFactory(title="A Paper", category=papers, description="what it shows")
    ResourceFactory(title="Alpha Tool", category=tools, description="Does `one` thing!")

    readme = awesome_export()

    assert readme.startswith(
        "# Awesome LLM Interpretability "
        "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n\n> "
    )
    assert (
        "## Contents\n\n- [Tools](#tools)\n- [Papers](#papers)\n\n## Tools\n\nSoftware to run.\n\n"
        in readme
    )
    assert "Empty" not in readme  # no section for a category with nothing published
    assert [match["title"] for match in items(readme)][2:] == ["Alpha Tool", "Zeta Tool", "A Paper"]
    assert "- [Alpha Tool](https://example.org/papers/" in readme
    assert readme.index("## Tools") < readme.index("## Papers") < readme.index("## Contributing")
    assert readme.endswith("edits made to this file directly are overwritten.\n")


def test_export_descriptions_are_one_capitalised_line_of_plain_text_ending_in_punctuation():
    ResourceFactory(title="Lower", description="what it shows,\nover *two* [lines](https://x.org)")
    ResourceFactory(title="Named", description="Named does one thing")
    ResourceFactory(title="Quoted", description="Says “hello.”")
    ResourceFactory(title="Empty", description="")

    rests = {match["title"]: match["rest"] for match in items(awesome_export())}

    assert rests["Lower"] == " - What it shows, over two lines."
    assert rests["Named"] == " - Does one thing."  # never opens with the item's own name
    assert rests["Quoted"] == " - Says “hello.”"
    assert rests["Empty"] == ""


def test_export_escapes_markdown_in_titles_and_appends_extra_links():
    resource = ResourceFactory(
        title="Causal Scrubbing [Redwood Research]",
        url="https://example.org/scrubbing_(method)",
        description="Tests *hypotheses* about circuits_in_models.",
    )
    ResourceLink.objects.create(resource=resource, label="Paper", url="https://arxiv.org/abs/1")
    ResourceLink.objects.create(resource=resource, label="Code", url="https://github.com/o/r")

    readme = awesome_export()

    assert (
        r"- [Causal Scrubbing \[Redwood Research\]](https://example.org/scrubbing_(method)) - "
        r"Tests hypotheses about circuits\_in\_models. "
        "([Paper](https://arxiv.org/abs/1), [Code](https://github.com/o/r))\n"
    ) in readme


def test_export_leaves_out_drafts_and_archived_resources():
    ResourceFactory(title="Published work")
    ResourceFactory(title="Draft that could leak", draft=True)
    ResourceFactory(title="Archived that could leak", archived=True)

    readme = awesome_export()

    assert "Published work" in readme
    assert "could leak" not in readme


def test_export_lists_research_groups_with_their_links():
    group = ResearchGroupFactory(name="Some Lab", website="https://lab.example.org")
    group.description = "a lab."
    group.save()
    ResearchGroupLink.objects.create(group=group, label="Discord", url="https://discord.gg/x")
    ResourceFactory()

    readme = awesome_export()

    assert "- [Research Groups](#research-groups)" in readme
    assert (
        "- [Some Lab](https://lab.example.org) - A lab. ([Discord](https://discord.gg/x))"
    ) in readme


def test_export_command_writes_to_stdout_or_a_file(tmp_path):
    ResourceFactory(title="Exported work")
    out = StringIO()

    call_command("export_awesome", "--site-url", "https://awesome.example.org/", stdout=out)
    path = tmp_path / "README.md"
    call_command("export_awesome", str(path), stdout=StringIO(), stderr=StringIO())

    assert "- [Exported work](" in out.getvalue()
    assert "[the catalog's site](https://awesome.example.org/)" in out.getvalue()
    assert path.read_text(encoding="utf-8") == awesome_export()


def test_round_trip_of_the_starting_catalog_keeps_resources_categories_and_links(tmp_path):
    catalog_load()
    exported = awesome_export()
    before = catalog_contents()

    empty_the_catalog()
    report = import_readme(tmp_path, exported)

    assert report.counts["resources"]["created"] == 157
    assert report.duplicates == []
    assert catalog_contents() == before
    assert awesome_export() == exported


def test_round_trip_of_the_source_list_through_markdown_gives_the_same_catalog(tmp_path):
    if not SOURCE_TSV.exists():
        pytest.skip(f"{SOURCE_TSV} is not there")
    import_readme(tmp_path, source_markdown(), groups_section=SOURCE_GROUPS_SECTION)
    first = catalog_contents()
    exported = awesome_export()

    empty_the_catalog()
    import_readme(tmp_path, exported)

    assert catalog_contents() == first
    assert awesome_export() == exported
    assert Resource.objects.count() == len(first["resources"]) > 70
