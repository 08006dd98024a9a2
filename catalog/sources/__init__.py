"""
Everything that asks another server something: the one outbound HTTP client
(``catalog.sources.http``), and what is built on it (link health, proposal URL
checks, metadata providers). No other module opens a connection.

The metadata providers, one per source, each behind a base URL setting:
``arxiv`` (ARXIV_API_URL), ``crossref`` (CROSSREF_API_URL), ``openreview``
(OPENREVIEW_API_URL) and ``github`` (GITHUB_API_URL, GITHUB_TOKEN). They speak
one vocabulary (``catalog.sources.base``: WorkMetadata, and a Lookup that is
found, not_found, unsupported, unavailable or rate_limited), and
``catalog.sources.lookup`` picks the provider for an address.
"""
