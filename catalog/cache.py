"""
Caching keyed by the catalog's version: whatever is cached under one version
is never served once the catalog has changed, in any process or instance.
"""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from catalog.models import CatalogVersion

VERSION_SQL = "SELECT number FROM catalog_catalogversion ORDER BY id LIMIT 1"
VERSION_KEY = "catalog:version"
# With a shared cache the version is read from it, and from the database only
# when this copy expires: the expiry bounds how long a lost update could last.
VERSION_SECONDS = 5
FACETS_TIMEOUT = 3600


def catalog_version() -> int:
    """The current version; 0 for a catalog that never changed (or was just emptied)."""
    if settings.CATALOG_VERSION_IN_CACHE:
        version = cache.get(VERSION_KEY)
        if version is not None:
            return version
    version = _stored_version()
    if settings.CATALOG_VERSION_IN_CACHE:
        cache.add(VERSION_KEY, version, VERSION_SECONDS)
    return version


def catalog_changed() -> None:
    """Mark every cached page and list as stale. Called on every change to the catalog."""
    number = secrets.randbits(62)
    if not CatalogVersion.objects.update(number=number):
        CatalogVersion.objects.create(number=number)
    if settings.CATALOG_VERSION_IN_CACHE:
        # Only once committed: a page rendered before then must not be cached
        # under the new version. The latest committed version wins.
        transaction.on_commit(lambda: cache.set(VERSION_KEY, _stored_version(), VERSION_SECONDS))


def _stored_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0


def cached_for_version(name: str, build, timeout: int = FACETS_TIMEOUT, version=None):
    """``build()``'s result, computed once per catalog version (read unless given)."""
    version = catalog_version() if version is None else version
    key = f"catalog:{version}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value
