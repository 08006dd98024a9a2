import csv
import json
import re
import tomllib
from collections import Counter
from datetime import date
from difflib import SequenceMatcher
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from taggit.models import Tag

from catalog.canonical import canonical_key
from catalog.models import (
    Category,
    ResearchGroup,
    ResearchGroupLink,
    Resource,
    ResourceLink,
    TaggedResource,
)
from catalog.services.authors import split_author_names
from catalog.services.starting_catalog import DEFAULT_CATALOG_PATH, CatalogFileError, catalog_load
from tests.catalog.awesome_lists import SHARED_DATA

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


def test_catalog_has_157_published_resources_in_four_categories(loaded_catalog):
    assert Resource.objects.published().count() == 157
    assert Resource.objects.count() == 157
    counts = {
        category.slug: category.resources.count() for category in Category.objects.order_by("order")
    }
    # The source list's 83 entries, the 4 rows it gained up to d2c30d5, and the 70
    # additions for 2024-2026.
    assert counts == {
        "tools": 22 + 1 + 18,
        "papers": 49 + 3 + 34,
        "articles": 10 + 12,
        "surveys": 2 + 6,
    }


def test_catalog_has_the_sixteen_research_groups(loaded_catalog):
    names = set(ResearchGroup.objects.values_list("name", flat=True))
    assert len(names) == 16
    assert {"PAIR", "Alignment Lab AI", "Nous Research", "EleutherAI"} <= names
    assert {"Anthropic Interpretability team", "Goodfire", "Transluce", "Decode Research"} <= names
    eleuther = ResearchGroup.objects.get(slug="eleutherai")
    assert {"Pythia", "Delphi", "Sparsify"} <= set(
        eleuther.resources.values_list("title", flat=True)
    )
    assert eleuther.website == "https://www.eleuther.ai/"
    assert [link.label for link in eleuther.links.all()] == ["Discord"]
    assert ResearchGroup.objects.get(slug="pair").links.count() == 3
    anthropic = set(
        ResearchGroup.objects.get(slug="anthropic-interpretability-team").resources.values_list(
            "title", flat=True
        )
    )
    assert {"Toy Models of Superposition", "On the Biology of a Large Language Model"} <= anthropic


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
            assert resource.author_names(), resource.title


def test_catalog_tags_are_a_vocabulary_not_one_offs(loaded_catalog):
    tag_names = set(Tag.objects.values_list("name", flat=True))
    assert {"sparse-autoencoders", "circuits", "probing", "library"} <= tag_names
    assert {"transcoders", "attribution-graphs", "steering", "benchmark", "adjacent"} <= tag_names
    for name in tag_names:
        assert name == name.lower() and " " not in name, name
    uses = Counter(TaggedResource.objects.values_list("tag__name", flat=True))
    assert not [name for name, count in uses.items() if count < 3]


def test_catalog_second_load_changes_nothing(loaded_catalog):
    before = snapshot()
    report = catalog_load()
    assert snapshot() == before
    assert not report.changed_anything
    assert report.counts["resources"]["unchanged"] == 157


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
    assert "resources: 157 created, 0 updated, 0 unchanged" in out.getvalue()
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


def test_catalog_dates_each_resource_from_the_day_it_joined(loaded_catalog):
    transformer_lens = Resource.objects.get(title="TransformerLens")
    assert transformer_lens.created_at.date().isoformat() == "2024-01-02"
    assert transformer_lens.published_at == transformer_lens.created_at
    assert not Resource.objects.filter(created_at__year__lt=2023).exists()


ADDITIONS_TSV = SHARED_DATA / "additions-2024-2026.tsv"
SOURCE_HEAD_TSV = SHARED_DATA / "awesome-llm-interpretability-head.tsv"
needs_shared_data = pytest.mark.skipif(
    not ADDITIONS_TSV.exists() or not SOURCE_HEAD_TSV.exists(),
    reason="the shared data files are not checked out beside the project",
)


def tsv_rows(path):
    with open(path, encoding="utf-8", newline="") as tsv:
        return list(csv.DictReader(tsv, delimiter="\t", quoting=csv.QUOTE_NONE))


@needs_shared_data
def test_catalog_holds_every_url_of_the_additions_file_exactly_once(loaded_catalog):
    holders = Counter()
    for resource in Resource.objects.prefetch_related("links"):
        keys = {resource.canonical_key} | {link.canonical_key for link in resource.links.all()}
        holders.update(keys)
    group_keys = Counter()
    for group in ResearchGroup.objects.prefetch_related("links"):
        keys = {canonical_key(group.website)} | {
            canonical_key(link.url) for link in group.links.all()
        }
        group_keys.update(keys)

    for row in tsv_rows(ADDITIONS_TSV):
        urls = [row["url"], *row["extra_urls"].split()]
        if row["kind"] == "group":
            group = ResearchGroup.objects.get(name=row["title"])
            assert canonical_key(group.website) == canonical_key(row["url"]), row["title"]
            # A group's other addresses are its links, or already a resource's.
            for url in urls:
                key = canonical_key(url)
                assert group_keys[key] + holders[key] == 1, (row["title"], url)
            continue
        resource = Resource.objects.get(canonical_key=canonical_key(row["url"]))
        assert resource.title == row["title"]
        assert resource.year == int(row["year"]), row["title"]
        assert resource.author_names() == split_author_names(row["authors"]), row["title"]
        assert resource.venue == row["venue"], row["title"]
        for url in urls:
            assert holders[canonical_key(url)] == 1, (row["title"], url)


