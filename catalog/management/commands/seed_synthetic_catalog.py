import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from catalog.cache import catalog_changed
from catalog.canonical import canonical_key
from catalog.models import (
    Author,
    Category,
    ResearchGroup,
    Resource,
    ResourceAuthor,
    TaggedResource,
    normalised_name,
)
from catalog.search import index_resources, refresh_planner_statistics

# The vocabulary of synthetic titles and descriptions.
VOCABULARY = (
    "sparse autoencoder circuit attention head neuron feature probe probing steering vector "
    "superposition polysemantic monosemantic residual stream logit lens patching activation "
    "attribution gradient saliency transformer language model layer embedding representation "
    "linear geometry truth knowledge editing memory memorization training dynamics grokking "
    "induction copy suppression toy model dictionary learning causal mediation intervention "
    "scrubbing benchmark evaluation explanation natural automated interpretability "
    "mechanistic world othello chess arithmetic addition syntax semantics bias fairness "
    "safety alignment deception honesty reward policy agent planning reasoning chain thought "
    "hallucination retrieval context window position rotary norm mlp gate expert routing "
    "scaling law "
)
WORDS = VOCABULARY.split()
BATCH = 2000


class Command(BaseCommand):
    help = (
        "Fill an empty database with a synthetic catalog for benchmarks: published resources "
        "with tags and groups, indexed for search. Refuses a database that has resources."
    )

    def add_arguments(self, parser):
        parser.add_argument("--resources", type=int, default=10_000)
        parser.add_argument("--tags", type=int, default=300)
        parser.add_argument("--groups", type=int, default=50)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, resources, tags, groups, seed, **options):
        if Resource.objects.exists():
            raise CommandError("This database already has resources; use an empty one.")
        if min(resources, tags, groups) < 1:
            raise CommandError("--resources, --tags and --groups must be at least 1.")
        rng = random.Random(seed)  # noqa: S311 -- reproducible fake data, not secrets
        with transaction.atomic():
            seed_catalog(rng, resources, tags, groups)
        refresh_planner_statistics()
        self.stdout.write(f"Seeded {resources} resources, {tags} tags, {groups} groups.")


def sentence(rng, length):
    return " ".join(rng.choice(WORDS) for _ in range(length))


def seed_catalog(rng, resource_count, tag_count, group_count):
    categories = [
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})[0]
        for order, (slug, name) in enumerate(
            [
                ("tools", "Tools"),
                ("papers", "Papers"),
                ("articles", "Articles"),
                ("surveys", "Surveys"),
            ],
            start=1,
        )
    ]
    group_list = ResearchGroup.objects.bulk_create(
        ResearchGroup(name=f"Lab {number}", slug=f"lab-{number}", description=sentence(rng, 20))
        for number in range(1, group_count + 1)
    )
    tag_list = Tag.objects.bulk_create(
        Tag(name=f"{rng.choice(WORDS)}-{number}", slug=f"{rng.choice(WORDS)}-{number}")
        for number in range(1, tag_count + 1)
    )
    names = sorted({f"{rng.choice(WORDS)} {rng.choice(WORDS)}".title() for _ in range(5000)})
    author_list = Author.objects.bulk_create(
        Author(name=name, slug=f"author-{number}", normalised_name=normalised_name(name))
        for number, name in enumerate(names, start=1)
    )
    # A few tags are common and most are rare, as in a real catalog.
    tag_weights = [1 / rank for rank in range(1, tag_count + 1)]
    now = timezone.now()
    for start in range(0, resource_count, BATCH):
        batch = []
        for number in range(start, min(start + BATCH, resource_count)):
            url = f"https://example.org/works/{number}"
            batch.append(
                Resource(
                    title=f"{sentence(rng, 6).capitalize()} {number}",
                    slug=f"work-{number}",
                    url=url,
                    canonical_key=canonical_key(url),
                    description=sentence(rng, 35) + ".",
                    category=rng.choices(categories, weights=[3, 10, 3, 1])[0],
                    year=rng.randint(2015, 2026),
                    status=Resource.Status.PUBLISHED,
                    featured=number % 500 == 0,
                    published_at=now,
                )
            )
        created = Resource.objects.bulk_create(batch)
        tagged = []
        memberships = []
        authorships = []
        for resource in created:
            credited = list(dict.fromkeys(rng.choices(author_list, k=rng.randint(1, 5))))
            authorships += [
                ResourceAuthor(resource_id=resource.pk, author_id=author.pk, position=position)
                for position, author in enumerate(credited)
            ]
            chosen = {
                tag.pk for tag in rng.choices(tag_list, weights=tag_weights, k=rng.randint(2, 6))
            }
            tagged += [
                TaggedResource(content_object_id=resource.pk, tag_id=tag_id) for tag_id in chosen
            ]
            if rng.random() < 0.2:
                memberships.append(
                    Resource.groups.through(
                        resource_id=resource.pk, researchgroup_id=rng.choice(group_list).pk
                    )
                )
        TaggedResource.objects.bulk_create(tagged)
        ResourceAuthor.objects.bulk_create(authorships)
        Resource.groups.through.objects.bulk_create(memberships)
    index_resources(None)
    catalog_changed()
