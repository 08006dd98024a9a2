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

    @factory.post_generation
    def authors(self, create, names, **kwargs):
        """Authors as a list of names, or as text ("A, B and C"), like the loaders take them."""
        if create and names:
            from catalog.services.authors import resource_set_authors

            resource_set_authors(self, names)


def authors_in_memory(resource, names):
    """Give an unsaved resource its authors in order, as the writers read them (no query)."""
    from catalog.models import Author, ResourceAuthor

    resource._prefetched_objects_cache = {
        **getattr(resource, "_prefetched_objects_cache", {}),
        "authorships": [
            ResourceAuthor(author=Author(name=name), position=position)
            for position, name in enumerate(names)
        ],
    }
    return resource


def store_authors(resource, names):
    """Author records straight from ``names``, as old data converted from text could hold."""
    from catalog.services.authors import resource_set_authors

    resource_set_authors(resource, [name for name in names if name.strip()])


# Accounts and proposals.

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group, Permission  # noqa: E402

from submissions.models import Submission, resource_values  # noqa: E402

TEST_PASSWORD = "a-long-test-password-42"


def moderators_group() -> Group:
    """The group the data migration makes; made again after a transactional test flushed it."""
    group, created = Group.objects.get_or_create(name="Moderators")
    if created:
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="submissions",
                codename__in=["view_submission", "moderate_submission", "view_submissionevent"],
            )
        )
    return group


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """A confirmed address, as every account that may propose has (``verified=False``: none)."""
        if create and self.email and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)

    class Params:
        staff = factory.Trait(is_staff=True)
        moderator = factory.Trait(
            is_staff=True,
            join_moderators=factory.PostGeneration(
                lambda user, create, extracted, **kwargs: (
                    create and user.groups.add(moderators_group())
                )
            ),
        )


class SubmissionFactory(DjangoModelFactory):
    class Meta:
        model = Submission
        skip_postgeneration_save = True

    kind = Submission.Kind.NEW
    state = Submission.State.PENDING
    submitter = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"A proposed study of circuit {n}")
    url = factory.Sequence(lambda n: f"https://example.net/proposed/{n}")
    description = "Why this proposed work is worth reading."
    category = factory.SubFactory(CategoryFactory)
    tags = "probing, circuits"
    year = 2024
    authors = "Ada Lovelace, Alan Turing"

    class Params:
        changes_requested = factory.Trait(state=Submission.State.CHANGES_REQUESTED)
        approved = factory.Trait(state=Submission.State.APPROVED)
        rejected = factory.Trait(state=Submission.State.REJECTED)
        withdrawn = factory.Trait(state=Submission.State.WITHDRAWN)
        correction = factory.Trait(
            kind=Submission.Kind.CORRECTION,
            resource=factory.SubFactory(ResourceFactory),
            original=factory.LazyAttribute(lambda o: resource_values(o.resource)),
            title=factory.LazyAttribute(lambda o: f"{o.resource.title}, corrected"),
            url=factory.LazyAttribute(lambda o: o.resource.url),
            description=factory.LazyAttribute(lambda o: o.resource.description),
            category=factory.LazyAttribute(lambda o: o.resource.category),
            tags="",
            year=factory.LazyAttribute(lambda o: o.resource.year),
            authors=factory.LazyAttribute(lambda o: ", ".join(o.resource.author_names())),
        )
        broken_link = factory.Trait(
            kind=Submission.Kind.BROKEN_LINK,
            resource=factory.SubFactory(ResourceFactory),
            title=factory.LazyAttribute(lambda o: o.resource.title),
            url=factory.LazyAttribute(lambda o: o.resource.url),
            description="",
            category=None,
            tags="",
            year=None,
            authors="",
            problem=Submission.LinkProblem.NOT_FOUND,
        )
