"""The metadata providers against recorded answers served on loopback."""

import time

import pytest

from catalog.sources import arxiv, crossref, github, openreview
from catalog.sources.base import LookupStatus
from catalog.sources.lookup import identity_keys, look_up_url

pytestmark = pytest.mark.usefixtures("source_server")


def test_arxiv_paper_found_with_latest_version_and_journal_reference():
    lookup = arxiv.look_up("2309.08600", deadline=5)

    work = lookup.work
    assert lookup.status == LookupStatus.FOUND
    assert work.canonical_key == "arxiv:2309.08600"
    assert work.title == "Sparse Autoencoders Find Highly Interpretable Features in Language Models"
    assert work.authors[:2] == ("Hoagy Cunningham", "Aidan Ewart") and len(work.authors) == 5
    assert (work.year, work.version, work.journal_ref) == (2023, 3, "ICLR 2024")
    assert work.abstract.startswith("One of the roadblocks") and "\n" not in work.abstract
    assert not work.withdrawn


def test_arxiv_new_feed_format_keeps_unicode_authors():
    work = arxiv.look_up("2408.05147", deadline=5).work

    assert "János Kramár" in work.authors
    assert (work.year, work.version, work.journal_ref) == (2024, 2, "")


def test_arxiv_withdrawn_paper_is_marked():
    work = arxiv.look_up("2401.99999", deadline=5).work

    assert work.withdrawn
    assert work.authors == ("Zoë Ångström", "Łukasz Wiśniewski", "李 明")


def test_arxiv_unknown_and_malformed_identifiers_are_not_found():
    assert arxiv.look_up("2501.00000", deadline=5).status == LookupStatus.NOT_FOUND
    # arXiv answers a malformed identifier with HTTP 200 and an entry titled "Error".
    assert arxiv.look_up("1234.1", deadline=5).status == LookupStatus.NOT_FOUND


def test_arxiv_several_papers_in_one_request(source_server):
    lookups = arxiv.look_up_many(["2309.08600", "2408.05147", "2501.00000"], deadline=5)

    assert lookups["2309.08600"].work.version == 3
    assert lookups["2408.05147"].work.title.startswith("Gemma Scope")
    assert lookups["2501.00000"].status == LookupStatus.NOT_FOUND
    assert len(source_server.state.hits) == 1


def test_arxiv_throttling_is_rate_limited():
    lookup = arxiv.look_up("2501.00503", deadline=5)

    assert lookup.status == LookupStatus.RATE_LIMITED
    assert lookup.retry_after == 3


def test_crossref_work_with_its_arxiv_preprint():
    lookup = crossref.look_up("10.1162/coli_a_00422", deadline=5)

    work = lookup.work
    assert work.canonical_key == "doi:10.1162/coli_a_00422"
    assert work.title == "Probing Classifiers: Promises, Shortcomings, and Advances"
    assert (work.authors, work.year, work.venue) == (
        ("Yonatan Belinkov",),
        2022,
        "Computational Linguistics",
    )
    assert work.abstract.startswith("Abstract Probing classifiers") and "<" not in work.abstract
    assert "—a classifier" in work.abstract
    assert lookup.aliases == ("arxiv:2102.12452",)


def test_crossref_unknown_doi_is_not_found():
    assert crossref.look_up("10.1000/nothing", deadline=5).status == LookupStatus.NOT_FOUND


def test_openreview_note():
    work = openreview.look_up("Hf17y6u9BC", deadline=5).work

    assert work.canonical_key == "openreview:Hf17y6u9BC"
    assert work.authors == ("Fred Zhang", "Neel Nanda")
    assert (work.year, work.venue) == (2024, "ICLR 2024 poster")


def test_openreview_unknown_note_is_not_found():
    assert openreview.look_up("nothing", deadline=5).status == LookupStatus.NOT_FOUND


def test_github_repository_with_release():
    lookup = github.look_up("transformerlensorg", "transformerlens", deadline=5)

    repository = lookup.work.repository
    assert repository.full_name == "TransformerLensOrg/TransformerLens"
    assert (repository.stars, repository.archived, repository.license) == (2874, False, "MIT")
    assert repository.latest_release == "v2.16.1" and repository.latest_release_at is not None
    assert lookup.work.canonical_key == "github:transformerlensorg/transformerlens"


def test_github_renamed_repository_answers_with_its_new_name(source_server):
    lookup = github.look_up("neelnanda-io", "transformerlens", deadline=5)

    assert lookup.work.repository.full_name == "TransformerLensOrg/TransformerLens"
    assert lookup.work.canonical_key == "github:transformerlensorg/transformerlens"
    assert "/github/repositories/526207839" in [path for _, path in source_server.state.hits]


def test_github_archived_repository_without_licence_or_release():
    archived = github.look_up("ai-safety-foundation", "sparse_autoencoder", deadline=5)
    idle = github.look_up("bizarrecake", "fmr.ai", deadline=5)

    assert archived.work.repository.archived
    assert (idle.work.repository.license, idle.work.repository.latest_release) == ("", "")


def test_github_rate_limits_give_when_to_retry():
    spent = github.look_up("ratelimited", "repo", deadline=5)
    throttled = github.look_up("throttled", "repo", deadline=5)

    assert spent.status == throttled.status == LookupStatus.RATE_LIMITED
    assert 1700 < spent.retry_after <= 1800
    assert throttled.retry_after == 60


def test_github_missing_repository_is_not_found():
    assert github.look_up("missing", "repo", deadline=5).status == LookupStatus.NOT_FOUND


def test_github_token_is_sent_only_to_the_api(source_server, settings, monkeypatch):
    settings.GITHUB_TOKEN = "secret-token"
    seen = []
    from catalog.sources import http

    real_fetch = http.fetch

    def spying_fetch(url, **options):
        seen.append((url, options.get("headers", {}).get("Authorization")))
        return real_fetch(url, **options)

    monkeypatch.setattr(github, "fetch", spying_fetch)
    github.look_up("neelnanda-io", "transformerlens", deadline=5, with_release=False)

    assert [auth for _, auth in seen] == ["Bearer secret-token", "Bearer secret-token"]
    assert all(url.startswith(settings.GITHUB_API_URL) for url, _ in seen)


def test_look_up_url_maps_an_arxiv_doi_to_the_paper():
    lookup = look_up_url("https://doi.org/10.48550/arXiv.2309.08600")

    assert lookup.work.canonical_key == "arxiv:2309.08600"


def test_look_up_url_remembers_a_renamed_repository():
    url = "https://github.com/neelnanda-io/TransformerLens"
    assert identity_keys(url) == {"github:neelnanda-io/transformerlens"}

    look_up_url(url)

    assert identity_keys(url) == {
        "github:neelnanda-io/transformerlens",
        "github:transformerlensorg/transformerlens",
    }


def test_look_up_url_of_any_other_site_sends_nothing(source_server):
    lookup = look_up_url("https://transformer-circuits.pub/2023/monosemantic-features/")

    assert lookup.status == LookupStatus.UNSUPPORTED
    assert source_server.state.hits == []


def test_look_up_url_gives_up_at_the_deadline(source_server, settings):
    from tests.sources.source_server import point_settings_at

    point_settings_at(settings, source_server.url, slow=True)
    started = time.monotonic()

    lookup = look_up_url("https://arxiv.org/abs/2408.05147", deadline=1.0)

    assert lookup.status == LookupStatus.UNAVAILABLE
    assert time.monotonic() - started < 1.5
