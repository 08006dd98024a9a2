from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.models import (
    Category,
    ResearchGroup,
    Resource,
    ResourceAuthor,
    ResourceLink,
    TaggedResource,
)
from catalog.services.awesome_import import MarkdownImportError, awesome_import
from catalog.services.starting_catalog import catalog_load
from submissions.models import Submission
from tests.catalog.awesome_lists import (
    SOURCE_GROUPS_SECTION,
    SOURCE_TSV,
    UPSTREAM_TSV,
    source_markdown,
    source_rows,
)
from tests.catalog.test_starting_catalog import snapshot
from tests.factories import CategoryFactory, ResourceFactory

pytestmark = pytest.mark.django_db

ROW_MODELS = [Category, ResearchGroup, Resource, ResourceLink, Submission]

UPSTREAM_STYLE = """\
# Awesome Things [![Awesome](https://awesome.re/badge.svg)](https://awesome.re) [![CI](https://ci.example/b.svg)](https://ci.example)

A list of [things](https://example.org/about), with an introduction.

- [Not an item: before the first section](https://example.org/intro)

## Table of Contents
- [Tools](#tools)
  - [Libraries](#libraries)

## Tools
*Tools and libraries for looking inside models.*

1. [First Tool](https://example.org/first) - an open-source platform for probing.
1. [Second Tool](https://github.com/Owner/Second) – Uses an en dash.
1. [Third Tool](https://example.org/third) — Uses an em dash.
1. [Fourth Tool](https://example.org/fourth) No separator at all
1. [Fifth Tool](https://example.org/fifth): Uses a colon.
1. [Sixth Tool](https://example.org/sixth)
- [Seventh Tool](https://example.org/seventh) - A description that wraps
  onto a second line.
* [Eighth Tool][eighth] - A reference link.

```
- [Inside a code block](https://example.org/code) - Not an item.
```

<!--
- [Inside a comment](https://example.org/comment) - Not an item.
-->

### Papers

- [A Paper [With Brackets]](https://arxiv.org/abs/2301.04213), [Tweet Summary](https://t.co/1)] \
(NeurIPS 2023 Spotlight) - highlights the limits of tracing.
- [Stray Bracket Paper](https://arxiv.org/abs/2311.00913)] - An application of attribution.
- [Paper With Links](https://arxiv.org/abs/2209.11799) - Builds on [earlier work](https://e.org/1) \
and [code](https://g.org/r).
- Just a note in prose, not a resource.
- [Same Paper Again](https://arxiv.org/pdf/2301.04213v2.pdf) - The PDF of the first paper.

---

## Groups
*Communities.*

1. [Some Lab](https://lab.example.org) - A lab with a [Discord](https://discord.example.org/invite).

## Contributing
- [Contributing guide](https://example.org/contributing) - Not an item.

## License
[![CC0](https://example.org/cc0.svg)](https://example.org/cc0)

[eighth]: https://example.org/eighth
"""


def import_text(tmp_path, text, **options):
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    return awesome_import(path=path, **{"create_categories": True} | options)


def resource_by_title(title):
    return Resource.objects.select_related("category").get(title=title)


def test_import_reads_every_item_form_of_an_awesome_list(tmp_path):
    report = import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")

    assert report.counts["resources"]["created"] == 11
    assert report.counts["categories"]["created"] == 2
    assert report.counts["groups"]["created"] == 1
    descriptions = dict(Resource.objects.values_list("title", "description"))
    assert descriptions == {
        "First Tool": "an open-source platform for probing.",
        "Second Tool": "Uses an en dash.",
        "Third Tool": "Uses an em dash.",
        "Fourth Tool": "No separator at all",
        "Fifth Tool": "Uses a colon.",
        "Sixth Tool": "",
        "Seventh Tool": "A description that wraps onto a second line.",
        "Eighth Tool": "A reference link.",
        "A Paper [With Brackets]": "highlights the limits of tracing.",
        "Stray Bracket Paper": "An application of attribution.",
        "Paper With Links": (
            "Builds on [earlier work](https://e.org/1) and [code](https://g.org/r)."
        ),
    }
    assert resource_by_title("Eighth Tool").url == "https://example.org/eighth"


