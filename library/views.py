"""
Members' lists, curators' reading paths, follows, digests and a member's own data.

Access: a private list exists only for its owner (anyone else, staff too, gets
a 404); a public list is readable by anyone, its notes only when the owner
shares them; works that left the catalog show only to the owner. Every change
is a POST by the owner, through library.services.
"""

import contextlib
import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from taggit.models import Tag

from catalog.cache import cached_for_version
from catalog.citations import (
    CITABLE_CATEGORIES,
    bibtex_file,
    catalog_citation_keys,
    ris_file,
)
from catalog.models import Category, ResearchGroup, Resource
from library import services
from library.forms import AccountDeleteForm, DigestForm, ListForm, NewListForm, NoteForm
from library.models import DigestSubscription, Follow, ReadingList, ReadingPath, SavedWork
from library.services import LibraryError

BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"
RIS_TYPE = "application/x-research-info-systems; charset=utf-8"
FOLLOWABLE = {"tag": Tag, "category": Category, "group": ResearchGroup}


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def next_url(request, default: str) -> str:
    """Where to go back to after a form: the page it was on, if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def visible_list(request, username, slug) -> ReadingList:
    """The list if this visitor may read it; a 404 otherwise, whether or not it exists."""
    return get_object_or_404(
        ReadingList.objects.visible_to(request.user).select_related("owner"),
        owner__username=username,
        slug=slug,
    )


def own_list(request, username, slug) -> ReadingList:
    reading_list = visible_list(request, username, slug)
    if reading_list.owner_id != request.user.pk:
        raise Http404("Not your list.")
    return reading_list


def shown_entries(reading_list: ReadingList, user):
    """The entries a visitor sees: all of them for the owner, published works for anyone else."""
    entries = reading_list.entries.select_related("resource__category")
    if user.pk != reading_list.owner_id:
        entries = entries.filter(resource__status=Resource.Status.PUBLISHED)
    return entries.order_by("position", "id")


# Lists.


@login_required
@require_GET
def my_lists(request):
    """The member's own lists. Members only."""
    lists = (
        ReadingList.objects.for_user(request.user)
        .select_related("owner")
        .annotate(entry_count=Count("entries"))
        .order_by("-is_default", "title", "id")  # Meta.ordering is dropped when grouping
    )
    return render(
        request, "library/my_lists.html", {"lists": lists, "new_list_form": NewListForm()}
    )


@login_required
@require_POST
def list_new(request):
    """Make an empty private list. Members only."""
    form = NewListForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the new list a name of at most 100 characters.")
        return redirect("library:mine")
    reading_list = services.list_create(owner=request.user, title=form.cleaned_data["title"])
    messages.success(request, f"Made the list “{reading_list.title}”.")
    return redirect(reading_list)


@require_GET
def list_detail(request, username, slug):
    """A list: its owner sees everything and edits it; others see a public list's works."""
    reading_list = visible_list(request, username, slug)
    is_owner = reading_list.owner_id == request.user.pk
    context = {
        "reading_list": reading_list,
        "entries": shown_entries(reading_list, request.user),
        "is_owner": is_owner,
        "show_notes": reading_list.notes_visible_to(request.user),
        "form": ListForm(instance=reading_list) if is_owner else None,
    }
    template = "library/list_detail.html"
    if is_htmx(request) and is_owner:
        template += "#entries"
    return render(request, template, context)


@login_required
@require_POST
def list_edit(request, username, slug):
    """Rename, describe, make public or private, share notes. Owner only."""
    reading_list = own_list(request, username, slug)
    form = ListForm(request.POST, instance=ReadingList.objects.get(pk=reading_list.pk))
    if not form.is_valid():
        messages.error(
            request,
            "The list was not changed: "
            + " ".join(error for errors in form.errors.values() for error in errors),
        )
        return redirect(reading_list)
    services.list_update(
        reading_list=reading_list,
        user=request.user,
        title=form.cleaned_data["title"],
        description=form.cleaned_data["description"],
        is_public=form.cleaned_data["is_public"],
        share_notes=form.cleaned_data["share_notes"],
    )
    state = "public" if reading_list.is_public else "private"
    messages.success(request, f"Saved. The list is {state}.")
    return redirect(reading_list)


