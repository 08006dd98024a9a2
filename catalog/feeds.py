"""RSS and Atom feeds of newly published resources: the whole catalog, a tag, a category."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from catalog.facets import published_tags
from catalog.markdown import render_markdown
from catalog.models import Category, Resource

FEED_LENGTH = 30


class LatestResourcesFeed(Feed):
    """The newest published resources of the whole catalog."""

    description_template = None

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: new resources"

    def link(self, obj=None):
        return reverse("catalog:resource_list")

    def description(self, obj=None):
        return "Tools, papers, articles and surveys newly added to the catalog."

    def resources(self, obj):
        return Resource.objects.published()

    def items(self, obj=None):
        return (
            self.resources(obj)
            .select_related("category")
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
    feed_type = Atom1Feed
    subtitle = LatestResourcesFeed.description


class TagFeed(LatestResourcesFeed):
    """The newest published resources with one tag."""

    def get_object(self, request, slug):
        # Like the tag's page: a tag no published resource carries has no feed.
        return get_object_or_404(published_tags(), slug=slug)

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: new resources tagged {obj.name}"

    def link(self, obj=None):
        return reverse("catalog:tag_detail", kwargs={"slug": obj.slug})

    def description(self, obj=None):
        return f"Resources tagged “{obj.name}” newly added to the catalog."

    def resources(self, obj):
        return Resource.objects.published().filter(tags=obj)


class TagAtomFeed(TagFeed):
    feed_type = Atom1Feed
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
    feed_type = Atom1Feed
    subtitle = CategoryFeed.description