def test_import_skips_contents_badges_prose_code_and_other_sections(tmp_path):
    report = import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")

    titles = set(Resource.objects.values_list("title", flat=True))
    assert not titles & {
        "Not an item: before the first section",
        "Inside a code block",
        "Inside a comment",
        "Contributing guide",
        "Tools",
        "Libraries",
    }
    assert set(Category.objects.values_list("name", flat=True)) == {"Tools", "Papers"}
    assert any("does not start with a link" in note for note in report.skipped)


def test_import_turns_sections_into_categories_with_their_descriptions(tmp_path):
    import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")

    tools = Category.objects.get(slug="tools")
    assert tools.description == "Tools and libraries for looking inside models."
    assert resource_by_title("First Tool").category == tools
    assert resource_by_title("Stray Bracket Paper").category.slug == "papers"
    assert tools.order < Category.objects.get(slug="papers").order


def test_import_keeps_extra_links_and_the_venue_before_the_separator(tmp_path):
    import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")

    paper = resource_by_title("A Paper [With Brackets]")
    assert paper.venue == "NeurIPS 2023 Spotlight"
    assert list(paper.links.values_list("label", "url")) == [("Tweet Summary", "https://t.co/1")]
    assert list(resource_by_title("Paper With Links").links.values_list("label", "url")) == [
        ("earlier work", "https://e.org/1"),
        ("code", "https://g.org/r"),
    ]


def test_import_maps_the_groups_section_to_research_groups(tmp_path):
    report = import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")

    lab = ResearchGroup.objects.get(slug="some-lab")
    assert lab.website == "https://lab.example.org"
    assert list(lab.links.values_list("label", "url")) == [
        ("Discord", "https://discord.example.org/invite")
    ]
    assert not Resource.objects.filter(title="Some Lab").exists()
    assert report.counts["groups"]["created"] == 1


def test_import_without_a_groups_section_files_groups_as_a_category(tmp_path):
    import_text(tmp_path, UPSTREAM_STYLE, groups_section=None)

    assert resource_by_title("Some Lab").category.name == "Groups"
    assert not ResearchGroup.objects.exists()


def test_import_reports_duplicates_with_line_numbers_and_imports_them_once(tmp_path):
    report = import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")

    assert report.duplicates == [
        "line 38 (Same Paper Again): same work as line 34 (A Paper [With Brackets]); "
        "not imported twice"
    ]
    assert not Resource.objects.filter(title="Same Paper Again").exists()


def test_import_publishes_new_resources_without_tags(tmp_path):
    import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")

    assert set(Resource.objects.values_list("status", flat=True)) == {"published"}
    assert not Resource.objects.filter(tags__isnull=False).exists()


def test_import_as_draft_keeps_new_resources_off_the_site(tmp_path):
    import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups", status="draft")

    assert Resource.objects.count() == 11
    assert not Resource.objects.published().exists()


def test_import_twice_changes_nothing(tmp_path):
    import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")
    before = snapshot()

    report = import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")

    assert snapshot() == before
    assert not report.changed_anything
    assert report.counts["resources"]["unchanged"] == 11
    assert report.counts["groups"]["unchanged"] == 1


def test_import_leaves_curators_edits_alone_unless_asked_to_update(tmp_path):
    import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")
    Resource.objects.filter(title="First Tool").update(description="A curator's words.")

    import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")
    assert resource_by_title("First Tool").description == "A curator's words."

    report = import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups", update=True)
    assert resource_by_title("First Tool").description == "an open-source platform for probing."
    assert report.counts["resources"]["updated"] == 1


def test_import_matches_existing_resources_by_canonical_key_and_extra_link(tmp_path):
    tools = CategoryFactory(slug="tools", name="Tools")
    existing = ResourceFactory(
        title="Curated", url="https://github.com/owner/second/", category=tools
    )
    by_link = ResourceFactory(title="Curated paper", url="https://openreview.net/forum?id=abc")
    ResourceLink.objects.create(
        resource=by_link, label="arXiv", url="https://arxiv.org/abs/2311.00913"
    )

    report = import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")

    assert report.counts["resources"]["created"] == 9
    assert report.counts["resources"]["unchanged"] == 2
    existing.refresh_from_db()
    assert existing.title == "Curated"
    assert not Resource.objects.filter(title__in=["Second Tool", "Stray Bracket Paper"]).exists()


