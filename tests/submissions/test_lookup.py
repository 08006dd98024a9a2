"""
The proposal form's look-up and /api/lookup/, against arXiv, Crossref,
OpenReview and GitHub served on loopback from recorded answers.
"""

import re
import socket
import time

import pytest
from django.urls import reverse

from catalog.services.metadata_refresh import metadata_refresh
from submissions.models import Submission
from tests.factories import CategoryFactory, ResourceFactory, SubmissionFactory
from tests.sources.source_server import point_settings_at

pytestmark = pytest.mark.django_db

LOOKUP = "/submit/lookup/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def papers(db):
    return CategoryFactory(name="Papers", slug="papers")


@pytest.fixture
def tools(db):
    return CategoryFactory(name="Tools", slug="tools")


def look_up(client, url, **fields):
    return client.post(LOOKUP, {"url": url, **fields}, **HTMX).content.decode()


def swapped_value(html, field_id):
    """The value of the input swapped in for ``field_id``, or None when none is."""
    match = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', html)
    if match is None or 'hx-swap-oob="true"' not in match[0]:
        return None
    value = re.search(r'value="([^"]*)"', match[0])
    return value[1] if value else ""


def test_pasting_a_listed_papers_pdf_v2_says_already_listed_before_asking_arxiv(
    source_server, user_client, papers
):
    listed = ResourceFactory(
        category=papers, url="https://arxiv.org/abs/2309.08600", title="Sparse Autoencoders"
    )

    html = look_up(user_client, "https://arxiv.org/pdf/2309.08600v2")

    assert "Already listed" in html and listed.get_absolute_url() in html
    assert swapped_value(html, "id_title") is None
    assert source_server.state.hits == []


def test_pasting_a_new_arxiv_url_fills_title_authors_year_and_shows_the_abstract(
    source_server, user_client, papers
):
    html = look_up(user_client, "https://arxiv.org/abs/2408.05147v1")

    assert swapped_value(html, "id_title") == (
        "Gemma Scope: Open Sparse Autoencoders Everywhere All At Once on Gemma 2"
    )
    assert "János Kramár" in swapped_value(html, "id_authors")
    assert swapped_value(html, "id_year") == "2024"
    assert "Found on arXiv: filled in title, authors, year" in html
    assert "Sparse autoencoders (SAEs) are an unsupervised method" in html
    # The description stays the proposer's own words.
    assert swapped_value(html, "id_description") is None


def test_look_up_keeps_what_the_proposer_typed(source_server, user_client, papers):
    html = look_up(user_client, "https://arxiv.org/abs/2408.05147", title="Gemma Scope", year="")

    assert swapped_value(html, "id_title") is None
    assert swapped_value(html, "id_year") == "2024"


def test_look_up_without_javascript_gives_the_form_back_filled_in(
    source_server, user_client, papers
):
    response = user_client.post(
        LOOKUP,
        {"url": "https://arxiv.org/abs/2408.05147", "description": "Mine.", "category": papers.pk},
    )

    html = response.content.decode()
    assert response.templates[0].name == "submissions/proposal_form.html"
    assert 'value="Gemma Scope: Open Sparse Autoencoders' in html
    assert ">\nMine.</textarea>" in html
    assert f'<option value="{papers.pk}" selected>' in html
    assert "Look up</button>" in html and "field--error" not in html


def test_proposal_form_offers_the_look_up_under_the_url_field(user_client, papers):
    html = user_client.get(reverse("submissions:create")).content.decode()

    assert html.index('name="url"') < html.index('formaction="/submit/lookup/"')
    assert html.index('formaction="/submit/lookup/"') < html.index('name="title"')
    assert 'hx-trigger="input changed delay:400ms from:#id_url"' in html
    assert "htmx-2.0.11" in html


