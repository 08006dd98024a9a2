"""
Proposals and "my proposals". Every view needs a logged-in account; sending a
proposal also needs a confirmed email address.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import verified_email_required
from catalog.models import Resource
from submissions.forms import BrokenLinkForm, ProposalForm
from submissions.models import Submission, resource_values
from submissions.services import (
    DuplicateWork,
    SubmissionError,
    submission_create,
    submission_quota,
    submission_resubmit,
    submission_withdraw,
)

Kind = Submission.Kind


def create(request):
    """
    Propose a new resource. A visitor who is not logged in is told why an
    account is needed, with the ways to get one; an account needs a confirmed
    address. The remaining quota shows above the form, which is not offered
    when none is left.
    """
    if not request.user.is_authenticated:
        return render(request, "submissions/needs_account.html", status=200)
    return _create_for_member(request)


@verified_email_required
def _create_for_member(request):
    quota = submission_quota(submitter=request.user)
    if quota.exhausted:
        return render(request, "submissions/proposal_form.html", {"kind": Kind.NEW, "quota": quota})
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _submit(
            request,
            form,
            lambda: submission_create(
                submitter=request.user,
                kind=Kind.NEW,
                values=form.values(),
                note=form.cleaned_data["note"],
            ),
        )
        if response:
            return response
    return render(
        request, "submissions/proposal_form.html", {"form": form, "kind": Kind.NEW, "quota": quota}
    )


@login_required
@verified_email_required
def correct(request, slug):
    """Propose a correction to a published resource, starting from its current values."""
    resource = get_object_or_404(Resource.objects.published().with_related(), slug=slug)
    form = ProposalForm(
        request.POST or None,
        initial=ProposalForm.initial_from(resource_values(resource)),
        resource=resource,
    )
    if request.method == "POST" and form.is_valid():
        response = _submit(
            request,
            form,
            lambda: submission_create(
                submitter=request.user,
                kind=Kind.CORRECTION,
                resource=resource,
                values=form.values(),
                note=form.cleaned_data["note"],
            ),
        )
        if response:
            return response
    return render(
        request,
        "submissions/proposal_form.html",
        {"form": form, "kind": Kind.CORRECTION, "resource": resource},
    )


@login_required
@verified_email_required
def report(request, slug):
    """Report that a published resource's link is broken. Accounts with a confirmed address."""
    resource = get_object_or_404(Resource.objects.published(), slug=slug)
    form = BrokenLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _submit(
            request,
            form,
            lambda: submission_create(
                submitter=request.user,
                kind=Kind.BROKEN_LINK,
                resource=resource,
                values={},
                problem=form.cleaned_data["problem"],
                note=form.cleaned_data["note"],
            ),
        )
        if response:
            return response
    return render(request, "submissions/report_form.html", {"form": form, "resource": resource})


@login_required
def mine(request):
    """The logged-in account's own proposals, newest first, with state and the curators' note."""
    submissions = (
        Submission.objects.for_user(request.user)
        .select_related("resource", "category")
        .order_by("-created_at", "-id")
    )
    page = Paginator(submissions, 25).get_page(request.GET.get("page"))
    return render(request, "submissions/mine.html", {"page": page})


@login_required
@verified_email_required
def edit(request, pk):
    """Edit and resubmit a proposal sent back for changes. Its submitter only; others get 404."""
    submission = get_object_or_404(Submission.objects.for_user(request.user), pk=pk)
    if not submission.can_be_edited:
        messages.error(
            request,
            f"“{submission.headline}” is {submission.get_state_display().lower()}: only a "
            "proposal sent back for changes can be edited.",
        )
        return redirect("submissions:mine")
    if submission.kind == Kind.BROKEN_LINK:
        form = BrokenLinkForm(
            request.POST or None, initial={"problem": submission.problem, "note": submission.note}
        )
        values = dict
        template = "submissions/report_form.html"
    else:
        form = ProposalForm(
            request.POST or None,
            initial={
                **ProposalForm.initial_from(submission.proposed_values()),
                "note": submission.note,
            },
            resource=submission.resource if submission.kind == Kind.CORRECTION else None,
        )
        values = form.values
        template = "submissions/proposal_form.html"
    if request.method == "POST" and form.is_valid():
        response = _submit(
            request,
            form,
            lambda: submission_resubmit(
                submission=submission,
                user=request.user,
                values=values(),
                note=form.cleaned_data["note"],
                problem=form.cleaned_data.get("problem", ""),
            ),
            success="Resubmitted: your proposal is waiting for review again.",
        )
        if response:
            return response
    context = {
        "form": form,
        "kind": submission.kind,
        "resource": submission.resource,
        "submission": submission,
    }
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
def withdraw(request, pk):
    """
    Ask, then withdraw a pending proposal (POST), which cannot be undone. Its
    submitter only; others get 404.
    """
    submission = get_object_or_404(Submission.objects.for_user(request.user), pk=pk)
    if request.method == "GET":
        if not submission.can_be_withdrawn:
            messages.error(request, f"“{submission.headline}” can no longer be withdrawn.")
            return redirect("submissions:mine")
        return render(request, "submissions/withdraw_confirm.html", {"submission": submission})
    try:
        submission_withdraw(submission=submission, user=request.user)
    except SubmissionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Withdrawn: “{submission.headline}”.")
    return redirect("submissions:mine")


def _submit(request, form, send, success=None):
    """Run ``send``; on success redirect, on a refusal put the reason on the form."""
    try:
        send()
    except DuplicateWork as error:
        form.add_error("url" if "url" in form.fields else None, error.message)
        form.duplicate = error.resource
        form.duplicate_proposal = error.proposal
        return None
    except SubmissionError as error:
        form.add_error(None, error.message)
        return None
    messages.success(
        request,
        success or "Thank you: your proposal is waiting for review. You will hear by email.",
    )
    return redirect("submissions:mine")