@login_required
@require_POST
def list_delete(request, username, slug):
    """Delete a list. Owner only."""
    reading_list = own_list(request, username, slug)
    services.list_delete(reading_list=reading_list, user=request.user)
    messages.success(request, f"Deleted the list “{reading_list.title}”.")
    return redirect("library:mine")


def export_response(request, username, slug, extension):
    reading_list = visible_list(request, username, slug)
    resources = [
        entry.resource
        for entry in shown_entries(reading_list, request.user).filter(
            resource__status=Resource.Status.PUBLISHED,
            resource__category__slug__in=CITABLE_CATEGORIES,
        )
    ]
    keys = cached_for_version("citation-keys", catalog_citation_keys)
    if extension == "bib":
        content_type = BIBTEX_TYPE
        header = [
            f"{len(resources)} paper(s) and survey(s) from the reading list “{reading_list.title}”",
            request.build_absolute_uri(reading_list.get_absolute_url()),
        ]
        text = bibtex_file(resources, keys, header)
    else:
        content_type, text = RIS_TYPE, ris_file(resources, keys)
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{reading_list.slug}.{extension}"'
    return response


@require_GET
def list_bibtex(request, username, slug):
    """BibTeX of the papers and surveys in a list the visitor may read."""
    return export_response(request, username, slug, "bib")


@require_GET
def list_ris(request, username, slug):
    """RIS of the papers and surveys in a list the visitor may read."""
    return export_response(request, username, slug, "ris")


# Saving.


def save_widget(request, resource, message=""):
    saved = set(
        SavedWork.objects.filter(reading_list__owner=request.user, resource=resource).values_list(
            "resource_id", flat=True
        )
    )
    return render(
        request,
        "library/includes/save_button.html",
        {"resource": resource, "saved_ids": saved, "save_message": message},
    )


@login_required
@require_POST
def save(request):
    """
    Save a published work into the member's "Saved" list, or the list named
    (made if new). htmx gets the save control back; without it, a redirect.
    """
    resource = get_object_or_404(Resource.objects.published(), pk=request.POST.get("resource"))
    name = " ".join(request.POST.get("list_name", "").split())[:100]
    try:
        reading_list = services.list_named(owner=request.user, title=name) if name else None
        entry = services.work_save(user=request.user, resource=resource, reading_list=reading_list)
    except LibraryError as error:
        if is_htmx(request):
            return HttpResponseBadRequest(error.message)
        messages.error(request, error.message)
        return redirect(next_url(request, resource.get_absolute_url()))
    message = f"Saved in {entry.reading_list.title}."
    if is_htmx(request):
        return save_widget(request, resource, message)
    messages.success(request, f"“{resource.title}” is saved in “{entry.reading_list.title}”.")
    return redirect(next_url(request, resource.get_absolute_url()))


@login_required
@require_POST
def unsave(request):
    """Take a work out of all the member's lists (or of the one named by ``list``)."""
    resource = get_object_or_404(Resource, pk=request.POST.get("resource"))
    reading_list = None
    if request.POST.get("list"):
        reading_list = get_object_or_404(
            ReadingList.objects.for_user(request.user), pk=request.POST["list"]
        )
    services.work_unsave(user=request.user, resource=resource, reading_list=reading_list)
    if is_htmx(request) and resource.is_published and reading_list is None:
        return save_widget(request, resource, "Removed from your lists.")
    messages.success(request, f"Removed “{resource.title}”.")
    default = reading_list.get_absolute_url() if reading_list else reverse("library:mine")
    return redirect(next_url(request, default))


def own_entry(request, pk) -> SavedWork:
    return get_object_or_404(
        SavedWork.objects.select_related("reading_list__owner", "resource").filter(
            reading_list__owner=request.user
        ),
        pk=pk,
    )


