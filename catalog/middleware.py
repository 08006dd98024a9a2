import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags

from catalog.cache import catalog_version

# Request headers that change what a public page returns (htmx fragments).
VARYING_HEADERS = ("HX-Request", "HX-Trigger", "HX-History-Restore-Request")
# Response headers worth replaying from the cache; cookies never are.
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-language",
        "content-disposition",
        "vary",
        "content-security-policy",
        "x-frame-options",
        "cross-origin-opener-policy",
        "referrer-policy",
        "x-content-type-options",
    }
)


class PublicPageCacheMiddleware:
    """
    Serve public pages to anonymous visitors from the cache, keyed by the
    catalog version so that any change shows at once. Placed early, so a hit
    skips sessions, authentication and the view; every response it handles
    gets an ETag, and a repeat visit with a matching one gets a 304.

    Visitors with a session or pending messages always get a fresh page, so
    nobody sees a page made for someone else.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.PUBLIC_PAGE_CACHE_PREFIXES)
        self.timeout = settings.PUBLIC_PAGE_CACHE_SECONDS
        # Pages are looked up in this process first, then in the shared cache if
        # there is one (the default one, when it is not this process's memory).
        self.local = caches["local"]
        default = caches["default"]
        self.shared = None if isinstance(default, LocMemCache) else default

    def __call__(self, request):
        if not self.cacheable_request(request):
            return self.get_response(request)
        # Kept on the request so that views reuse it rather than read it again.
        request.catalog_version = catalog_version()
        key = self.cache_key(request)
        entry = self.local.get(key)
        if entry is None and self.shared is not None:
            entry = self.shared.get(key)
            if entry is not None:
                self.local.set(key, entry, self.timeout)
        if entry is not None:
            response = self.replay(entry)
            response["X-Cache"] = "hit"
        else:
            response = self.get_response(request)
            if not self.cacheable_response(response):
                return response
            response["ETag"] = f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"'
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            entry = self.entry(response)
            self.local.set(key, entry, self.timeout)
            if self.shared is not None:
                self.shared.set(key, entry, self.timeout)
            response["X-Cache"] = "miss"
        if response["ETag"] in parse_etags(request.headers.get("If-None-Match", "")):
            not_modified = HttpResponseNotModified()
            for name in ("ETag", "Cache-Control", "Vary", "X-Cache"):
                if name in response:
                    not_modified[name] = response[name]
            return not_modified
        return response

    def cacheable_request(self, request) -> bool:
        return (
            settings.PUBLIC_PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and (request.path == "/" or request.path.startswith(self.prefixes))
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
        )

    def cacheable_response(self, response) -> bool:
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in cache_control
            and "no-store" not in cache_control
        )

    def cache_key(self, request) -> str:
        varying = "|".join(request.headers.get(name, "") for name in VARYING_HEADERS)
        # The scheme too: a page rendered for https holds https absolute links.
        identity = f"{request.scheme}|{request.get_full_path()}|{varying}|{request.get_host()}"
        digest = hashlib.blake2b(identity.encode(), digest_size=16).hexdigest()
        return f"page:{request.catalog_version}:{digest}"

    def entry(self, response):
        headers = {name: value for name, value in response.items() if name.lower() in KEPT_HEADERS}
        headers["ETag"] = response["ETag"]
        headers["Cache-Control"] = response["Cache-Control"]
        return (response.content, headers)

    def replay(self, entry) -> HttpResponse:
        content, headers = entry
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        response["Content-Length"] = str(len(content))
        return response