WORDS = re.compile(r"[a-z0-9']+")


def word_runs(text, length=5):
    words = WORDS.findall(text.lower())
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


@needs_shared_data
def test_catalog_descriptions_are_our_own(loaded_catalog):
    source = [row["description"].lower() for row in tsv_rows(SOURCE_HEAD_TSV)]
    source_runs = set().union(*(word_runs(text) for text in source))
    for resource in Resource.objects.all():
        ours = resource.description.lower()
        assert not word_runs(ours) & source_runs, resource.title
        for theirs in source:
            assert SequenceMatcher(None, ours, theirs).ratio() < 0.6, resource.title


def test_catalog_features_staples_and_tags_off_topic_rows_adjacent(loaded_catalog):
    featured = set(Resource.objects.filter(featured=True).values_list("title", flat=True))
    assert 8 <= len(featured) <= 12
    assert {"TransformerLens", "SAELens", "nnsight", "Neuronpedia"} <= featured
    adjacent = set(Resource.objects.filter(tags__name="adjacent").values_list("title", flat=True))
    assert {"Vanna", "Functionary", "Floom", "SuperICL", "Git Re-Basin", "Phoenix"} <= adjacent
    assert "A Survey of Large Language Models" in adjacent
    assert not adjacent & featured


def test_catalog_recently_added_shows_the_additions(loaded_catalog, client):
    newest = Resource.objects.published().order_by("-published_at", "-id")[:6]
    assert {resource.published_at.date() for resource in newest} == {date(2026, 12, 2)}
    response = client.get("/")
    assert newest[0].title in response.content.decode()
    assert Resource.objects.get(
        title="Scaling Monosemanticity: Extracting Interpretable Features from Claude 3 Sonnet"
    ).published_at.date() == date(2026, 12, 2)


def test_catalog_moves_transformer_lens_keeping_its_former_address(loaded_catalog):
    lens = Resource.objects.get(title="TransformerLens")
    assert lens.url == "https://github.com/TransformerLensOrg/TransformerLens"
    assert [link.url for link in lens.links.all()] == [
        "https://github.com/neelnanda-io/TransformerLens"
    ]


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | date):
        return str(value) if isinstance(value, int) else value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"


def the_catalog_before_the_additions(path):
    """The starting catalog as it stood before the 2024-2026 additions, written to ``path``."""
    with open(DEFAULT_CATALOG_PATH, "rb") as catalog_file:
        data = tomllib.load(catalog_file)
    old_groups = {"pair", "alignment-lab-ai", "nous-research", "eleutherai"}
    data["groups"] = [group for group in data["groups"] if group["slug"] in old_groups]
    data["resources"] = [entry for entry in data["resources"] if entry["added"] < date(2026, 12, 1)]
    for entry in data["resources"]:
        entry["groups"] = [slug for slug in entry.get("groups", []) if slug in old_groups]
        if entry["title"] == "TransformerLens":
            entry["url"] = "https://github.com/neelnanda-io/TransformerLens"
            del entry["extra_links"]
    lines = []
    for kind in ("categories", "groups", "resources"):
        for entry in data[kind]:
            lines.append(f"[[{kind}]]")
            lines += [f"{key} = {toml_value(value)}" for key, value in entry.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_catalog_load_on_an_older_catalog_adds_the_new_rows_and_keeps_edits(tmp_path):
    catalog_load(path=the_catalog_before_the_additions(tmp_path / "old.toml"))
    assert Resource.objects.count() == 83
    assert ResearchGroup.objects.count() == 4
    pythia = Resource.objects.get(title="Pythia")
    pythia.description = "Edited by a curator."
    pythia.save()

    report = catalog_load()

    pythia.refresh_from_db()
    assert pythia.description == "Edited by a curator."
    assert report.counts["resources"]["created"] == 4 + 70
    assert report.counts["groups"]["created"] == 12
    assert Resource.objects.published().count() == 157
    # The moved repository is the same work: matched by its former address, not added twice.
    assert Resource.objects.filter(title="TransformerLens").count() == 1
    assert (
        ResearchGroup.objects.get(slug="anthropic-interpretability-team")
        .resources.filter(title__startswith="Scaling Monosemanticity")
        .exists()
    )


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
    assert resource.author_names() == ["Ada Lovelace", "Alan Turing"]
    assert resource.created_at.date().isoformat() == "2025-03-01"
    assert resource.published_at.date().isoformat() == "2025-03-01"
    assert list(resource.links.values_list("label", "url")) == [
        ("Code", "https://github.com/example/paper")
    ]
    assert list(resource.tags.names()) == ["circuits"]
    assert not catalog_load(path=path).changed_anything  # a second load changes nothing
