"""Citations of filtered lists and of single works, as BibTeX and RIS files."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from catalog.citations import (
    CITABLE_CATEGORIES,
    bibtex,
    bibtex_file,
    is_citable,
    ris,
    ris_file,
)
from catalog.models import Resource
from catalog.selectors import citation_keys_for, facets_for, listed, resource_query

BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"
RIS_TYPE = "application/x-research-info-systems; charset=utf-8"


def citable_resources(request):
    """The papers and surveys of the list page for these filters, and its notices."""
    query = resource_query(request.GET, facets=facets_for(request))
    resources = query.resources.filter(category__slug__in=CITABLE_CATEGORIES)
    return list(resources), query.notices, query.params


def file_response(text, content_type, filename):
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def resources_bibtex(request):
    """
    BibTeX for the papers and surveys of any filtered list (the list page's
    parameters), with keys unique and stable across the catalog. Public.
    """
    resources, notices, kept = citable_resources(request)
    query = kept.urlencode()
    header = [
        f"{len(resources)} paper(s) and survey(s) from {request.build_absolute_uri('/')}",
        f"filters: {query or 'none'}",
        *notices,
    ]
    text = bibtex_file(resources, citation_keys_for(request), header)
    return file_response(text, BIBTEX_TYPE, "resources.bib")


@require_safe
def resources_ris(request):
    """The same list as ``resources_bibtex``, as RIS. Public."""
    resources, _, _ = citable_resources(request)
    return file_response(ris_file(resources, citation_keys_for(request)), RIS_TYPE, "resources.ris")


def citation_response(request, slug, cite, content_type, extension):
    """One published paper's or survey's citation, as a file; anything else is a 404."""
    resource = get_object_or_404(listed(Resource.objects.published()), slug=slug)
    if not is_citable(resource):
        return HttpResponse(
            "Only papers and surveys have a citation.\n", status=404, content_type="text/plain"
        )
    text = cite(resource, key=citation_keys_for(request).get(resource.pk))
    return file_response(text, content_type, f"{resource.slug}.{extension}")


@require_safe
def resource_bibtex(request, slug):
    """The BibTeX entry of a published paper or survey, as a file. Public."""
    return citation_response(request, slug, bibtex, BIBTEX_TYPE, "bib")


@require_safe
def resource_ris(request, slug):
    """The RIS record of a published paper or survey, as a file. Public."""
    return citation_response(request, slug, ris, RIS_TYPE, "ris")