def test_import_maps_a_section_to_an_existing_category(tmp_path):
    papers = CategoryFactory(slug="research-papers", name="Research papers")

    import_text(
        tmp_path, UPSTREAM_STYLE, groups_section="Groups", category_slugs={"Papers": papers.slug}
    )

    assert resource_by_title("Stray Bracket Paper").category == papers
    assert not Category.objects.filter(slug="papers").exists()


def test_import_reports_progress_per_item(tmp_path):
    calls = []
    import_text(
        tmp_path, UPSTREAM_STYLE, groups_section="Groups", on_progress=lambda *a: calls.append(a)
    )

    assert calls[-1] == (13, 13)
    assert len(calls) == 13


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("- [Broken title(https://example.org/b) - Oops.", "never closed by “]”"),
        ("- [Broken](https://example.org/b - Oops.", "never closed by “)”"),
        ("- [Broken] (https://example.org/b) - Oops.", "must be followed by “(URL)”"),
        ("- [Broken](ftp://example.org/b) - Oops.", "is not a web address"),
        ("- [Broken](example.org/b) - Oops.", "is not a web address"),
        ("- [](https://example.org/b) - Oops.", "has no title"),
        ("- [Broken][missing] - Oops.", "reference “missing” is not defined"),
        (
            "- [Fine](https://example.org/f) - See [this](ftp://example.org/x).",
            "is not a web address",
        ),
    ],
)
def test_import_of_bad_link_syntax_names_the_line_and_changes_nothing(tmp_path, item, message):
    ResourceFactory(title="Already here")
    before = snapshot()
    text = f"# List\n\n## Section\n\n- [Good](https://example.org/good) - Fine.\n{item}\n"

    with pytest.raises(MarkdownImportError) as error:
        import_text(tmp_path, text)

    assert error.value.line == 6
    assert str(error.value).startswith("line 6: ")
    assert message in str(error.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"", 1, "the file is empty"),
        (b"  \n\n\t\n", 1, "the file is empty"),
        (b"# List\n\n## Tools\n\x89PNG\x00\x00\x01", 4, "binary data"),
        (b"# List\n\n## Tools\n\n- [Caf\xe9](https://example.org/c) - Latin-1.\n", 5, "not UTF-8"),
    ],
)
def test_import_of_an_unreadable_file_names_the_line_and_changes_nothing(
    tmp_path, content, line, message
):
    before = snapshot()
    path = tmp_path / "README.md"
    path.write_bytes(content)

    with pytest.raises(MarkdownImportError) as error:
        awesome_import(path=path)

    assert error.value.line == line
    assert message in str(error.value)
    assert snapshot() == before


def test_import_of_markdown_without_items_is_refused(tmp_path):
    with pytest.raises(MarkdownImportError, match="no list items with links"):
        import_text(tmp_path, "# Notes\n\nSome prose.\n\n## Ideas\n\n- one\n- two\n")


def test_import_rolls_back_everything_when_a_write_fails(tmp_path):
    before = snapshot()
    text = (
        "# L\n\n## Good\n\n- [One](https://example.org/1) - Fine.\n\n"
        "## Bad\n\n- [Two](https://example.org/2) - Fine.\n"
    )

    with pytest.raises(MarkdownImportError, match=r"line 7: .*slug"):
        import_text(tmp_path, text, category_slugs={"Bad": "not a slug!"})

    assert snapshot() == before


def test_import_of_the_source_list_reports_its_known_duplicates(tmp_path):
    if not SOURCE_TSV.exists():
        pytest.skip(f"{SOURCE_TSV} is not there")

    report = import_text(tmp_path, source_markdown(), groups_section=SOURCE_GROUPS_SECTION)

    rows = source_rows()
    groups = [row for row in rows if row["section"] == SOURCE_GROUPS_SECTION]
    # One arXiv URL given to four papers, and one paper listed in two sections.
    assert len(report.duplicates) == 4
    assert Resource.objects.count() == len(rows) - len(groups) - 4
    assert ResearchGroup.objects.count() == len(groups)
    assert all(duplicate.startswith("line ") for duplicate in report.duplicates)
    localization = Resource.objects.get(url="https://arxiv.org/abs/2301.04213")
    assert localization.links.get().url.startswith("https://twitter.com/peterbhase/")


