"""
Caching keyed by the catalog's version: whatever is cached under one version
is never served once the catalog has changed, in any process or instance.
"""

import secrets

from django.core.cache import cache
from django.db import connection

from catalog.models import CatalogVersion

VERSION_SQL = "SELECT number FROM catalog_catalogversion ORDER BY id LIMIT 1"
FACETS_TIMEOUT = 3600


def catalog_version() -> int:
    """The current version; 0 for a catalog that never changed (or was just emptied)."""
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0


def catalog_changed() -> None:
    """Mark every cached page and list as stale. Called on every change to the catalog."""
    number = secrets.randbits(62)
    if not CatalogVersion.objects.update(number=number):
        CatalogVersion.objects.create(number=number)


def cached_for_version(name: str, build, timeout: int = FACETS_TIMEOUT, version=None):
    """``build()``'s result, computed once per catalog version (read unless given)."""
    version = catalog_version() if version is None else version
    key = f"catalog:{version}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value