def test_arxiv_doi_of_a_listed_paper_is_caught(source_server, user_client, papers):
    ResourceFactory(category=papers, url="https://arxiv.org/abs/2509.25045")

    html = look_up(user_client, "https://doi.org/10.48550/arXiv.2509.25045")
    response = user_client.post(
        reverse("submissions:create"),
        {
            "url": "https://doi.org/10.48550/arXiv.2509.25045",
            "title": "The same paper",
            "description": "Again.",
            "category": papers.pk,
        },
    )

    assert "Already listed" in html
    assert "already in the catalog" in response.content.decode()
    assert not Submission.objects.exists()


def test_renamed_repository_is_caught_under_its_new_name(source_server, user_client, tools):
    ResourceFactory(category=tools, url="https://github.com/neelnanda-io/TransformerLens")
    metadata_refresh()  # the nightly refresh learns the repository's current name

    html = look_up(user_client, "https://github.com/TransformerLensOrg/TransformerLens")

    assert "Already listed" in html


def test_renamed_repository_is_caught_under_its_old_name(source_server, user_client, tools):
    ResourceFactory(category=tools, url="https://github.com/TransformerLensOrg/TransformerLens")

    html = look_up(user_client, "https://github.com/neelnanda-io/TransformerLens")
    response = user_client.post(
        reverse("submissions:create"),
        {
            "url": "https://github.com/neelnanda-io/TransformerLens",
            "title": "TransformerLens",
            "description": "Again.",
            "category": tools.pk,
        },
    )

    assert "Already listed" in html
    assert "already in the catalog" in response.content.decode()


def test_a_work_already_proposed_is_named_at_once(source_server, user_client, papers):
    SubmissionFactory(url="https://arxiv.org/abs/2408.05147", category=papers)

    html = look_up(user_client, "https://arxiv.org/pdf/2408.05147.pdf")

    assert "already been proposed" in html
    assert source_server.state.hits == []


def test_near_identical_title_is_flagged(source_server, user_client, papers):
    ResourceFactory(
        category=papers,
        url="https://deepmind.google/gemma-scope",
        title="Gemma Scope: open sparse autoencoders everywhere all at once on Gemma-2",
    )

    html = look_up(user_client, "https://arxiv.org/abs/2408.05147")

    assert "Possibly listed already under a near-identical title" in html
    assert swapped_value(html, "id_title") is not None


def test_look_up_of_another_site_asks_nobody(source_server, user_client):
    html = look_up(user_client, "https://transformer-circuits.pub/2023/monosemantic-features/")

    assert "only arXiv, DOI, OpenReview and GitHub addresses are looked up" in html
    assert source_server.state.hits == []


def test_look_up_needs_an_account(client):
    response = client.post(LOOKUP, {"url": "https://arxiv.org/abs/2408.05147"})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_api_lookup_answers_with_the_work_and_its_duplicate(source_server, user_client, papers):
    listed = ResourceFactory(category=papers, url="https://arxiv.org/abs/2309.08600")

    new = user_client.get("/api/lookup/", {"url": "https://arxiv.org/abs/2408.05147"}).json()
    duplicate = user_client.get("/api/lookup/", {"url": "https://arxiv.org/pdf/2309.08600"}).json()

    assert {
        key: new[key] for key in ("canonical_key", "year", "venue", "code_url", "duplicate_of")
    } == {
        "canonical_key": "arxiv:2408.05147",
        "year": 2024,
        "venue": "",
        "code_url": "",
        "duplicate_of": None,
    }
    assert new["title"].startswith("Gemma Scope") and "János Kramár" in new["authors"]
    assert new["abstract"].startswith("Sparse autoencoders (SAEs)")
    assert duplicate["duplicate_of"]["kind"] == "listed"
    assert duplicate["duplicate_of"]["slug"] == listed.slug
    assert duplicate["canonical_key"] == "arxiv:2309.08600"


def test_api_lookup_of_a_crossref_doi(source_server, user_client):
    data = user_client.get("/api/lookup/", {"url": "https://doi.org/10.1162/COLI_a_00422"}).json()

    assert (data["title"], data["authors"], data["year"], data["venue"]) == (
        "Probing Classifiers: Promises, Shortcomings, and Advances",
        ["Yonatan Belinkov"],
        2022,
        "Computational Linguistics",
    )


