"""
The moderation queue. Moderators (the "Moderators" group, or anyone with
submissions.moderate_submission) edit a pending proposal on its change page
and decide there ("Approve", "Approve and next", "Request changes",
"Reject"), or on several at once with the queue's actions. Every edit and
decision goes through submissions.services, which logs it; nothing here
writes a proposal's fields or state directly, and the review log is read-only.
"""

import difflib
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from taggit.models import Tag

from catalog.markdown import render_markdown
from catalog.models import Category, ResearchGroup
from submissions.duplicates import SAME_WORK, attach_duplicates
from submissions.forms import ModeratorNoteForm, ModeratorProposalForm
from submissions.models import PROPOSED_FIELDS, Submission, SubmissionEvent, resource_values
from submissions.services import (
    SubmissionError,
    can_moderate,
    submission_approve,
    submission_edit,
    submission_reject,
    submission_request_changes,
    submission_urls_enqueue_check,
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
    "venue": "Venue",
    "code_url": "Code URL",
    "extra_links": "Extra links",
    "url_as_typed": "URL as typed",
}
# The change page's buttons: (name, label, whether it is the default).
DECISIONS = [
    ("approve", "Approve", False),
    ("approve_next", "Approve and next", True),
    ("request_changes", "Request changes", False),
    ("reject", "Reject", False),
]


def _queue_url() -> str:
    return reverse("admin:submissions_submission_changelist")


def changes_table(changes: dict, before: str, after: str):
    """A review-log diff, {field: [before, after]}, as a table with word-level marks."""
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
        (
            (FIELD_LABELS.get(name, name), *_word_diff(str(old or ""), str(new or "")))
            for name, (old, new) in changes.items()
        ),
    )
    return format_html(
        '<table class="proposal-diff"><thead><tr><th>field</th><th>{}</th><th>{}</th></tr>'
        "</thead><tbody>{}</tbody></table>",
        before,
        after,
        rows,
    )


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
    fields = ["created_at", "action", "actor", "from_state", "to_state", "note", "diff"]
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

    @admin.display(description="changes")
    def diff(self, event):
        return changes_table(event.changes, "before", "after") if event.changes else ""


class StateFilter(admin.SimpleListFilter):
    """The queue opens on what waits for a moderator; "All" shows every state."""

    title = "state"
    parameter_name = "state__exact"  # the address mail and bookmarks already use

    def lookups(self, request, model_admin):
        return [*Submission.State.choices, ("all", "All")]

    def choices(self, changelist):
        current = self.value() or Submission.State.PENDING
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or Submission.State.PENDING
        if value == "all":
            return queryset
        if value in Submission.State.values:
            return queryset.filter(state=value)
        return queryset


