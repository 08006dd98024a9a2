import pytest
from taggit.models import Tag

from catalog.models import Resource
from catalog.search import search
from catalog.services.starting_catalog import catalog_load
from catalog.services.tags import tags_merge
from tests.factories import CategoryFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def found(text, queryset=None):
    queryset = Resource.objects.published() if queryset is None else queryset
    return [resource.title for resource in search(queryset, text).order_by("-relevance", "title")]


@pytest.fixture
def starting_catalog():
    catalog_load()


def test_search_sparse_autoencoder_puts_the_works_named_for_it_first(starting_catalog):
    # The site's order: titles that start with the query (or its synonym "SAE") first.
    results = [
        resource.title
        for resource in search(Resource.objects.published(), "sparse autoencoder").order_by(
            "-title_match", "-relevance", "title"
        )
    ]
    assert set(results[:4]) == {
        "Sparse Autoencoders Find Highly Interpretable Features in Language Models",
        "Sparse Autoencoder",
        "SAELens",
        "SAEBench: A Comprehensive Benchmark for Sparse Autoencoders in Language Model "
        "Interpretability",
    }
    assert "Pythia" not in " ".join(results)  # unrelated works do not match at all


def test_search_requires_every_word(starting_catalog):
    assert found("sparse autoencoder pythia") == [
        "Sparse Autoencoders Find Highly Interpretable Features in Language Models"
    ]


def test_search_matches_word_forms(starting_catalog):
    assert "Sparse Autoencoders Find Highly Interpretable Features in Language Models" in found(
        "autoencoders"
    )
    assert "Toy Models of Superposition" in found("superposition")


def test_search_weighs_title_above_description():
    category = CategoryFactory()
    in_description = ResourceFactory(
        title="A general survey", description="Touches on grokking briefly.", category=category
    )
    in_title = ResourceFactory(
        title="Grokking explained",
        description="A study of delayed generalisation.",
        category=category,
    )
    assert found("grokking") == [in_title.title, in_description.title]


def test_search_finds_words_of_tags():
    ResourceFactory(title="A library", description="Nothing to see.", tags=["dictionary-learning"])
    assert found("dictionary") == ["A library"]


def test_search_with_no_words_matches_nothing(starting_catalog):
    assert found('"*(') == []
    assert found("") == []


def test_search_index_follows_every_change():
    resource = ResourceFactory(title="Logit lens notes", description="About decoding layers.")
    assert found("logit") == ["Logit lens notes"]

    resource.title = "Tuned lens notes"
    resource.save()
    assert found("logit") == []
    assert found("tuned") == ["Tuned lens notes"]

    resource.tags.add("probing-methods")
    assert found("probing") == ["Tuned lens notes"]
    resource.tags.remove("probing-methods")
    assert found("probing") == []

    resource.tags.add("readout")
    tag = Tag.objects.get(name="readout")
    tag.name = "unembedding"
    tag.save()
    assert found("unembedding") == ["Tuned lens notes"]

    resource.delete()
    assert found("tuned") == []


def test_search_index_follows_a_tag_merge():
    resource = ResourceFactory(title="Notes", description="Plain.", tags=["sae"])
    target = Tag.objects.create(name="sparse-autoencoders", slug="sparse-autoencoders")
    tags_merge(sources=[Tag.objects.get(name="sae")], target=target)
    assert found("autoencoders") == [resource.title]


def test_search_leaves_out_unpublished_resources(client):
    ResourceFactory(title="Published grokking", tags=["grokking"])
    ResourceFactory(title="Draft grokking", draft=True, tags=["grokking"])
    ResourceFactory(title="Archived grokking", archived=True, tags=["grokking"])
    response = client.get("/resources/", {"q": "grokking"})
    titles = [resource.title for resource in response.context["page_obj"].object_list]
    assert titles == ["Published grokking"]
