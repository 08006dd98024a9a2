"""
Canonical keys: one string per work, whatever form its URL takes.

Two URLs that lead to the same work give the same key, so the catalog can
refuse duplicates: ``https://arxiv.org/pdf/2309.08600v2.pdf`` and
``http://www.arxiv.org/abs/2309.08600`` are one paper. The key is for
comparison only; the URL a curator entered is what the site links to.
"""

import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that track a click and never change what the page shows.
TRACKING_PARAMETERS = frozenset(
    {
        "ref",
        "ref_src",
        "ref_url",
        "mc_cid",
        "mc_eid",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "si",
    }
)
TRACKING_PREFIXES = ("utm_",)

ARXIV_HOSTS = frozenset({"arxiv.org", "export.arxiv.org"})
# New-style identifiers (2309.08600) and old-style ones (hep-th/9901001),
# each optionally versioned (v2), optionally followed by ".pdf".
ARXIV_PATH = re.compile(
    r"^/(?:abs|pdf|html|format)/"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})"
    r"(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)
OPENREVIEW_HOSTS = frozenset({"openreview.net"})
OPENREVIEW_PATHS = frozenset({"/forum", "/pdf", "/attachment"})
DOI_HOSTS = frozenset({"doi.org", "dx.doi.org"})
# arXiv's own DOIs (10.48550/arXiv.2509.25045) name the arXiv paper.
ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>\d{4}\.\d{4,5})(?:v\d+)?$")
GITHUB_HOSTS = frozenset({"github.com"})
# A repository's own page: github.com/owner/name, nothing deeper.
GITHUB_REPOSITORY_PATH = re.compile(
    r"^/(?P<owner>[a-z0-9][a-z0-9-]*)/(?P<name>[a-z0-9._-]+?)(?:\.git)?/?$"
)
# First path segments that are GitHub's own pages, never an owner.
GITHUB_RESERVED = frozenset(
    {"orgs", "topics", "features", "marketplace", "sponsors", "settings", "about", "collections"}
)
# Hosts whose paths are case-insensitive (github.com/Owner/Repo is github.com/owner/repo).
CASE_INSENSITIVE_PATH_HOSTS = frozenset({"github.com"})
INDEX_PAGES = ("index.html", "index.htm", "index.php")


def github_repository(url: str) -> tuple[str, str] | None:
    """``(owner, name)``, lower-cased, when ``url`` is a GitHub repository's page."""
    key = canonical_key(url) if url else ""
    if key.startswith("github:"):
        owner, _, name = key.removeprefix("github:").partition("/")
        return owner, name
    return None


def _github_repository(path: str) -> tuple[str, str] | None:
    match = GITHUB_REPOSITORY_PATH.match(path.lower())
    if match is None or match["owner"] in GITHUB_RESERVED or match["name"] in (".", ".."):
        return None
    return match["owner"], match["name"]


# A loader asks for one URL's key several times (its duplicates, its record, its validation).
@lru_cache(maxsize=4096)
def canonical_key(url: str) -> str:
    """
    Return the key that identifies the work at ``url``.

    Scheme and ``www.`` are dropped, the host lower-cased, default ports,
    fragments, tracking parameters, trailing slashes and index pages
    removed, and the remaining query parameters sorted. arXiv, OpenReview
    and DOI links become ``arxiv:ID``, ``openreview:ID`` and ``doi:ID``
    whatever page of the work they point at; arXiv's own DOIs become
    ``arxiv:ID`` and a GitHub repository's page ``github:owner/name``. A
    repository renamed since is only known by asking GitHub
    (``catalog.sources``), which gives its current key.
    """
    url = url.strip()
    if "://" not in url:
        url = "https://" + url.lstrip("/")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    path = parts.path or "/"

    if host in ARXIV_HOSTS and (match := ARXIV_PATH.match(path)):
        return f"arxiv:{match['id'].lower()}"

    query = parse_qsl(parts.query, keep_blank_values=True)
    if host in OPENREVIEW_HOSTS and path.rstrip("/") in OPENREVIEW_PATHS:
        work_id = dict(query).get("id")
        if work_id:
            return f"openreview:{work_id}"

    if host in DOI_HOSTS and len(path) > 1:
        # DOIs are case-insensitive by definition.
        doi = unquote(path.lstrip("/")).lower()
        if match := ARXIV_DOI.match(doi):
            return f"arxiv:{match['id']}"
        return f"doi:{doi}"

    if host in GITHUB_HOSTS and (repository := _github_repository(path)):
        return f"github:{repository[0]}/{repository[1]}"

    if host in CASE_INSENSITIVE_PATH_HOSTS:
        path = path.lower().removesuffix(".git")
    for index_page in INDEX_PAGES:
        if path.endswith("/" + index_page):
            path = path[: -len(index_page)]
    path = path.rstrip("/")

    try:
        port = parts.port
    except ValueError:  # a port that is not a number: keep the text as given
        port = parts.netloc.rpartition(":")[2]
    port = f":{port}" if port and port not in (80, 443) else ""
    kept_query = sorted(
        (name, value)
        for name, value in query
        if name.lower() not in TRACKING_PARAMETERS
        and not name.lower().startswith(TRACKING_PREFIXES)
    )
    key = f"{host}{port}{path}"
    if kept_query:
        key += "?" + urlencode(kept_query)
    return key


def clean_url(url: str) -> str:
    """
    The address to store and link to: ``url`` without what the canonical key
    ignores and a link never needs — tracking parameters, the fragment, a
    ``www.`` prefix, an upper-case host and a default port. Path, scheme and
    the other parameters stay as given, so the link still leads where it did.
    """
    url = url.strip()
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return url
    if port and (parts.scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [
        (name, value)
        for name, value in pairs
        if name.lower() not in TRACKING_PARAMETERS
        and not name.lower().startswith(TRACKING_PREFIXES)
    ]
    # An untouched query keeps its exact spelling.
    kept_query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, kept_query, ""))
