from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from taggit.models import Tag

from catalog.admin_filters import LinkHealthFilter
from catalog.models import (
    Author,
    Category,
    LinkCheckExemption,
    LinkCheckRun,
    PaperMetadata,
    RepositoryMetadata,
    ResearchGroup,
    ResearchGroupLink,
    Resource,
    ResourceAuthor,
    ResourceLink,
    SearchSynonym,
)
from catalog.services.authors import authors_merge
from catalog.services.resources import resources_archive, resources_publish
from catalog.services.tags import tags_merge
from catalog.text import validate_single_line


def external_link(url):
    """The link itself, labelled by its host to keep the changelist narrow."""
    if not url:
        return "—"
    host = (urlsplit(url).hostname or url).removeprefix("www.")
    return format_html(
        '<a href="{}" title="{}" target="_blank" rel="noopener noreferrer">{} ↗</a>', url, url, host
    )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "resource_count"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_count=Count("resources"))

    @admin.display(description="resources", ordering="resource_count")
    def resource_count(self, category):
        return category.resource_count


class ResearchGroupLinkInline(admin.TabularInline):
    model = ResearchGroupLink
    extra = 0


@admin.register(ResearchGroup)
class ResearchGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "website_link", "resource_count"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "description"]
    inlines = [ResearchGroupLinkInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_count=Count("resources"))

    @admin.display(description="website")
    def website_link(self, group):
        return external_link(group.website)

    @admin.display(description="resources", ordering="resource_count")
    def resource_count(self, group):
        return group.resource_count


class ResourceLinkInline(admin.TabularInline):
    model = ResourceLink
    extra = 0
    fields = ["label", "url"]


class ResourceAuthorInline(admin.TabularInline):
    model = ResourceAuthor
    extra = 0
    fields = ["position", "author"]
    autocomplete_fields = ["author"]
    ordering = ["position"]
    verbose_name = "author"
    verbose_name_plural = "authors (in the order cited; 0 first)"


LINK_HEALTH_FIELDS = [
    "link_confirmed_at", "link_checked_at", "link_result", "link_status", "link_detail",
    "link_final_url", "link_failures", "link_failure_counted_at",
]  # fmt: skip
LINK_HEALTH_HELP = (
    "Written by check_links; failures on three checks a day or more apart mark the link broken."
)