@login_required
@require_POST
def entry_edit(request, pk):
    """Change an entry's note and read mark. Owner only."""
    entry = own_entry(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.entry_update(
            entry=entry,
            user=request.user,
            note=form.cleaned_data["note"],
            is_read=form.cleaned_data["is_read"],
        )
        messages.success(request, f"Saved your note on “{entry.resource.title}”.")
    else:
        messages.error(request, "Notes hold at most 2,000 characters.")
    return redirect(entry.reading_list)


@login_required
@require_POST
def entry_move(request, pk):
    """Move an entry up or down its list. Owner only; htmx gets the list back."""
    entry = own_entry(request, pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.entry_move(entry=entry, user=request.user, offset=offset)
    reading_list = entry.reading_list
    if is_htmx(request):
        return render(
            request,
            "library/list_detail.html#entries",
            {
                "reading_list": reading_list,
                "entries": shown_entries(reading_list, request.user),
                "is_owner": True,
                "show_notes": True,
            },
        )
    return redirect(reading_list)


# Reading paths.


@require_GET
def path_index(request):
    """The published reading paths. Public."""
    paths = ReadingPath.objects.published()
    return render(request, "library/path_index.html", {"paths": paths})


@require_GET
def path_detail(request, slug):
    """A published reading path and its works in order. Public."""
    path = get_object_or_404(ReadingPath.objects.published(), slug=slug)
    steps = (
        path.steps.filter(resource__status=Resource.Status.PUBLISHED)
        .select_related("resource__category")
        .order_by("position", "id")
    )
    return render(request, "library/path_detail.html", {"path": path, "steps": steps})


@login_required
@require_POST
def path_copy(request, slug):
    """Copy a published path into a new private list of the member's."""
    path = get_object_or_404(ReadingPath.objects.published(), slug=slug)
    reading_list = services.path_copy(path=path, user=request.user)
    messages.success(request, f"Copied “{path.title}” into your lists. Only you can see it.")
    return redirect(reading_list)


# Follows and digests.


@login_required
@require_POST
def follow(request):
    """Follow or stop following a tag, category or research group."""
    kind = request.POST.get("kind", "")
    if kind not in FOLLOWABLE:
        return HttpResponseBadRequest("Follow a tag, a category or a group.")
    target = get_object_or_404(FOLLOWABLE[kind], slug=request.POST.get("slug", ""))
    if request.POST.get("action") == "unfollow":
        services.follow_remove(user=request.user, target_kind=kind, target=target)
        messages.success(request, f"You no longer follow “{target.name}”.")
    else:
        services.follow_add(user=request.user, target_kind=kind, target=target)
        frequency = services.digest_subscription(user=request.user).get_frequency_display()
        messages.success(request, f"You follow “{target.name}”. Digest: {frequency.lower()}.")
    return redirect(next_url(request, reverse("library:following")))


@login_required
@require_http_methods(["GET", "POST"])
def following(request):
    """What the member follows, and how often they get the digest."""
    subscription = services.digest_subscription(user=request.user)
    if request.method == "POST":
        form = DigestForm(request.POST)
        if form.is_valid():
            services.digest_set_frequency(
                user=request.user, frequency=form.cleaned_data["frequency"]
            )
            messages.success(request, "Saved how often you get the digest.")
            return redirect("library:following")
    else:
        form = DigestForm(initial={"frequency": subscription.frequency})
    follows = Follow.objects.for_user(request.user).select_related("tag", "category", "group")
    return render(
        request,
        "library/following.html",
        {"follows": follows, "form": form, "subscription": subscription},
    )


@csrf_exempt  # the signed token is what authorises it; mail clients POST without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """
    Stop the digest, signed out. GET shows a one-button page (mail scanners
    follow links); POST, from that button or a mail client's one-click
    unsubscribe (RFC 8058), turns the digest off. An altered link is refused.
    """
    try:
        signing.loads(token, salt=services.UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return render(request, "library/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        # An account deleted since the mail was sent gets nothing more anyway.
        with contextlib.suppress(DigestSubscription.DoesNotExist):
            services.digest_unsubscribe(token=token)
        done = True
    return render(request, "library/unsubscribe.html", {"token": token, "done": done})


# A member's own data.


@login_required
@require_GET
def my_data(request):
    """Download everything held about the member, or delete the account."""
    return render(request, "library/my_data.html", {"form": AccountDeleteForm(user=request.user)})


@login_required
@require_GET
def my_data_export(request):
    """Everything the site holds about the member, as a JSON file."""
    data = services.account_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{request.user.username}-awesome-data.json"'
    )
    return response


@login_required
@require_POST
def account_delete(request):
    """Delete the member's account, after their password (or typed confirmation)."""
    form = AccountDeleteForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "library/my_data.html", {"form": form}, status=400)
    user = request.user
    logout(request)
    services.account_delete(user=user)
    messages.success(request, "Your account and everything that was yours alone are deleted.")
    return redirect("catalog:home")
