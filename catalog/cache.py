"""
The catalog's freshness, in one place: the catalog version that cached pages
and lists are keyed by, and the one call every writer makes.

Writers call ``catalog_changed()`` (signal handlers on every public model do
it for ordinary saves; services that write in bulk or with ``update()`` call
it themselves, once). It changes nothing at once: it marks the transaction as
having changed the catalog, and a single ``on_commit`` callback writes a new
version once the transaction commits, however many rows it touched. A
transaction that rolls back changes no version, and no page rendered before
the commit can be stored under the new version.

Readers call ``catalog_version()``. Each process keeps a copy of the version
and reads the database again at most every ``CATALOG_VERSION_RECHECK_MS``, so
a page served from the cache costs no round trip, and a change committed by
another process or instance shows within that time. The process that
committed a change uses the new version at once; inside a transaction that
has changed the catalog, the transaction's own connection sees a version of
its own, so that it never reads pages cached before its change.
"""

import secrets
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from catalog.models import CatalogVersion

VERSION_SQL = "SELECT number FROM catalog_catalogversion ORDER BY id LIMIT 1"
FACETS_TIMEOUT = 3600


class VersionBump:
    """The one on_commit callback of a transaction that changed the catalog."""

    def __init__(self):
        self.done = False
        # What the transaction's own connection reads until it commits.
        self.provisional = _new_number()

    def __call__(self):
        if not self.done:
            self.done = True
            _write_new_version()


# This process's copy of the version: (number, when read, by time.monotonic()).
_copy: tuple[int, float] | None = None
_refreshing = threading.Lock()


def catalog_version() -> int:
    """The current version; 0 for a catalog that never changed (or was just emptied)."""
    pending = _pending_bump()
    if pending is not None:
        return pending.provisional
    copy = _copy
    recheck = settings.CATALOG_VERSION_RECHECK_MS / 1000
    if copy is not None and time.monotonic() - copy[1] < recheck:
        return copy[0]
    # One thread re-reads; the others keep the copy they have meanwhile.
    if copy is not None and not _refreshing.acquire(blocking=False):
        return copy[0]
    try:
        return _read_version()
    finally:
        if copy is not None:
            _refreshing.release()


def catalog_changed() -> None:
    """
    Mark the catalog as changed by the current transaction: every cached page
    and list becomes stale once it commits (at once outside a transaction).
    Writers call it once per change; calling it again in the same transaction
    costs nothing and still bumps the version only once.
    """
    bump = _pending_bump()
    if bump is None:
        # robust: the transaction has committed; a failure here must not stop
        # the other callbacks (decision mails) from running.
        transaction.on_commit(VersionBump(), robust=True)
    else:
        # Later changes in the same transaction: its own connection must not
        # read what it cached after the earlier ones.
        bump.provisional = _new_number()


def uncommitted_catalog_change() -> bool:
    """Whether this connection's transaction has changed the catalog and not yet committed."""
    return _pending_bump() is not None


def forget_catalog_version() -> None:
    """Drop this process's copy, so that the next read goes to the database."""
    global _copy
    _copy = None


def _pending_bump() -> VersionBump | None:
    """The bump waiting for this connection's transaction to commit, if any."""
    if not connection.in_atomic_block:
        return None
    # Scanned rather than remembered: a rolled-back savepoint drops its callbacks.
    for _, callback, _ in connection.run_on_commit:
        if isinstance(callback, VersionBump) and not callback.done:
            return callback
    return None


def _new_number() -> int:
    # Random rather than counted: a version never repeats, even after the
    # table is emptied, so no page cached before can match by accident.
    return secrets.randbits(62)


def _write_new_version() -> None:
    global _copy
    number = _new_number()
    if not CatalogVersion.objects.update(number=number):
        CatalogVersion.objects.create(number=number)
    _copy = (number, time.monotonic())


def _read_version() -> int:
    global _copy
    read_at = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    number = row[0] if row else 0
    # A version written by this process while the read was under way is newer.
    if _copy is None or _copy[1] <= read_at:
        _copy = (number, read_at)
    return number


def cached_for_version(name: str, build, timeout: int = FACETS_TIMEOUT, version=None):
    """``build()``'s result, computed once per catalog version (read unless given)."""
    version = catalog_version() if version is None else version
    key = f"catalog:{version}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value