def test_import_command_prints_the_report_without_a_progress_bar_when_piped(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(UPSTREAM_STYLE, encoding="utf-8")
    out = StringIO()

    call_command(
        "import_awesome", str(path), "--groups-section", "Groups", "--draft",
        "--create-categories", stdout=out,
    )  # fmt: skip

    output = out.getvalue()
    assert "resources: 11 created, 0 updated, 0 unchanged" in output
    assert "duplicates: 1" in output
    assert "line 38 (Same Paper Again): same work as line 34" in output
    assert "\r" not in output
    assert Resource.objects.drafts().count() == 11


def test_import_command_explains_a_malformed_file(tmp_path):
    path = tmp_path / "README.md"
    path.write_bytes(b"# L\n\n## S\n\n- [Bad(https://example.org)\n")

    with pytest.raises(CommandError, match=r"line 5: bad link syntax.*Nothing was imported"):
        call_command("import_awesome", str(path), stdout=StringIO())
    assert not Resource.objects.exists()


# A curator's trust: dry runs, unknown headings, the upstream preset, reports that name.


def upstream_readme(tmp_path):
    if not UPSTREAM_TSV.exists():
        pytest.skip(f"{UPSTREAM_TSV} is not there")
    path = tmp_path / "README.md"
    path.write_text(source_markdown(UPSTREAM_TSV), encoding="utf-8")
    return path


# The rows the source list gained at its newest commit: the starting catalog holds
# them, so a catalog without them stands for one that is behind the list.
NEWEST_UPSTREAM_URLS = [
    "https://github.com/jalammar/ecco",
    "https://doi.org/10.1162/coli_a_00416",
    "https://arxiv.org/abs/2502.20167",
    "https://openreview.net/forum?id=dWYRjT501w",
]


def load_the_catalog_behind_the_list():
    catalog_load()
    Resource.objects.filter(url__in=NEWEST_UPSTREAM_URLS).delete()


def row_counts():
    return {model.__name__: model.objects.count() for model in ROW_MODELS}


def test_dry_run_of_the_upstream_readme_changes_no_row_and_names_each_item(tmp_path):
    load_the_catalog_behind_the_list()
    path = upstream_readme(tmp_path)
    before, rows = row_counts(), snapshot()
    out = StringIO()

    call_command("import_awesome", str(path), "--preset", "upstream", "--dry-run", stdout=out)

    assert row_counts() == before
    assert snapshot() == rows
    output = out.getvalue()
    assert "Dry run: nothing was written" in output
    assert "resources: 4 would be created" in output
    assert "would be created:\n  resource “" in output
    assert "left alone:\n" in output
    assert "resource “Toy Models of Superposition” (line" in output  # left alone, by name
    assert "group “EleutherAI” (line" in output


def test_upstream_preset_imports_cleanly_as_drafts_without_groups_as_resources(tmp_path):
    load_the_catalog_behind_the_list()
    path = upstream_readme(tmp_path)
    categories = set(Category.objects.values_list("slug", flat=True))
    published = Resource.objects.published().count()
    out = StringIO()

    call_command("import_awesome", str(path), "--preset", "upstream", stdout=out)

    output = out.getvalue()
    assert output.startswith(
        f"Preset upstream: python manage.py import_awesome {path} --groups-section "
        '"LLM Interpretability Groups" --category "LLM Interpretability Tools=tools"'
    )
    assert "resources: 4 created" in output
    assert set(Category.objects.values_list("slug", flat=True)) == categories
    assert Resource.objects.drafts().count() == 4
    assert Resource.objects.published().count() == published  # the new ones wait as drafts
    assert not Resource.objects.filter(title__in=["EleutherAI", "Nous Research"]).exists()
    created = output.split("created:\n", 1)[1].splitlines()[:4]
    assert all(line.startswith("  resource “") for line in created)
    assert "resource “ecco”" in output.lower() or "ecco" in output.lower()


def test_unknown_heading_is_refused_by_name_with_the_categories(tmp_path):
    CategoryFactory(slug="tools", name="Tools")
    before = snapshot()
    text = (
        "# L\n\n## Tools\n\n- [A](https://example.org/a)\n\n## Gadgets\n\n- [B](https://e.org/b)\n"
    )

    with pytest.raises(MarkdownImportError) as error:
        import_text(tmp_path, text, create_categories=False)

    message = str(error.value)
    assert "no category for the section “Gadgets” (line 7)" in message
    assert '--category "Gadgets=SLUG"' in message and "--create-categories" in message
    assert "Categories: tools (Tools)" in message
    assert snapshot() == before


def test_unknown_heading_mapped_or_allowed_is_imported(tmp_path):
    CategoryFactory(slug="tools", name="Tools")
    text = "# L\n\n## Gadgets\n\n- [B](https://e.org/b)\n"
    import_text(tmp_path, text, create_categories=False, category_slugs={"Gadgets": "tools"})
    assert resource_by_title("B").category.slug == "tools"

    text = "# L\n\n## Widgets\n\n- [C](https://e.org/c)\n"
    import_text(tmp_path, text, create_categories=True)
    assert resource_by_title("C").category.name == "Widgets"


def test_heading_mapped_to_a_missing_category_is_refused(tmp_path):
    text = "# L\n\n## Gadgets\n\n- [B](https://e.org/b)\n"
    with pytest.raises(MarkdownImportError, match="mapped to the category “nope”, which does not"):
        import_text(tmp_path, text, create_categories=False, category_slugs={"Gadgets": "nope"})


def test_report_names_every_created_and_updated_item(tmp_path):
    report = import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups")
    text = str(report)
    assert "created:\n" in text
    assert "  resource “First Tool” (line 14)" in text
    assert "  category “Tools” (line 11)" in text
    assert "  group “Some Lab” (line" in text

    Resource.objects.filter(title="First Tool").update(description="Changed.")
    report = import_text(tmp_path, UPSTREAM_STYLE, groups_section="Groups", update=True)
    assert "updated:\n  resource “First Tool” (line 14)" in str(report)
    assert "Second Tool" not in str(report)  # left alone: counted, not named


def test_items_sharing_an_extra_link_within_one_file_make_one_resource(tmp_path):
    text = (
        "# L\n\n## Papers\n\n"
        "- [One](https://example.org/one) - First, [code](https://github.com/o/shared).\n"
        "- [Two](https://github.com/o/shared) - The code itself.\n"
    )
    report = import_text(tmp_path, text)
    assert Resource.objects.count() == 1
    assert len(report.duplicates) == 1


MIXED_LIST = """\
# Awesome Mixed

## Tools

- [Probe Kit](https://example.org/probe) - Reads activations.
- [Probe Kit](https://example.org/probe-two) - Another work of the same title.
- [Probe Kit](https://example.org/probe-three) - A third.
- [Probe Kit Mirror](https://example.org/probe/) - The first one's address again.
- [Known Work](https://arxiv.org/pdf/2301.04213v2.pdf) - Listed already, by its abstract page.
- A note in prose, not a work.
- [Linked Tool](https://example.org/linked) (ICML 2024) - With [code](https://g.org/linked).
- [Control Tool](https://example.org/control) - Drops an invisible \x01character.
"""


def resource_rows():
    return [
        (r.title, r.slug, r.url, r.canonical_key, r.description, r.category.slug, r.venue)
        for r in Resource.objects.select_related("category").order_by("pk")
    ]


def test_import_of_a_list_with_duplicates_and_existing_works_holds_what_a_row_by_row_save_would(
    tmp_path,
):
    tools = CategoryFactory(slug="tools", name="Tools")
    known = ResourceFactory(
        title="Probe Kit",
        url="https://arxiv.org/abs/2301.04213",
        category=tools,
        tags=["circuits", "SAE"],
        authors=["Ada Lovelace", "Alan Turing"],
    )

    report = import_text(tmp_path, MIXED_LIST)

    assert resource_rows() == [
        (
            "Probe Kit", known.slug, "https://arxiv.org/abs/2301.04213", "arxiv:2301.04213",
            "What this work shows, and why to read it.", "tools", "",
        ),
        (
            "Probe Kit", "probe-kit-2", "https://example.org/probe", "example.org/probe",
            "Reads activations.", "tools", "",
        ),
        (
            "Probe Kit", "probe-kit-3", "https://example.org/probe-two", "example.org/probe-two",
            "Another work of the same title.", "tools", "",
        ),
        (
            "Probe Kit", "probe-kit-4", "https://example.org/probe-three",
            "example.org/probe-three", "A third.", "tools", "",
        ),
        (
            "Linked Tool", "linked-tool", "https://example.org/linked", "example.org/linked",
            "With [code](https://g.org/linked).", "tools", "ICML 2024",
        ),
        # Cleaned as Resource.save() cleans a description.
        (
            "Control Tool", "control-tool", "https://example.org/control", "example.org/control",
            "Drops an invisible character.", "tools", "",
        ),
    ]  # fmt: skip
    assert list(
        ResourceLink.objects.values_list("resource__slug", "label", "url", "canonical_key")
    ) == [("linked-tool", "code", "https://g.org/linked", "g.org/linked")]
    assert report.counts["resources"] == {"created": 5, "unchanged": 1}
    assert report.duplicates == [
        "line 8 (Probe Kit Mirror): same work as line 5 (Probe Kit); not imported twice"
    ]
    assert report.skipped == ["line 10: a list item that does not start with a link"]
    # The work already listed keeps its tags and authors; the new ones have none.
    assert sorted(known.tags.names()) == ["SAE", "circuits"]
    assert known.author_names() == ["Ada Lovelace", "Alan Turing"]
    assert TaggedResource.objects.count() == 2
    assert ResourceAuthor.objects.count() == 2
    assert set(Resource.objects.values_list("status", flat=True)) == {"published"}
    assert not Resource.objects.filter(published_at__isnull=True).exists()


def test_import_of_a_list_with_an_invalid_item_names_it_and_writes_nothing(tmp_path):
    ResourceFactory(title="Known", url="https://example.org/known")
    before = snapshot()
    many = "".join(f"- [Work {n}](https://example.org/{n}) - Fine.\n" for n in range(600))

    with pytest.raises(MarkdownImportError) as refused:
        import_text(tmp_path, f"## Tools\n\n{many}- [Bad\x01Title](https://example.org/bad)\n")

    assert str(refused.value) == (
        "line 603: title: Keep this to one line of plain text: it contains a line break or an "
        "invisible control character (U+0001). Retype it or paste it as plain text."
    )
    assert snapshot() == before


def test_import_dry_run_of_many_items_writes_nothing_and_counts_them(tmp_path):
    many = "".join(f"- [Work {n}](https://example.org/{n}) - Fine.\n" for n in range(1200))
    before = snapshot()

    report = import_text(tmp_path, f"## Tools\n\n{many}", dry_run=True)

    assert snapshot() == before
    assert report.counts["resources"] == {"created": 1200}
    assert report.counts["categories"] == {"created": 1}


def test_imported_works_are_found_by_search_and_change_the_catalog_version(tmp_path):
    from catalog.cache import catalog_version
    from catalog.search import search

    ResourceFactory(title="Unrelated older work")
    before = catalog_version()
    many = "".join(f"- [Work {n}](https://example.org/{n}) - Filler.\n" for n in range(700))

    import_text(tmp_path, f"{MIXED_LIST}\n## Papers\n\n{many}")

    found = search(Resource.objects.published(), "activations")
    assert [resource.slug for resource in found] == ["probe-kit"]
    assert set(search(Resource.objects.published(), "linked").values_list("slug", flat=True)) == {
        "linked-tool"
    }
    # The last of several batches is indexed too.
    assert list(search(Resource.objects.published(), "699").values_list("title", flat=True)) == [
        "Work 699"
    ]
    assert catalog_version() != before
