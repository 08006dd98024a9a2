"""
The moderation queue. Moderators (the "Moderators" group, or anyone with
submissions.moderate_submission) decide with the actions `approve`, `reject`
and `request_changes`, which call the services; nothing here edits a
proposal's fields or state directly, and the review log is read-only.
"""

import difflib
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from catalog.admin import external_link
from catalog.markdown import render_markdown
from catalog.models import Category, ResearchGroup, Resource
from submissions.forms import ModeratorNoteForm
from submissions.models import Submission, SubmissionEvent, resource_values
from submissions.services import (
    SubmissionError,
    can_moderate,
    submission_approve,
    submission_check_url,
    submission_reject,
    submission_request_changes,
)

FIELD_LABELS = {
    "title": "Title",
    "url": "URL",
    "description": "Description",
    "category": "Category",
    "tags": "Tags",
    "groups": "Research groups",
    "year": "Year",
    "authors": "Authors",
    "code_url": "Code URL",
}


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("day", "Sent in the last day"),
            ("week", "Sent in the last week"),
            ("older", "Older than a week"),
            ("month", "Older than a month"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "day":
                return queryset.filter(created_at__gte=now - timedelta(days=1))
            case "week":
                return queryset.filter(created_at__gte=now - timedelta(days=7))
            case "older":
                return queryset.filter(created_at__lt=now - timedelta(days=7))
            case "month":
                return queryset.filter(created_at__lt=now - timedelta(days=30))
        return queryset


class SubmissionEventInline(admin.TabularInline):
    model = SubmissionEvent
    fields = ["created_at", "action", "actor", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "review log"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["headline", "kind", "state", "sent", "submitted_by", "checks"]
    list_filter = ["state", "kind", AgeFilter]
    list_select_related = ["submitter", "resource"]
    search_fields = ["title", "url", "canonical_key", "submitter__username", "submitter__email"]
    date_hierarchy = "created_at"
    ordering = ["created_at"]  # the queue: oldest first
    actions = ["approve", "reject", "request_changes", "check_urls"]
    inlines = [SubmissionEventInline]
    list_per_page = 50
    fieldsets = [
        (
            "Proposal",
            {
                "fields": [
                    "kind", "state", "submitter", "created_at", "decided_at",
                    "moderator_note", "resource_link",
                ]
            },
        ),
        ("Changes proposed", {"fields": ["changes"]}),
        (
            "Proposed values",
            {
                "fields": [
                    "title", "url_link", "canonical_key", "description_preview", "category",
                    "tags", "group_list", "year", "authors", "code_url", "problem", "note",
                ]
            },
        ),
        (
            "Automatic checks",
            {
                "fields": [
                    "possible_duplicates", "url_answered", "url_checked_at", "account_age",
                    "past_approvals",
                ]
            },
        ),
    ]  # fmt: skip

    class Media:
        css = {"all": ["submissions/admin.css"]}

    def get_queryset(self, request):
        key = OuterRef("canonical_key")
        listed = (
            Resource.objects.filter(Q(canonical_key=key) | Q(links__canonical_key=key))
            .exclude(pk=Coalesce(OuterRef("resource_id"), Value(0)))
            .values("pk")[:1]
        )
        proposed = (
            Submission.objects.open()
            .filter(kind=Submission.Kind.NEW, canonical_key=key)
            .exclude(pk=OuterRef("pk"))
            .order_by()
            .values("canonical_key")
            .annotate(count=Count("pk"))
            .values("count")
        )
        approvals = (
            Submission.objects.approved()
            .filter(submitter=OuterRef("submitter"))
            .order_by()
            .values("submitter")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                listed_match_id=Subquery(listed),
                proposed_matches=Coalesce(Subquery(proposed, output_field=IntegerField()), 0),
                submitter_approvals=Coalesce(Subquery(approvals, output_field=IntegerField()), 0),
            )
        )

    def get_fieldsets(self, request, obj=None):
        kind = obj.kind if obj else None
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            if name == "Changes proposed" and kind != Submission.Kind.CORRECTION:
                continue
            fields = options["fields"]
            if name == "Proposed values":
                if kind == Submission.Kind.BROKEN_LINK:
                    fields = ["title", "url_link", "problem", "note"]
                else:
                    fields = [field for field in fields if field != "problem"]
            fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [
            field for _, options in self.get_fieldsets(request, obj) for field in options["fields"]
        ]

    # Proposals come from the site and change only through the actions.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def view_on_site(self, submission):
        """The resource in the catalog, once there is a published one to see."""
        if submission.resource is not None and submission.resource.is_published:
            return submission.resource.get_absolute_url()
        return None

    def has_moderate_permission(self, request):
        return can_moderate(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_moderate": self.has_moderate_permission(request),
            "decisions": [
                ("approve", "Approve", True),
                ("request_changes", "Ask for changes…", False),
                ("reject", "Reject…", False),
            ],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # Columns and read-only fields.

    @admin.display(description="sent", ordering="created_at")
    def sent(self, submission):
        return format_html(
            '<span title="{}">{} ago</span>',
            submission.created_at.isoformat(timespec="minutes"),
            timesince(submission.created_at, depth=1),
        )

    @admin.display(description="submitter", ordering="submitter__username")
    def submitted_by(self, submission):
        approvals = self.past_approvals(submission)
        return format_html(
            "{}<br><small>account {} old · {} past approval{}</small>",
            submission.submitter or "(deleted account)",
            self.account_age(submission),
            approvals,
            "" if approvals == 1 else "s",
        )

    @admin.display(description="automatic checks")
    def checks(self, submission):
        return format_html(
            "duplicates: {}<br>URL: {}",
            self.possible_duplicates(submission),
            self.url_answered(submission),
        )

    @admin.display(description="proposal", ordering="title")
    def headline(self, submission):
        return submission.headline

    @admin.display(description="account age", ordering="submitter__date_joined")
    def account_age(self, submission):
        if submission.submitter is None:
            return "deleted account"
        return timesince(submission.submitter.date_joined, depth=1)

    @admin.display(description="past approvals", ordering="submitter_approvals")
    def past_approvals(self, submission):
        count = submission.submitter_approvals
        if submission.state == Submission.State.APPROVED:
            count -= 1  # this one is not in its submitter's past
        return count

    @admin.display(description="possible duplicates")
    def possible_duplicates(self, submission):
        parts = []
        if submission.listed_match_id:
            url = reverse("admin:catalog_resource_change", args=[submission.listed_match_id])
            parts.append(format_html('<a href="{}">already listed</a>', url))
        if submission.proposed_matches:
            url = reverse("admin:submissions_submission_changelist")
            parts.append(
                format_html(
                    '<a href="{}?q={}">{} other proposal{}</a>',
                    url,
                    submission.canonical_key,
                    submission.proposed_matches,
                    "s" if submission.proposed_matches != 1 else "",
                )
            )
        return format_html_join(", ", "{}", ((part,) for part in parts)) if parts else "none"

    @admin.display(description="URL answered")
    def url_answered(self, submission):
        if submission.url_check == Submission.UrlCheck.UNCHECKED:
            return "not checked yet"
        symbol = "✔" if submission.url_check == Submission.UrlCheck.ANSWERED else "✘"
        return format_html("{} {}", symbol, submission.url_check_detail)

    @admin.display(description="URL")
    def url_link(self, submission):
        return external_link(submission.url)

    @admin.display(description="resource")
    def resource_link(self, submission):
        if submission.resource is None:
            return "—"
        url = reverse("admin:catalog_resource_change", args=[submission.resource_id])
        return format_html('<a href="{}">{}</a>', url, submission.resource)

    @admin.display(description="description (as it will show)")
    def description_preview(self, submission):
        return render_markdown(submission.description)

    @admin.display(description="research groups")
    def group_list(self, submission):
        return ", ".join(group.name for group in submission.groups.all()) or "—"

    @admin.display(description="changes")
    def changes(self, submission):
        """What approving the correction would change: the catalog now, and the proposal."""
        if submission.resource is None:
            return "The resource no longer exists."
        changed = submission.changed_fields()
        if not changed:
            return "No field differs from the catalog."
        current = resource_values(submission.resource)
        proposed = submission.proposed_values()
        rows = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
            (
                (FIELD_LABELS[name], *_diff_cells(name, current[name], proposed[name]))
                for name in changed
            ),
        )
        return format_html(
            '<table class="proposal-diff"><thead><tr><th>field</th><th>in the catalog now</th>'
            "<th>proposed</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    # Actions: each calls the service for every selected proposal and reports per proposal.

    @admin.action(description="Approve the selected proposals", permissions=["moderate"])
    def approve(self, request, queryset):
        self._decide(request, queryset, submission_approve, "Approved", note="")
        return None

    @admin.action(description="Reject the selected proposals…", permissions=["moderate"])
    def reject(self, request, queryset):
        return self._decide_with_note(request, queryset, "reject", submission_reject, "Rejected")

    @admin.action(
        description="Ask for changes to the selected proposals…", permissions=["moderate"]
    )
    def request_changes(self, request, queryset):
        return self._decide_with_note(
            request, queryset, "request_changes", submission_request_changes, "Sent back"
        )

    @admin.action(description="Check whether the selected URLs answer", permissions=["moderate"])
    def check_urls(self, request, queryset):
        for submission in queryset.exclude(url=""):
            submission_check_url(submission=submission)
        self.message_user(request, "Checked the selected proposals' URLs.", messages.SUCCESS)

    def _decide_with_note(self, request, queryset, action, service, done):
        form = ModeratorNoteForm(request.POST if "apply" in request.POST else None)
        if action == "request_changes":
            form.fields["note"].required = True
            form.fields["note"].error_messages["required"] = "Say what the submitter should change."
        if form.is_valid():
            self._decide(request, queryset, service, done, note=form.cleaned_data["note"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": {"reject": "Reject proposals", "request_changes": "Ask for changes"}[action],
            "opts": self.model._meta,
            "submissions": queryset,
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "button": {"reject": "Reject", "request_changes": "Send back for changes"}[action],
        }
        return TemplateResponse(request, "admin/submissions/submission/decision_note.html", context)

    def _decide(self, request, queryset, service, done, *, note):
        decided = []
        for submission in queryset.order_by("created_at"):
            try:
                service(submission=submission, reviewer=request.user, note=note)
            except SubmissionError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                decided.append(submission)
        if decided:
            names = format_html_join(", ", "“{}”", ((s.headline,) for s in decided))
            self.message_user(request, format_html("{}: {}.", done, names), messages.SUCCESS)


def _diff_cells(name, current, proposed):
    if name == "category":
        return _name(Category, current), _name(Category, proposed)
    if name == "groups":
        names = dict(
            ResearchGroup.objects.filter(pk__in=[*current, *proposed]).values_list("pk", "name")
        )
        return (
            ", ".join(names.get(pk, "?") for pk in current) or "—",
            ", ".join(names.get(pk, "?") for pk in proposed) or "—",
        )
    if name == "tags":
        return ", ".join(current) or "—", ", ".join(proposed) or "—"
    if isinstance(current, str) and isinstance(proposed, str):
        return _word_diff(current, proposed)
    return (current if current is not None else "—"), (proposed if proposed is not None else "—")


def _name(model, pk):
    return model.objects.filter(pk=pk).values_list("name", flat=True).first() or "—"


def _word_diff(old: str, new: str):
    """Both texts: removed words struck out in the first, added ones marked in the second."""
    old_words, new_words = old.split(" "), new.split(" ")
    before, after = [], []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = " ".join(old_words[i1:i2]), " ".join(new_words[j1:j2])
        if tag == "equal":
            before.append(format_html("{}", removed))
            after.append(format_html("{}", added))
            continue
        if removed:
            before.append(format_html("<del>{}</del>", removed))
        if added:
            after.append(format_html("<ins>{}</ins>", added))
    # Every piece above went through format_html, so joining them keeps them escaped.
    return mark_safe(" ".join(before) or "—"), mark_safe(" ".join(after) or "—")  # noqa: S308


@admin.register(SubmissionEvent)
class SubmissionEventAdmin(admin.ModelAdmin):
    """The review log: who did what to which proposal, when. Nobody edits or deletes it."""

    list_display = ["created_at", "submission", "action", "actor", "from_state", "to_state"]
    list_filter = ["action"]
    list_select_related = ["submission", "actor"]
    search_fields = ["submission__title", "actor__username", "note"]
    readonly_fields = [
        "submission",
        "actor",
        "action",
        "from_state",
        "to_state",
        "note",
        "created_at",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
