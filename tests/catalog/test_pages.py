import pytest
from django.urls import reverse

from catalog.models import ResearchGroup
from tests.factories import CategoryFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def test_home_lists_categories_with_counts_and_their_published_resources(client):
    papers = CategoryFactory(name="Papers", slug="papers", order=2)
    tools = CategoryFactory(name="Tools", slug="tools", order=1)
    ResourceFactory(title="TransformerLens", category=tools, tags=["library", "circuits"])
    ResourceFactory(title="Toy Models of Superposition", category=papers)
    ResourceFactory(title="A draft nobody approved", category=papers, draft=True)
    ResourceFactory(title="An archived paper", category=papers, archived=True)

    response = client.get(reverse("catalog:home"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Tools") < page.index("Papers")
    assert "TransformerLens" in page and "Toy Models of Superposition" in page
    assert "A draft nobody approved" not in page
    assert "An archived paper" not in page
    counts = {category.slug: category.resource_count for category in response.context["categories"]}
    assert counts == {"tools": 1, "papers": 1}
    assert "library" in page  # tags are shown


def test_home_credits_the_source_list(client):
    response = client.get(reverse("catalog:home"))
    assert b"https://github.com/JShollaj/awesome-llm-interpretability" in response.content


def test_home_query_count_does_not_grow_with_resources(client, django_assert_num_queries):
    category = CategoryFactory()
    ResourceFactory(category=category, featured=True, tags=["circuits"])
    client.get(reverse("catalog:home"))  # the facets are cached from now on
    # Featured, recent: the rest comes from the cached facets, and the catalog version
    # from this process's copy (here the test transaction's own).
    with django_assert_num_queries(2):
        client.get(reverse("catalog:home"), {"fresh": 1})
    for _ in range(30):
        ResourceFactory(category=category, featured=True, tags=["circuits", "probing", "gpt-2"])
    client.get(reverse("catalog:home"))
    with django_assert_num_queries(2):
        client.get(reverse("catalog:home"), {"fresh": 1})


def test_resource_detail_shows_the_work_and_its_links(client):
    resource = ResourceFactory(
        title="Pythia",
        url="https://arxiv.org/abs/2304.01373",
        description="A *suite* of models.",
        authors="Stella Biderman, Hailey Schoelkopf",
        code_url="https://github.com/EleutherAI/pythia",
        tags=["model-suite", "training-dynamics"],
    )
    resource.groups.add(ResearchGroup.objects.create(name="EleutherAI", slug="eleutherai"))
    resource.links.create(label="OpenReview", url="https://openreview.net/forum?id=x")

    response = client.get(resource.get_absolute_url())

    page = response.content.decode()
    assert "<h1>Pythia</h1>" in page
    assert "<em>suite</em>" in page
    assert 'href="https://arxiv.org/abs/2304.01373"' in page
    assert 'href="https://github.com/EleutherAI/pythia"' in page
    assert 'href="https://openreview.net/forum?id=x"' in page
    assert "EleutherAI" in page and "Stella Biderman" in page and "training-dynamics" in page


@pytest.mark.parametrize("trait", ["draft", "archived"])
def test_resource_detail_of_unpublished_resource_is_not_found(client, trait):
    resource = ResourceFactory(title="Secret work", **{trait: True})
    response = client.get(resource.get_absolute_url())
    assert response.status_code == 404
    assert b"Secret work" not in response.content
    assert b"Not found" in response.content


def test_resource_detail_renders_hostile_markdown_inert(client):
    resource = ResourceFactory(description="<script>alert(1)</script> [x](javascript:alert(2))")
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page


def test_health_answers_ok(client):
    response = client.get("/healthz/")
    assert response.content == b"ok"


def test_resource_detail_meta_description_keeps_quotes_inside_the_attribute(client):
    resource = ResourceFactory(
        description='Finds the "induction heads" circuit" http-equiv="refresh & more'
    )
    page = client.get(resource.get_absolute_url()).content.decode()
    assert (
        '<meta name="description" content="Finds the &quot;induction heads&quot; circuit&quot; '
        'http-equiv=&quot;refresh &amp; more">' in page
    )
    assert 'http-equiv="refresh' not in page.split("</head>")[0]


def test_favicon_at_the_root_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/img/favicon.")


def test_category_without_a_published_resource_never_shows(client):
    from catalog.models import Category

    listed = ResourceFactory(category__name="Tools", category__slug="tools")
    drafts_only = ResourceFactory(
        status="draft", category__name="Imported Drafts", category__slug="imported-drafts"
    ).category
    Category.objects.create(name="Empty Section", slug="empty-section", order=9)
    pages = [
        client.get(path).content.decode()
        for path in ("/", "/resources/", "/stats/", "/api/categories/", "/sitemap.xml")
    ]
    assert all("Imported Drafts" not in page and "imported-drafts" not in page for page in pages)
    assert all("Empty Section" not in page for page in pages)
    assert "Tools" in pages[0] and listed.category.slug in pages[3]
    assert client.get(f"/categories/{drafts_only.slug}/").status_code == 404
    assert client.get("/categories/empty-section/").status_code == 404