class SourceFactsInline(admin.StackedInline):
    """What a source said at the last refresh_metadata: read-only, written by that command."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        # Shown, never part of what the page posts back: its facts are not edited.
        if request.method not in ("GET", "HEAD"):
            return False
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RepositoryMetadataInline(SourceFactsInline):
    model = RepositoryMetadata
    fields = readonly_fields = [
        "full_name", "stars", "pushed_at", "archived", "license", "latest_release",
        "latest_release_at", "fetched_at",
    ]  # fmt: skip


class PaperMetadataInline(SourceFactsInline):
    model = PaperMetadata
    fields = readonly_fields = [
        "arxiv_id", "latest_version", "journal_ref", "withdrawn", "fetched_at",
    ]  # fmt: skip


class ResourceAdminForm(forms.ModelForm):
    # Curators pick from the existing vocabulary; new tags are made on purpose
    # in the tag admin, so near-duplicates ("SAE", "sae-s") don't creep in.
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Resource._meta.get_field("tags"), admin.site),
        help_text="Type to search the tag vocabulary; add new tags under Tags.",
    )

    class Meta:
        model = Resource
        fields = [
            "title", "slug", "url", "status", "featured", "description", "category",
            "tags", "groups", "year", "venue", "code_url",
        ]  # fmt: skip


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    form = ResourceAdminForm
    list_display = ["title", "category", "status", "year", "featured", "tag_list", "link"]
    list_filter = ["status", "category", "featured", "tags", "groups", "year", LinkHealthFilter]
    list_select_related = ["category"]
    search_fields = ["title", "authors__name", "url", "canonical_key", "description", "venue"]
    autocomplete_fields = ["groups"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "canonical_key", "link", "created_at", "updated_at", "published_at", *LINK_HEALTH_FIELDS,
    ]  # fmt: skip
    inlines = [
        ResourceAuthorInline,
        ResourceLinkInline,
        RepositoryMetadataInline,
        PaperMetadataInline,
    ]
    actions = ["publish", "archive"]
    date_hierarchy = "created_at"
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "url", "link", "canonical_key", "status", "featured"]}),
        ("Description", {"fields": ["description", "category", "tags", "groups"]}),
        ("Bibliography", {"fields": ["year", "venue", "code_url"]}),
        ("History", {"fields": ["created_at", "updated_at", "published_at"]}),
        ("Link health", {"fields": LINK_HEALTH_FIELDS, "description": LINK_HEALTH_HELP}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description="tags")
    def tag_list(self, resource):
        return ", ".join(sorted(tag.name for tag in resource.tags.all()))

    @admin.display(description="link")
    def link(self, resource):
        return external_link(resource.url)

    @admin.action(description="Publish the selected resources", permissions=["change"])
    def publish(self, request, queryset):
        count = resources_publish(resources=queryset)
        self.message_user(request, f"Published {count} resource(s).", messages.SUCCESS)

    @admin.action(description="Archive the selected resources", permissions=["change"])
    def archive(self, request, queryset):
        count = resources_archive(resources=queryset)
        self.message_user(request, f"Archived {count} resource(s).", messages.SUCCESS)


class MergeForm(forms.Form):
    """Which record the selected ones are merged into; never only into themselves."""

    def __init__(self, *args, sources, targets, help_text, other_than, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = list(sources)
        self.other_than = other_than
        self.fields["target"] = forms.ModelChoiceField(
            queryset=targets, label="Merge into", help_text=help_text
        )

    def clean_target(self):
        target = self.cleaned_data["target"]
        if all(source.pk == target.pk for source in self.sources):
            raise forms.ValidationError(
                f"Choose {self.other_than} other than the one being merged."
            )
        return target


class MergeAction:
    """
    The admin action that merges the selected records into one the curator
    chooses, after a confirmation page listing them with how many works each
    has (``resource_count``, annotated by the admin's queryset).
    """

    merge_help_text = ""
    merge_other_than = ""  # "a tag": the refusal names what to choose
    merge_counted = ""  # what resource_count counts, in the singular
    merge_message = ""  # "Merged {names} into “{target}”; {count} …"

    def merge_records(self, sources, target) -> int:
        """Merge ``sources`` into ``target``; how many works changed."""
        raise NotImplementedError

    def merge_selected(self, request, queryset):
        form = MergeForm(
            request.POST if "apply" in request.POST else None,
            sources=queryset,
            targets=self.model.objects.order_by("name"),
            help_text=self.merge_help_text,
            other_than=self.merge_other_than,
        )
        if form.is_valid():
            target = form.cleaned_data["target"]
            sources = [record for record in queryset if record.pk != target.pk]
            count = self.merge_records(sources, target)
            names = format_html_join(", ", "“{}”", ((record.name,) for record in sources))
            self.message_user(
                request,
                format_html(self.merge_message, names=names, target=target, count=count),
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Merge {self.model._meta.verbose_name_plural}",
            "opts": self.model._meta,
            "records": queryset,
            "counted": self.merge_counted,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/merge.html", context)


@admin.register(LinkCheckRun)
class LinkCheckRunAdmin(admin.ModelAdmin):
    """Runs of check_links, as they were: nobody edits history."""

    list_display = [
        "started_at", "finished_at", "conclusive", "checked", "ok", "redirected", "error",
        "timeout", "unknown", "unreachable", "newly_broken", "note",
    ]  # fmt: skip
    list_filter = ["inconclusive", "started_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="conclusive", boolean=True, ordering="inconclusive")
    def conclusive(self, run):
        return not run.inconclusive


@admin.register(LinkCheckExemption)
class LinkCheckExemptionAdmin(admin.ModelAdmin):
    """Hosts the link checker leaves alone: their links show as unknown, never broken."""

    list_display = ["domain", "reason", "created_at"]
    search_fields = ["domain", "reason"]


admin.site.unregister(Tag)


class TagAdminForm(forms.ModelForm):
    """taggit's Tag, with a name on one line like every other name in the catalog."""

    class Meta:
        model = Tag
        fields = ["name", "slug"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(validate_single_line)


@admin.register(Tag)
class TagAdmin(MergeAction, admin.ModelAdmin):
    form = TagAdminForm
    merge_help_text = "Resources with a selected tag get this one; the selected tags are deleted."
    merge_other_than = "a tag"
    merge_counted = "resource"
    merge_message = "Merged {names} into “{target}”; {count} resource(s) retagged."
    list_display = ["name", "slug", "resource_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]
    actions = ["merge"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(resource_count=Count("catalog_taggedresource_items"))
        )

    @admin.display(description="resources", ordering="resource_count")
    def resource_count(self, tag):
        return tag.resource_count

    @admin.action(description="Merge the selected tags into another tag", permissions=["delete"])
    def merge(self, request, queryset):
        return self.merge_selected(request, queryset)

    def merge_records(self, sources, target) -> int:
        return tags_merge(sources=sources, target=target)


@admin.register(Author)
class AuthorAdmin(MergeAction, admin.ModelAdmin):
    merge_help_text = "Works crediting a selected author credit this one; the selected are deleted."
    merge_other_than = "an author"
    merge_counted = "work"
    merge_message = "Merged {names} into “{target}”; {count} work(s) changed."
    list_display = ["name", "slug", "resource_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_count=Count("authorships"))

    @admin.display(description="works", ordering="resource_count")
    def resource_count(self, author):
        return author.resource_count

    @admin.action(
        description="Merge the selected authors into another author", permissions=["delete"]
    )
    def merge(self, request, queryset):
        return self.merge_selected(request, queryset)

    def merge_records(self, sources, target) -> int:
        return authors_merge(sources=sources, target=target)


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """Abbreviations and synonyms that search treats as one (curators edit them freely)."""

    list_display = ["terms"]
    search_fields = ["terms"]
