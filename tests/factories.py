import factory
from factory.django import DjangoModelFactory

from catalog.models import Category, ResearchGroup, Resource


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    order = factory.Sequence(lambda n: n)


class ResearchGroupFactory(DjangoModelFactory):
    class Meta:
        model = ResearchGroup

    name = factory.Sequence(lambda n: f"Lab {n}")
    slug = factory.Sequence(lambda n: f"lab-{n}")
    website = factory.Sequence(lambda n: f"https://lab{n}.example.org/")


class ResourceFactory(DjangoModelFactory):
    class Meta:
        model = Resource
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"A study of feature {n}")
    url = factory.Sequence(lambda n: f"https://example.org/papers/{n}")
    description = "What this work shows, and why to read it."
    category = factory.SubFactory(CategoryFactory)
    year = 2023
    status = Resource.Status.PUBLISHED

    class Params:
        draft = factory.Trait(status=Resource.Status.DRAFT)
        archived = factory.Trait(status=Resource.Status.ARCHIVED)

    @factory.post_generation
    def tags(self, create, names, **kwargs):
        if create and names:
            self.tags.set(names)
