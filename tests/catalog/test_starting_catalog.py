from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from taggit.models import Tag

from catalog.models import (
    Category,
    ResearchGroup,
    ResearchGroupLink,
    Resource,
    ResourceLink,
    TaggedResource,
)
from catalog.services.starting_catalog import CatalogFileError, catalog_load

pytestmark = pytest.mark.django_db

SNAPSHOT_MODELS = [
    Category,
    ResearchGroup,
    ResearchGroupLink,
    Resource,
    ResourceLink,
    Tag,
    TaggedResource,
    Resource.groups.through,
]


def snapshot():
    """Every row of every catalog table, timestamps included."""
    return {
        model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }


@pytest.fixture
def loaded_catalog():
    return catalog_load()


def test_catalog_has_83_published_resources_in_four_categories(loaded_catalog):
    assert Resource.objects.published().count() == 83
    assert Resource.objects.count() == 83
    counts = {
        category.slug: category.resources.count() for category in Category.objects.order_by("order")
    }
    assert counts == {"tools": 22, "papers": 49, "articles": 10, "surveys": 2}


def test_catalog_has_the_four_research_groups(loaded_catalog):
    assert set(ResearchGroup.objects.values_list("name", flat=True)) == {
        "PAIR",
        "Alignment Lab AI",
        "Nous Research",
        "EleutherAI",
    }
    eleuther = ResearchGroup.objects.get(slug="eleutherai")
    assert "Pythia" in set(eleuther.resources.values_list("title", flat=True))
    assert ResearchGroup.objects.get(slug="pair").links.count() == 3


def test_catalog_canonical_keys_are_unique_and_arxiv_links_corrected(loaded_catalog):
    keys = list(Resource.objects.values_list("canonical_key", flat=True))
    assert len(keys) == len(set(keys))
    assert Resource.objects.get(canonical_key="arxiv:2310.11207").title == (
        "Can Large Language Models Explain Themselves?"
    )
    assert Resource.objects.filter(url__contains="2310.11207").count() == 1
    for arxiv_id, title_start in [
        ("2304.01373", "Pythia: A Suite"),
        ("2309.08600", "Sparse Autoencoders Find"),
        ("2304.11158", "Emergent and Predictable Memorization"),
    ]:
        assert Resource.objects.get(canonical_key=f"arxiv:{arxiv_id}").title.startswith(title_start)


def test_catalog_merges_the_two_duplicates(loaded_catalog):
    illusions = Resource.objects.get(
        title="Interpretability Illusions in the Generalization of Simplified Models"
    )
    assert illusions.canonical_key == "arxiv:2312.03656"
    assert [link.canonical_key for link in illusions.links.all()] == ["openreview:v675Iyu0ta"]
    latent = Resource.objects.get(
        title="Discovering Latent Knowledge in Language Models Without Supervision"
    )
    assert latent.category.slug == "papers"


def test_catalog_moves_the_misfiled_survey_and_cleans_titles(loaded_catalog):
    survey = Resource.objects.get(title__startswith="Toward Transparent AI")
    assert survey.category.slug == "surveys"
    for title in Resource.objects.values_list("title", flat=True):
        assert not title.startswith('"') and not title.endswith('"'), title
        assert "(arXiv)" not in title and "]" not in title and "[" not in title, title
        assert "Intelligenceg" not in title, title
    assert Resource.objects.filter(title="ROME").exists()


def test_catalog_entries_have_descriptions_tags_years_and_authors(loaded_catalog):
    for resource in Resource.objects.prefetch_related("tags").select_related("category"):
        assert len(resource.description) > 40, resource.title
        assert resource.year, resource.title
        assert len(resource.tags.all()) >= 2, resource.title
        if resource.category.slug in {"papers", "surveys"}:
            assert resource.authors, resource.title


def test_catalog_tags_are_a_vocabulary_not_one_offs(loaded_catalog):
    tag_names = set(Tag.objects.values_list("name", flat=True))
    assert {"sparse-autoencoders", "circuits", "probing", "library"} <= tag_names
    for name in tag_names:
        assert name == name.lower() and " " not in name, name


def test_catalog_second_load_changes_nothing(loaded_catalog):
    before = snapshot()
    report = catalog_load()
    assert snapshot() == before
    assert not report.changed_anything
    assert report.counts["resources"]["unchanged"] == 83


def test_catalog_second_load_with_update_changes_nothing(loaded_catalog):
    before = snapshot()
    report = catalog_load(update=True)
    assert snapshot() == before
    assert not report.changed_anything