def test_api_lookup_of_an_openreview_forum(source_server, user_client):
    data = user_client.get(
        "/api/lookup/", {"url": "https://openreview.net/forum?id=Hf17y6u9BC"}
    ).json()

    assert (data["canonical_key"], data["venue"]) == (
        "openreview:Hf17y6u9BC",
        "ICLR 2024 poster",
    )


def test_api_lookup_refuses_visitors_and_bad_addresses(source_server, client, user_client):
    anonymous = client.__class__().get("/api/lookup/", {"url": "https://arxiv.org/abs/2408.05147"})
    empty = user_client.get("/api/lookup/")
    local = user_client.get("/api/lookup/", {"url": "http://127.0.0.1:8000/admin/"})

    assert anonymous.status_code == 401 and "Log in" in anonymous.json()["detail"]
    assert empty.status_code == 400
    assert local.status_code == 400 and "local or private network" in local.json()["detail"]
    assert source_server.state.hits == []


def test_api_lookup_is_rate_limited_per_account(source_server, user_client, settings):
    settings.LOOKUP_RATE_PER_MINUTE = 2
    url = {"url": "https://github.com/ratelimited/repo"}

    answers = [user_client.get("/api/lookup/", url) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[0].json()["status"] == "rate_limited"  # GitHub's own limit, said plainly
    assert answers[2]["Retry-After"] == "60"


def test_api_lookup_gives_up_after_five_seconds_on_a_slow_source(
    source_server, user_client, settings
):
    point_settings_at(settings, source_server.url, slow=True)  # answers after 10 s
    assert settings.LOOKUP_DEADLINE_SECONDS == 5
    started = time.monotonic()

    data = user_client.get("/api/lookup/", {"url": "https://arxiv.org/abs/2408.05147"}).json()

    elapsed = time.monotonic() - started
    assert data["status"] == "unavailable" and data["title"] is None
    assert 4.5 < elapsed < 6.0


def test_no_page_but_the_look_ups_opens_a_connection(
    source_server, user_client, papers, monkeypatch, staff_user
):
    staff_client = user_client.__class__()
    staff_client.force_login(staff_user)
    resource = ResourceFactory(category=papers, url="https://arxiv.org/abs/2309.08600")
    connections = []
    real = socket.create_connection

    def recording(address, *args, **kwargs):
        connections.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    user_client.get(reverse("submissions:create"))
    user_client.post(
        reverse("submissions:create"),
        {
            "url": "https://arxiv.org/abs/2408.05147",
            "title": "Gemma Scope",
            "description": "Open SAEs.",
            "category": papers.pk,
        },
    )
    for path in ("/resources/", resource.get_absolute_url(), "/api/resources/", "/"):
        assert user_client.get(path).status_code == 200
    assert staff_client.get("/admin/data-quality/").status_code == 200
    assert connections == []

    look_up(user_client, "https://github.com/BizarreCake/fmr.ai")

    assert len(connections) == 1


def test_an_unfinished_address_says_nothing_while_typed_but_does_on_the_button(user_client):
    live = user_client.post(LOOKUP, {"url": "https://arx"}, HTTP_HX_TRIGGER="lookup-result", **HTMX)
    pressed = user_client.post(LOOKUP, {"url": "arxiv"}, HTTP_HX_TRIGGER="lookup-button", **HTMX)

    assert "lookup__message" not in live.content.decode()
    assert "Enter a full web address" in pressed.content.decode()


def test_only_look_ups_that_ask_a_source_count_against_the_rate(
    source_server, user_client, papers, settings
):
    settings.LOOKUP_RATE_PER_MINUTE = 1
    ResourceFactory(category=papers, url="https://arxiv.org/abs/2309.08600")
    for _ in range(3):  # listed: answered without asking arXiv
        assert "Already listed" in look_up(user_client, "https://arxiv.org/abs/2309.08600")

    first = look_up(user_client, "https://github.com/BizarreCake/fmr.ai")
    second = look_up(user_client, "https://arxiv.org/abs/2408.05147")

    assert "Found on GitHub" in first
    assert "looked up many addresses in a short time" in second
