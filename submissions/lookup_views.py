"""
The look-up of a pasted address, for the proposal form (htmx, or a plain
"Look up" button) and as JSON at ``/api/lookup/``. Logged-in accounts only,
so many a minute each (``settings.LOOKUP_RATE_PER_MINUTE``): these are the
only requests that wait on another server, under one deadline
(``settings.LOOKUP_DEADLINE_SECONDS``).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from submissions.forms import ProposalForm
from submissions.lookup import ProposalLookup, lookup_allowed, proposal_lookup
from submissions.models import Submission

# What a look-up may fill in, when the proposer left it empty. Never the
# description: that stays the proposer's own words.
FILLED_FIELDS = ("title", "authors", "year", "venue", "code_url")
TOO_MANY = "You have looked up many addresses in a short time: wait a minute, or fill the form in."


def _look_up(request, url: str) -> ProposalLookup:
    # Only look-ups that would ask a source count against the account's rate.
    return proposal_lookup(
        url=url,
        may_ask=lambda: lookup_allowed(request.user, per_minute=settings.LOOKUP_RATE_PER_MINUTE),
    )


def fills(lookup: ProposalLookup, form: ProposalForm, posted) -> dict:
    """The form's empty fields that the work's source can fill, with their values."""
    work = lookup.work
    if work is None or lookup.duplicate:
        return {}
    values = {
        "title": work.title,
        "authors": ", ".join(work.authors),
        "year": work.year,
        "venue": work.venue,
        "code_url": work.code_url,
    }
    return {
        name: values[name]
        for name in FILLED_FIELDS
        if name in form.fields and values[name] and not (posted.get(name) or "").strip()
    }


@require_POST
@login_required
def lookup(request):
    """
    Look up the proposal form's URL (POST with the form's fields). An htmx
    request gets the result, with the empty fields it can fill swapped in out
    of band; the plain button gets the whole form back, filled in.
    """
    result = _look_up(request, request.POST.get("url", ""))
    empty_form = ProposalForm()
    filled = fills(result, empty_form, request.POST)
    if request.headers.get("HX-Request") == "true":
        form = ProposalForm(initial=filled)
        context = {
            "lookup": result,
            # While the address is being typed, an unfinished one is not worth a word.
            "live": request.headers.get("HX-Trigger") == "lookup-result",
            "filled": [form[name] for name in filled],
            # Each filled input is sent out of band, by its id; site.js copies
            # its value into the form's field if that is still empty.
            "swapped": [
                form[name].as_widget(attrs={"hx-swap-oob": "true", "data-lookup-fill": ""})
                for name in filled
            ],
        }
        return render(request, "submissions/includes/lookup_result.html", context)
    initial = {
        name: request.POST.getlist(name) if name == "groups" else request.POST.get(name, "")
        for name in empty_form.fields
    }
    form = ProposalForm(initial=initial | filled)
    context = {
        "form": form,
        "kind": Submission.Kind.NEW,
        "lookup": result,
        "filled": [form[name] for name in filled],
    }
    return render(request, "submissions/proposal_form.html", context)


@never_cache
@require_GET
def api_lookup(request):
    """
    ``GET /api/lookup/?url=…``: the work at an address, as its source describes
    it, and whether it is already listed or proposed. Logged-in accounts.
    """
    if not request.user.is_authenticated:
        return _json({"detail": "Log in to look works up."}, 401)
    url = request.GET.get("url", "").strip()
    if not url:
        return _json({"detail": "Give the address to look up: /api/lookup/?url=…"}, 400)
    result = _look_up(request, url)
    if result.throttled:
        response = _json({"detail": TOO_MANY}, 429)
        response["Retry-After"] = "60"
        return response
    if result.error:
        return _json({"detail": result.error}, 400)
    return _json(result.as_json(request))


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
