"""
Curators publish reading paths here. Members' lists, notes and follows are
theirs alone and have no admin pages.
"""

from django.contrib import admin
from django.db.models import Count

from library.models import ReadingPath, ReadingPathStep


class ReadingPathStepInline(admin.TabularInline):
    model = ReadingPathStep
    extra = 1
    fields = ["position", "resource", "annotation"]
    autocomplete_fields = ["resource"]
    ordering = ["position", "id"]


@admin.register(ReadingPath)
class ReadingPathAdmin(admin.ModelAdmin):
    list_display = ["title", "is_published", "order", "step_count", "updated_at"]
    list_editable = ["is_published", "order"]
    list_filter = ["is_published"]
    search_fields = ["title", "introduction"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ReadingPathStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(work_count=Count("steps"))

    @admin.display(description="works", ordering="work_count")
    def step_count(self, path):
        return path.work_count