class QueueChangeList(ChangeList):
    """
    The queue, with each row's possible duplicates found for the whole page at
    once, when the page is shown: an action posted from it never looks them up.
    """

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        for submission in self.result_list:
            submission.queue_page = self.result_list


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    form = ModeratorProposalForm
    list_display = ["headline", "url_column", "category_column", "checks", "sent_by"]
    list_display_links = ["headline"]
    list_filter = [StateFilter, "kind", AgeFilter]
    list_select_related = ["submitter", "resource", "category"]
    search_fields = ["title", "url", "canonical_key", "submitter__username", "submitter__email"]
    date_hierarchy = "created_at"
    ordering = ["created_at", "id"]  # the queue: oldest first
    actions = ["approve", "reject", "request_changes", "check_urls"]
    inlines = [SubmissionEventInline]
    list_per_page = 50
    save_on_top = True  # the decision panel, above the fields
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
        ("Changed since the previous round", {"fields": ["resubmission_changes"]}),
        (
            "Proposed values",
            {
                "fields": [
                    "title", "url", "canonical_key", "description", "description_preview",
                    "category", "tags", "new_tags", "groups", "year", "authors", "venue",
                    "code_url", "extra_links", "problem", "note",
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
    # Shown read-only whatever the state: computed, or what only the services set.
    computed_fields = [
        "kind", "state", "submitter", "created_at", "decided_at", "moderator_note",
        "resource_link", "changes", "resubmission_changes", "canonical_key",
        "description_preview", "new_tags", "problem", "note", "possible_duplicates",
        "url_answered", "url_checked_at", "account_age", "past_approvals",
    ]  # fmt: skip

    class Media:
        css = {"all": ["submissions/admin.css"]}
        js = ["submissions/admin.js"]

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_queryset(self, request):
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
                submitter_approvals=Coalesce(Subquery(approvals, output_field=IntegerField()), 0),
            )
        )

    def get_fieldsets(self, request, obj=None):
        kind = obj.kind if obj else None
        resubmitted = obj is not None and obj.events.filter(action="resubmitted").exists()
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            if name == "Changes proposed" and kind != Submission.Kind.CORRECTION:
                continue
            if name == "Changed since the previous round" and not resubmitted:
                continue
            fields = options["fields"]
            if name == "Proposed values":
                if kind == Submission.Kind.BROKEN_LINK:
                    fields = ["title", "url", "problem", "note"]
                else:
                    fields = [field for field in fields if field != "problem"]
            fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if self._editable(request, obj):
            return self.computed_fields
        return [
            field for _, options in self.get_fieldsets(request, obj) for field in options["fields"]
        ]

    def _editable(self, request, obj) -> bool:
        return (
            obj is not None
            and obj.state == Submission.State.PENDING
            and obj.kind != Submission.Kind.BROKEN_LINK
            and self.has_moderate_permission(request)
        )

    # Proposals come from the site; moderators edit pending ones and decide on the change page.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if not self.has_moderate_permission(request):
            return False
        return obj is None or obj.state == Submission.State.PENDING

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
            "decisions": DECISIONS,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": "Proposals"}
        return super().changelist_view(request, extra_context)

    # Editing and deciding: the change form's buttons. Every write goes through the services.

    def save_model(self, request, obj, form, change):
        request.proposal_edit_failed = False
        if obj.kind == Submission.Kind.BROKEN_LINK or not form.has_changed():
            return
        if not any(name in form.changed_data for name in PROPOSED_FIELDS):
            return
        try:
            changes = submission_edit(submission=obj, reviewer=request.user, values=form.values())
        except SubmissionError as error:
            request.proposal_edit_failed = True
            self.message_user(request, f"Not saved: {error.message}", messages.ERROR)
        else:
            if changes:
                labels = ", ".join(
                    FIELD_LABELS.get(name, name) for name in changes if name in FIELD_LABELS
                )
                self.message_user(request, f"Saved your changes ({labels}).", messages.INFO)

    def save_related(self, request, form, formsets, change):
        # Groups were saved by the service; the review log inline is read-only.
        pass

    def construct_change_message(self, request, form, formsets, add=False):
        return []

    def log_change(self, request, obj, message):
        # The review log records edits, with their diff; the admin's history need not.
        pass

    def response_change(self, request, obj):
        decision = next((name for name, *_ in DECISIONS if f"_{name}" in request.POST), None)
        if getattr(request, "proposal_edit_failed", False):
            return HttpResponseRedirect(request.path)
        if decision is None:
            return super().response_change(request, obj)
        form = self.get_form(request, obj)(request.POST, instance=obj)
        note = form.note() if form.is_valid() else ""
        service = {
            "approve": submission_approve,
            "approve_next": submission_approve,
            "reject": submission_reject,
            "request_changes": submission_request_changes,
        }[decision]
        try:
            service(submission=obj, reviewer=request.user, note=note)
        except SubmissionError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.path)
        done = {
            "approve": "Approved",
            "approve_next": "Approved",
            "reject": "Rejected",
            "request_changes": "Sent back for changes",
        }[decision]
        self.message_user(request, f"{done}: “{obj.headline}”.", messages.SUCCESS)
        if decision == "approve":
            return HttpResponseRedirect(_queue_url())
        following = (
            Submission.objects.pending()
            .exclude(pk=obj.pk)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)
            .first()
        )
        if following is None:
            self.message_user(request, "No other proposal is waiting.", messages.INFO)
            return HttpResponseRedirect(_queue_url())
        return HttpResponseRedirect(
            reverse("admin:submissions_submission_change", args=[following])
        )

    # Columns and read-only fields.

    @admin.display(description="sent", ordering="created_at")
    def sent(self, submission):
        return format_html(
            '<span title="{}">{} ago</span>',
            submission.created_at.isoformat(timespec="minutes"),
            timesince(submission.created_at, depth=1),
        )

    @admin.display(description="sent", ordering="created_at")
    def sent_by(self, submission):
        sent = format_html(
            '<span title="{}">{} ago</span> by ',
            submission.created_at.isoformat(timespec="minutes"),
            timesince(submission.created_at, depth=1),
        )
        return sent + self.submitted_by(submission)

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

    @admin.display(description="URL", ordering="url")
    def url_column(self, submission):
        if not submission.url:
            return "—"
        return format_html(
            '<a class="queue-url" href="{}" title="{}" rel="noopener noreferrer">{}</a>',
            submission.url,
            submission.url,
            submission.url.split("://", 1)[-1],
        )

    @admin.display(description="category", ordering="category__order")
    def category_column(self, submission):
        return submission.category or "—"

    @admin.display(description="automatic checks")
    def checks(self, submission):
        return format_html(
            "duplicates: {}<br>URL: {}",
            self._duplicates_inline(submission),
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

    def _matches(self, submission):
        if not hasattr(submission, "duplicate_matches"):
            # In the queue, for every row of the page in one go (see QueueChangeList).
            attach_duplicates(getattr(submission, "queue_page", [submission]))
        return submission.duplicate_matches

    def _duplicates_inline(self, submission):
        matches = self._matches(submission)
        if not matches:
            return "none"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a> <small>({}, {} {})</small>',
            (
                (
                    match.admin_url,
                    "already listed" if match.kind == "resource" and match.reason == SAME_WORK
                    else "other proposal" if match.reason == SAME_WORK
                    else match.title,
                    match.reason,
                    match.kind,
                    match.state,
                )
                for match in matches
            ),
        )  # fmt: skip

    @admin.display(description="possible duplicates")
    def possible_duplicates(self, submission):
        """Each resource or proposal that may be the same work, beside this one."""
        matches = self._matches(submission)
        if not matches:
            return "None found: no resource or open proposal of the same work or title."
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a>{}</td><td class="dup-url">{}</td><td>{}</td>'
            "<td>{}</td></tr>",
            (
                (
                    match.admin_url,
                    match.title,
                    format_html(' · <a href="{}">public page</a>', match.public_url)
                    if match.public_url
                    else "",
                    match.url,
                    f"{match.kind}, {match.state}",
                    match.reason,
                )
                for match in matches
            ),
        )
        return format_html(
            '<table class="proposal-diff duplicates"><thead><tr><th>title</th>'
            '<th class="dup-url">URL</th><th>what and state</th><th>why</th></tr></thead>'
            '<tbody><tr class="this-proposal"><td><strong>{}</strong></td>'
            '<td class="dup-url">{}</td><td>this proposal, {}</td><td>—</td></tr>{}</tbody>'
            "</table>",
            submission.title,
            submission.url,
            submission.get_state_display().lower(),
            rows,
        )

    @admin.display(description="URL answered")
    def url_answered(self, submission):
        if submission.url_check == Submission.UrlCheck.UNCHECKED:
            return "not checked yet"
        symbol = "✔" if submission.url_check == Submission.UrlCheck.ANSWERED else "✘"
        return format_html("{} {}", symbol, submission.url_check_detail)

    @admin.display(description="resource")
    def resource_link(self, submission):
        if submission.resource is None:
            return "—"
        url = reverse("admin:catalog_resource_change", args=[submission.resource_id])
        return format_html('<a href="{}">{}</a>', url, submission.resource)

    @admin.display(description="description (as it will show)")
    def description_preview(self, submission):
        return format_html(
            '<div class="description-preview">{}</div>', render_markdown(submission.description)
        )

    @admin.display(description="new tags")
    def new_tags(self, submission):
        """Proposed tags the vocabulary lacks: approving creates them."""
        names = submission.tag_names
        known = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
        new = [name for name in names if name not in known]
        if not new:
            return "none: every tag is in the vocabulary"
        return format_html_join(
            " ", '<span class="new-tag">{} <small>new</small></span>', ((name,) for name in new)
        )

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

    @admin.display(description="changed by the submitter")
    def resubmission_changes(self, submission):
        """The difference between the last round and the one before it."""
        event = (
            submission.events.filter(action="resubmitted").order_by("-created_at", "-id").first()
        )
        if event is None or not event.changes:
            return "Resubmitted without changes to the proposed values."
        return changes_table(event.changes, "previous round", "this round")

    # Actions: each calls the service for every selected proposal and reports per proposal.

    @admin.action(description="Approve the selected proposals…", permissions=["moderate"])
    def approve(self, request, queryset):
        if "apply" in request.POST:
            self._decide(request, queryset, submission_approve, "Approved", note="")
            return None
        submissions = list(queryset.order_by("created_at", "id"))
        attach_duplicates(submissions)
        context = {
            **self.admin_site.each_context(request),
            "title": "Approve these proposals?",
            "opts": self.model._meta,
            "submissions": [
                (submission, render_markdown(submission.description), self.url_answered(submission))
                for submission in submissions
            ],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/submissions/submission/approve_confirm.html", context
        )

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
        # Queued, never fetched here: a slow site must not hold the admin's request.
        queued = submission_urls_enqueue_check(submissions=queryset)
        self.message_user(
            request,
            f"Queued {queued} URL check(s); the results show here once the task worker "
            "has run them.",
            messages.SUCCESS,
        )

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
        # Every proposal selected, whatever the queue's filter shows now: one decided
        # meanwhile by someone else is reported, not silently left out.
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if selected:
            queryset = Submission.objects.filter(pk__in=selected)
        # One transaction for the whole selection, each decision in a savepoint of
        # its own: a refused one leaves the others decided, and the catalog
        # changes (and its cached pages expire) once, not once per proposal.
        with transaction.atomic():
            for submission in queryset.order_by("created_at", "id"):
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
        "diff",
        "created_at",
    ]
    date_hierarchy = "created_at"

    @admin.display(description="changes")
    def diff(self, event):
        return changes_table(event.changes, "before", "after") if event.changes else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
