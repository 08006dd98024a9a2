import pytest

from catalog.canonical import canonical_key

# Each group of URLs names one work and must give one key.
SAME_WORK = {
    "scheme and www": [
        "https://www.example.org/post",
        "http://example.org/post",
        "example.org/post",
    ],
    "trailing slash and index.html": [
        "https://transformer-circuits.pub/2023/monosemantic-features/index.html",
        "https://transformer-circuits.pub/2023/monosemantic-features/",
        "https://transformer-circuits.pub/2023/monosemantic-features",
    ],
    "tracking parameters": [
        "https://www.quantamagazine.org/a-new-approach-20230413/?mc_cid=ad9a93c472&mc_eid=506130a407",
        "https://www.quantamagazine.org/a-new-approach-20230413/?utm_source=x&utm_medium=email",
        "https://www.quantamagazine.org/a-new-approach-20230413/?ref=newsletter",
        "https://www.quantamagazine.org/a-new-approach-20230413/",
    ],
    "host case, default port, fragment": [
        "https://Bbycroft.NET:443/llm#intro",
        "https://bbycroft.net/llm",
    ],
    "arxiv abs, pdf, pdf.pdf, versions": [
        "https://arxiv.org/abs/2309.08600",
        "https://arxiv.org/pdf/2309.08600",
        "https://arxiv.org/pdf/2309.08600.pdf",
        "https://arxiv.org/abs/2309.08600v2",
        "http://www.arxiv.org/pdf/2309.08600v3.pdf",
        "https://export.arxiv.org/abs/2309.08600",
        "https://arxiv.org/html/2309.08600v1",
    ],
    "arxiv old-style identifiers": [
        "https://arxiv.org/abs/hep-th/9901001",
        "https://arxiv.org/pdf/hep-th/9901001v2.pdf",
    ],
    "openreview forum and pdf": [
        "https://openreview.net/forum?id=v675Iyu0ta",
        "https://openreview.net/pdf?id=v675Iyu0ta",
        "https://openreview.net/forum?id=v675Iyu0ta&noteId=abc123",
    ],
    "doi.org and dx.doi.org": [
        "https://doi.org/10.1162/coli_a_00416",
        "http://dx.doi.org/10.1162/COLI_A_00416",
        "https://doi.org/10.1162%2Fcoli_a_00416",
    ],
    "github owner and repository case, .git": [
        "https://github.com/neelnanda-io/TransformerLens",
        "https://github.com/neelnanda-io/transformerlens.git",
        "https://github.com/neelnanda-io/TransformerLens/",
    ],
    "query parameter order": [
        "https://example.org/search?b=2&a=1",
        "https://example.org/search?a=1&b=2",
    ],
}

EXPECTED_KEYS = {
    "https://arxiv.org/pdf/2305.11426.pdf": "arxiv:2305.11426",
    "https://openreview.net/pdf?id=kvcbV8KQsi": "openreview:kvcbV8KQsi",
    "https://dx.doi.org/10.1162/coli_a_00416": "doi:10.1162/coli_a_00416",
    "https://www.quantamagazine.org/a/?mc_cid=1&page=2": "quantamagazine.org/a?page=2",
    "https://pair-code.github.io/lit/": "pair-code.github.io/lit",
    "https://example.org:8080/x/": "example.org:8080/x",
    "https://example.org/": "example.org",
}

# Different works that a careless rule would fold together.
DIFFERENT_WORKS = [
    ("https://arxiv.org/abs/2304.01373", "https://arxiv.org/abs/2310.11207"),
    ("https://openreview.net/forum?id=v675Iyu0ta", "https://openreview.net/forum?id=SQGUDc9tC8"),
    ("https://example.org/search?q=sae", "https://example.org/search?q=circuits"),
    ("https://example.org/Post", "https://example.org/post"),
    ("https://lesswrong.com/s/yivyHaCAmMJ3CqSyj", "https://lesswrong.com/s/other"),
]


@pytest.mark.parametrize("case", SAME_WORK)
def test_canonical_key_same_work_gives_one_key(case):
    keys = {canonical_key(url) for url in SAME_WORK[case]}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(("url", "expected"), EXPECTED_KEYS.items())
def test_canonical_key_has_expected_form(url, expected):
    assert canonical_key(url) == expected


@pytest.mark.parametrize(("first", "second"), DIFFERENT_WORKS)
def test_canonical_key_different_works_stay_apart(first, second):
    assert canonical_key(first) != canonical_key(second)


@pytest.mark.parametrize("url", ["https://example.org:abc/x", "   https://example.org/x  ", ""])
def test_canonical_key_odd_input_does_not_raise(url):
    assert isinstance(canonical_key(url), str)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://doi.org/10.48550/arXiv.2509.25045", "arxiv:2509.25045"),
        ("https://dx.doi.org/10.48550/ARXIV.2509.25045v2", "arxiv:2509.25045"),
        (
            "https://github.com/neelnanda-io/TransformerLens.git",
            "github:neelnanda-io/transformerlens",
        ),
        ("https://github.com/openai/automated-interpretability/tree/main", None),
        ("https://github.com/orgs/TransformerLensOrg", None),
    ],
)
def test_canonical_key_of_arxiv_dois_and_repositories(url, key):
    if key is None:  # deeper pages and GitHub's own pages stay addresses
        assert not canonical_key(url).startswith("github:")
    else:
        assert canonical_key(url) == key
