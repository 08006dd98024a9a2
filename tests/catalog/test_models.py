import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.models import Resource, ResourceLink
from tests.factories import CategoryFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def test_resource_save_computes_canonical_key_and_slug():
    resource = ResourceFactory(
        title="Toy Models of Superposition", url="https://arxiv.org/pdf/2209.10652v1.pdf"
    )
    assert resource.canonical_key == "arxiv:2209.10652"
    assert resource.slug == "toy-models-of-superposition"


def test_resource_slug_is_numbered_when_the_title_is_taken():
    first = ResourceFactory(title="Neurons in the wild")
    second = ResourceFactory(title="Neurons in the wild")
    assert (first.slug, second.slug) == ("neurons-in-the-wild", "neurons-in-the-wild-2")


def test_two_resources_with_one_canonical_key_are_refused_by_the_database():
    ResourceFactory(url="https://arxiv.org/abs/2309.08600")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceFactory(url="https://arxiv.org/pdf/2309.08600v2.pdf")
    assert Resource.objects.count() == 1


def test_two_resources_with_one_slug_are_refused_by_the_database():
    ResourceFactory(slug="pythia")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceFactory(slug="pythia")
    assert Resource.objects.filter(slug="pythia").count() == 1


def test_year_out_of_range_is_refused_by_the_database():
    resource = ResourceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.filter(pk=resource.pk).update(year=20230)
    resource.refresh_from_db()
    assert resource.year == 2023


def test_unknown_status_is_refused_by_the_database():
    resource = ResourceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.filter(pk=resource.pk).update(status="pending")


def test_empty_canonical_key_is_refused_by_the_database():
    resource = ResourceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.filter(pk=resource.pk).update(canonical_key="")


def test_clean_names_the_resource_already_holding_the_work():
    existing = ResourceFactory(
        title="Sparse Autoencoders Find Features", url="https://arxiv.org/abs/2309.08600"
    )
    duplicate = Resource(
        title="SAE", url="https://arxiv.org/pdf/2309.08600.pdf", category=CategoryFactory()
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert existing.title in str(error.value.message_dict["url"])


def test_clean_recognises_a_work_by_its_extra_link():
    existing = ResourceFactory(url="https://arxiv.org/abs/2312.03656")
    ResourceLink.objects.create(
        resource=existing, label="OpenReview", url="https://openreview.net/forum?id=v675Iyu0ta"
    )
    assert list(Resource.objects.matching_url("https://openreview.net/pdf?id=v675Iyu0ta")) == [
        existing
    ]


def test_published_excludes_drafts_and_archived():
    published = ResourceFactory()
    ResourceFactory(draft=True)
    ResourceFactory(archived=True)
    assert list(Resource.objects.published()) == [published]


def test_publishing_records_the_first_publication_time_once():
    resource = ResourceFactory(draft=True)
    assert resource.published_at is None
    resource.status = Resource.Status.PUBLISHED
    resource.save()
    first_published_at = resource.published_at
    assert first_published_at is not None
    resource.status = Resource.Status.ARCHIVED
    resource.save()
    resource.status = Resource.Status.PUBLISHED
    resource.save()
    assert resource.published_at == first_published_at


def test_tags_are_case_insensitive():
    first = ResourceFactory(tags=["Circuits"])
    second = ResourceFactory(tags=["circuits"])
    assert first.tags.get() == second.tags.get()
