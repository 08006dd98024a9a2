"""
Everything that asks another server something, one module tree with one client:

- ``http``: the outbound client. Every request the server makes goes through
  ``http.fetch`` / ``http.fetch_json`` (address checks at every hop, one total
  deadline, a capped body, one User-Agent); nothing else opens a connection.
- ``link_check``: link health of the catalog's resources, and whether a
  proposed URL answers.

Metadata providers (one module per source, each behind a base-URL setting so
that tests can serve recorded answers on loopback) belong here too, built on
``http.fetch_json``; ``FetchResult.retry_after()`` reads rate-limit answers.
"""