def test_catalog_load_keeps_curator_edits_unless_asked_to_update(loaded_catalog):
    pythia = Resource.objects.get(title="Pythia")
    original_description = pythia.description
    pythia.description = "Edited by a curator."
    pythia.save()
    pythia.tags.add("curator-tag")

    catalog_load()
    pythia.refresh_from_db()
    assert pythia.description == "Edited by a curator."

    report = catalog_load(update=True)
    pythia.refresh_from_db()
    assert pythia.description == original_description
    assert "curator-tag" not in {tag.name for tag in pythia.tags.all()}
    assert report.counts["resources"]["updated"] == 1


def test_catalog_command_reports_what_it_did():
    out = StringIO()
    call_command("load_catalog", stdout=out)
    assert "resources: 83 created, 0 updated, 0 unchanged" in out.getvalue()
    out = StringIO()
    call_command("load_catalog", stdout=out)
    assert "nothing changed" in out.getvalue()


BROKEN_FILES = {
    "invalid TOML": ("[[categories]\nslug = 'x'", "not valid TOML"),
    "binary data": (b"\x00\xff\xfe\x00", "not valid TOML"),
    "unknown category": (
        """
        [[categories]]
        slug = "tools"
        name = "Tools"
        order = 1
        [[resources]]
        title = "Good"
        url = "https://example.org/good"
        category = "tools"
        description = "A perfectly good entry."
        tags = ["a", "b"]
        [[resources]]
        title = "Bad"
        url = "https://example.org/bad"
        category = "nowhere"
        description = "An entry in a category that does not exist."
        tags = ["a", "b"]
        """,
        "resources entry 2 (Bad): unknown category 'nowhere'",
    ),
    "same work twice": (
        """
        [[categories]]
        slug = "papers"
        name = "Papers"
        order = 1
        [[resources]]
        title = "One"
        url = "https://arxiv.org/abs/2309.08600"
        category = "papers"
        description = "x"
        tags = ["a", "b"]
        [[resources]]
        title = "Two"
        url = "https://arxiv.org/pdf/2309.08600v2.pdf"
        category = "papers"
        description = "y"
        tags = ["a", "b"]
        """,
        "same work as resources entry 1",
    ),
    "invalid URL": (
        """
        [[categories]]
        slug = "papers"
        name = "Papers"
        order = 1
        [[resources]]
        title = "One"
        url = "not a url"
        category = "papers"
        description = "x"
        tags = ["a", "b"]
        """,
        "url: Enter a valid URL.",
    ),
    "misspelt key": (
        """
        [[categories]]
        slug = "papers"
        name = "Papers"
        ordre = 1
        """,
        "categories entry 1 lacks order",
    ),
}


@pytest.mark.parametrize("case", BROKEN_FILES)
def test_catalog_broken_file_says_what_is_wrong_and_loads_nothing(tmp_path, case):
    content, message = BROKEN_FILES[case]
    path = tmp_path / "catalog.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)

    with pytest.raises(CatalogFileError) as error:
        catalog_load(path=path)

    assert message in str(error.value)
    assert not Category.objects.exists()
    assert not Resource.objects.exists()


def test_catalog_command_on_a_missing_file_fails_cleanly(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .* Nothing was loaded"):
        call_command("load_catalog", str(tmp_path / "missing.toml"))


def test_loader_reads_authors_as_a_list_an_added_date_and_links(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text(
        """
[[categories]]
slug = "papers"
name = "Papers"
order = 1

[[resources]]
title = "A paper with a list of authors"
url = "https://arxiv.org/abs/2501.00002"
category = "papers"
description = "Described in our own words."
tags = ["circuits"]
authors = ["Ada Lovelace", "Alan Turing"]
added = 2025-03-01
links = [{ label = "Code", url = "https://github.com/example/paper" }]
""",
        encoding="utf-8",
    )
    report = catalog_load(path=path)

    resource = Resource.objects.get()
    assert report.counts["resources"]["created"] == 1
    assert resource.authors == "Ada Lovelace, Alan Turing"
    assert resource.created_at.date().isoformat() == "2025-03-01"
    assert resource.published_at.date().isoformat() == "2025-03-01"
    assert list(resource.links.values_list("label", "url")) == [
        ("Code", "https://github.com/example/paper")
    ]
    assert list(resource.tags.names()) == ["circuits"]
    assert not catalog_load(path=path).changed_anything  # a second load changes nothing
