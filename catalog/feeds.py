"""RSS and Atom feeds of newly published resources: the whole catalog, a tag, a category."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from catalog.markdown import render_markdown
from catalog.models import Category, Resource, ResourceAuthor
from catalog.selectors import facets_for
from catalog.text import clean_multiline

FEED_LENGTH = 30


def xml_safe(value):
    """
    ``value`` (or each string in it) without the characters XML 1.0 forbids,
    which stored text may hold and which would make Django refuse the feed.
    """
    if isinstance(value, str):
        return clean_multiline(value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(item) for item in value)
    return value


class XmlSafeFeed:
    """A feed generator that cleans every string given to it, the feed's and each item's."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *map(xml_safe, args), **{name: xml_safe(value) for name, value in kwargs.items()}
        )

    def add_item(self, *args, **kwargs):
        super().add_item(
            *map(xml_safe, args), **{name: xml_safe(value) for name, value in kwargs.items()}
        )


class RssFeed(XmlSafeFeed, Rss201rev2Feed):
    pass


class AtomFeed(XmlSafeFeed, Atom1Feed):
    pass


class LatestResourcesFeed(Feed):
    """The newest published resources of the whole catalog."""

    description_template = None
    feed_type = RssFeed

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: new resources"

    def link(self, obj=None):
        return reverse("catalog:resource_list")

    def description(self, obj=None):
        return "Tools, papers, articles and surveys newly added to the catalog."

    def resources(self, obj):
        return Resource.objects.published()

    def items(self, obj=None):
        # Authors in one query for the whole feed, not one per item.
        return (
            self.resources(obj)
            .select_related("category")
            .prefetch_related(
                Prefetch(
                    "authorships",
                    queryset=ResourceAuthor.objects.select_related("author").order_by("position"),
                )
            )
            .order_by("-published_at", "-id")[:FEED_LENGTH]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return render_markdown(item.description)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return ", ".join(item.author_names()) or None

    def item_categories(self, item):
        return [item.category.name]


class LatestResourcesAtomFeed(LatestResourcesFeed):
    feed_type = AtomFeed
    subtitle = LatestResourcesFeed.description


class TagFeed(LatestResourcesFeed):
    """The newest published resources with one tag."""

    def get_object(self, request, slug):
        # Like the tag's page: a tag no published resource carries has no feed.
        tag = facets_for(request).tags_by_slug.get(slug)
        if tag is None:
            raise Http404("No published resource has this tag.")
        return tag

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: new resources tagged {obj.name}"

    def link(self, obj=None):
        return reverse("catalog:tag_detail", kwargs={"slug": obj.slug})

    def description(self, obj=None):
        return f"Resources tagged “{obj.name}” newly added to the catalog."

    def resources(self, obj):
        return Resource.objects.published().filter(tags=obj)


class TagAtomFeed(TagFeed):
    feed_type = AtomFeed
    subtitle = TagFeed.description


class CategoryFeed(LatestResourcesFeed):
    """The newest published resources of one category."""

    def get_object(self, request, slug):
        return get_object_or_404(Category, slug=slug)

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: new {obj.name.lower()}"

    def link(self, obj=None):
        return reverse("catalog:category_detail", kwargs={"slug": obj.slug})

    def description(self, obj=None):
        return f"{obj.name} newly added to the catalog."

    def resources(self, obj):
        return Resource.objects.published().filter(category=obj)


class CategoryAtomFeed(CategoryFeed):
    feed_type = AtomFeed
    subtitle = CategoryFeed.description
