"""
Where the page cache keeps its pages: this process's memory first, then the
shared cache (Redis) when there is one, and who may render a page that is
missing or stale.

Each address has one slot, holding the last page rendered for it whatever the
catalog version; a page of an older version is served stale while one request
renders the new one (see catalog.middleware).
"""

import threading
import time
from collections import OrderedDict
from contextlib import suppress
from typing import NamedTuple

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache


class CachedPage(NamedTuple):
    """A rendered page, ready to send: body and headers as they were first sent."""

    version: int
    # False for a page rendered inside a transaction that changed the catalog:
    # never shared, never served stale, since the change may still roll back.
    committed: bool
    rendered_at: float  # time.time(), comparable across processes
    etag: str
    content: bytes
    headers: tuple[tuple[str, str], ...]


# Pages by cache name, as Django's own in-memory cache keeps its entries.
_stores: dict[str, "PageMemory"] = {}
_stores_lock = threading.Lock()


class PageMemory:
    """One process's pages by key, within a byte budget, least recently used out first."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.pages: OrderedDict[str, CachedPage] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> CachedPage | None:
        page = self.pages.get(key)
        if page is not None:
            with suppress(KeyError):  # dropped by another thread meanwhile
                self.pages.move_to_end(key)
        return page

    def put(self, key: str, page: CachedPage) -> None:
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= len(old.content)
            self.pages[key] = page
            self.size += len(page.content)
            while self.size > self.max_bytes and self.pages:
                _, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped.content)

    def delete(self, key: str) -> bool:
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= len(old.content)
            return old is not None

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = 0


class ProcessPageCache(BaseCache):
    """
    A cache backend over this process's PageMemory, so that settings name it
    and ``cache.clear()`` empties it like any other. Pages are kept as they
    are, not pickled: a hit is one dictionary look-up. The middleware calls
    ``memory`` directly; the generic methods are there for tools and tests.
    """

    def __init__(self, name, params):
        super().__init__(params)
        max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 64 * 1024 * 1024))
        with _stores_lock:
            self.memory = _stores.setdefault(name, PageMemory(max_bytes))

    def get(self, key, default=None, version=None):
        page = self.memory.get(self.make_and_validate_key(key, version=version))
        return default if page is None else page

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self.memory.put(self.make_and_validate_key(key, version=version), value)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        if self.memory.get(key) is not None:
            return False
        self.memory.put(key, value)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self.memory.get(self.make_and_validate_key(key, version=version)) is not None

    def delete(self, key, version=None):
        return self.memory.delete(self.make_and_validate_key(key, version=version))

    def has_key(self, key, version=None):
        return self.memory.get(self.make_and_validate_key(key, version=version)) is not None

    def clear(self):
        self.memory.clear()


class RenderClaims:
    """
    Who renders a page that is missing or stale: one thread in this process,
    and, with a shared cache, one process anywhere (``cache.add`` of a key
    that expires, in case its holder dies).
    """

    def __init__(self, shared, lock_seconds: int):
        self.shared = shared
        self.lock_seconds = lock_seconds
        self.lock = threading.Lock()
        self.in_process: dict[str, threading.Event] = {}

    def claim(self, key: str, shared_key: str | None) -> bool:
        with self.lock:
            if key in self.in_process:
                return False
            self.in_process[key] = threading.Event()
        if shared_key is not None and not self.shared.add(shared_key, 1, self.lock_seconds):
            self.release(key, None)
            return False
        return True

    def release(self, key: str, shared_key: str | None) -> None:
        if shared_key is not None:
            self.shared.delete(shared_key)
        with self.lock:
            done = self.in_process.pop(key, None)
        if done is not None:
            done.set()

    def wait(self, key: str, shared_key: str | None, seconds: float) -> None:
        """Wait, at most ``seconds``, for the render another request is doing to end."""
        deadline = time.monotonic() + seconds
        with self.lock:
            done = self.in_process.get(key)
        if done is not None:
            done.wait(seconds)
            return
        # Another process renders: look for the end of its claim now and then.
        while shared_key is not None and time.monotonic() < deadline:
            time.sleep(0.02)
            if not self.shared.has_key(shared_key):
                return
