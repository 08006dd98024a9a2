"""sitemap.xml: every public page, and nothing that is not public."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from taggit.models import Tag

from catalog.facets import PUBLISHED, published_tags
from catalog.models import Category, ResearchGroup, Resource


class PageSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["catalog:home", "catalog:resource_list", "catalog:tag_index", "catalog:group_index"]

    def location(self, item):
        return reverse(item)


class ResourceSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Resource.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, resource):
        return resource.updated_at


class TagSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Tag.objects.filter(pk__in=[tag.pk for tag in published_tags()]).order_by("name")

    def location(self, tag):
        return reverse("catalog:tag_detail", kwargs={"slug": tag.slug})


class CategorySitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return (
            Category.objects.annotate(last_update=Max("resources__updated_at", filter=PUBLISHED))
            .filter(last_update__isnull=False)  # only categories with a published resource
            .order_by("order", "name")
        )

    def location(self, category):
        return reverse("catalog:category_detail", kwargs={"slug": category.slug})

    def lastmod(self, category):
        return category.last_update


class GroupSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ResearchGroup.objects.order_by("name")

    def location(self, group):
        return reverse("catalog:group_detail", kwargs={"slug": group.slug})


SITEMAPS = {
    "pages": PageSitemap,
    "resources": ResourceSitemap,
    "tags": TagSitemap,
    "categories": CategorySitemap,
    "groups": GroupSitemap,
}
