import pytest

from library import services
from library.models import ReadingPath
from tests.factories import CategoryFactory, ResourceFactory, UserFactory


@pytest.fixture
def papers(db):
    return CategoryFactory(name="Papers", slug="papers")


@pytest.fixture
def works(papers):
    """Three published papers, a tool, and an archived paper that could leak."""
    return {
        "sae": ResourceFactory(
            title="Towards Monosemanticity",
            authors="Trenton Bricken, Adly Templeton",
            year=2023,
            category=papers,
            tags=["sparse-autoencoders"],
        ),
        "ioi": ResourceFactory(
            title="Interpretability in the Wild",
            authors="Kevin Wang",
            year=2022,
            category=papers,
            tags=["circuits"],
        ),
        "lens": ResourceFactory(
            title="Logit Lens",
            authors="nostalgebraist",
            year=2020,
            category=papers,
            tags=["probing"],
        ),
        "tool": ResourceFactory(
            title="TransformerLens",
            category=CategoryFactory(name="Tools", slug="tools"),
            tags=["circuits"],
        ),
        "archived": ResourceFactory(
            title="Withdrawn Secret Paper", category=papers, authors="Eve Hidden", archived=True
        ),
    }


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def other(db):
    return UserFactory(username="other")


@pytest.fixture
def path(works):
    path = ReadingPath.objects.create(
        title="Sparse autoencoders from scratch",
        slug="sparse-autoencoders-from-scratch",
        introduction="Start *here*.",
        is_published=True,
    )
    path.steps.create(resource=works["lens"], position=0, annotation="The simplest probe.")
    path.steps.create(resource=works["sae"], position=1, annotation="Then **features**.")
    path.steps.create(resource=works["archived"], position=2, annotation="Gone.")
    return path


def make_list(owner, works, *, public=False, share_notes=False, names=("sae", "archived", "ioi")):
    reading_list = services.list_create(owner=owner, title="SAE reading")
    for name in names:
        # The archived work was saved while it was still published.
        resource = works[name]
        status = resource.status
        resource.status = "published"
        entry = services.work_save(user=owner, resource=resource, reading_list=reading_list)
        resource.status = status
        services.entry_update(entry=entry, user=owner, note=f"My private note on {name}")
    reading_list.is_public = public
    reading_list.share_notes = share_notes
    reading_list.save()
    return reading_list
