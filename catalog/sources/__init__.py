"""
Everything that asks another server something, one module tree with one client:

- ``http``: the outbound client. Every request the server makes goes through
  ``http.fetch`` / ``http.fetch_json`` (address checks at every hop, one total
  deadline, a capped body, one User-Agent); nothing else opens a connection.
- ``link_check``: link health of the catalog's resources, and whether a
  proposed URL answers.
- the metadata providers, one per source, each behind a base-URL setting so
  that tests can serve recorded answers on loopback: ``arxiv`` (ARXIV_API_URL),
  ``crossref`` (CROSSREF_API_URL), ``openreview`` (OPENREVIEW_API_URL) and
  ``github`` (GITHUB_API_URL, GITHUB_TOKEN). They speak one vocabulary
  (``base``: WorkMetadata, and a Lookup that is found, not_found, unsupported,
  unavailable or rate_limited); ``lookup`` picks the provider for an address.
  ``FetchResult.retry_after()`` reads rate-limit answers.
"""
