import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

from catalog.cache import catalog_version, uncommitted_catalog_change
from catalog.pagestore import CachedPage, RenderClaims

# Request headers that change what a public page returns (htmx fragments), as
# WSGI names them: read straight from META, cheaper than request.headers.
VARYING_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_TRIGGER", "HTTP_HX_HISTORY_RESTORE_REQUEST")
# Response headers replayed from the cache; cookies never are. A hit skips the
# middleware below this one, so what they add (SecurityMiddleware's HSTS,
# nosniff, referrer and opener policies; CSP; X-Frame-Options) must be here.
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-language",
        "content-disposition",
        "last-modified",
        "vary",
        "content-security-policy",
        "x-frame-options",
        "strict-transport-security",
        "cross-origin-opener-policy",
        "referrer-policy",
        "x-content-type-options",
    }
)
# How long a claim to render one page lasts when its holder never lets go.
RENDER_CLAIM_SECONDS = 30


class PublicPageCacheMiddleware:
    """
    Serve public pages to anonymous visitors from the cache, keyed by the
    catalog version so that a change shows at once in the process that made
    it and within CATALOG_VERSION_RECHECK_MS everywhere else.

    First in the chain after the proxy headers are settled, so a hit costs one
    look-up in this process's memory and skips every other layer; the headers
    those layers add are stored with the page and replayed. Every page it
    handles gets an ETag, and a repeat visit with a matching one gets a 304.

    A page of an older version stays in its slot: while one request renders
    the new one, the others get the old one (stale-while-revalidate), and with
    no old one they wait for it briefly. So a change never sets every waiting
    request rendering the same page.

    Visitors with a session or pending messages always get a fresh page, so
    nobody sees a page made for someone else.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.PUBLIC_PAGE_CACHE_PREFIXES)
        # Pages are looked up in this process first, then in the cache every
        # process shares, when there is one (settings.CACHES["shared_pages"]).
        self.local = caches["local"].memory
        self.shared = caches["shared_pages"] if "shared_pages" in settings.CACHES else None
        self.claims = RenderClaims(self.shared, RENDER_CLAIM_SECONDS)

    def __call__(self, request):
        if not self.cacheable_request(request):
            return self.get_response(request)
        # Kept on the request so that views reuse it rather than read it again.
        version = request.catalog_version = catalog_version()
        key = page_key(request)
        page = self.local.get(key)
        if page is not None and self.fresh(page, version):
            return self.answer(request, page, "hit")
        if uncommitted_catalog_change():
            # This connection's own uncommitted change: render for it alone.
            return self.render(request, key, None, version, committed=False)

        shared_key = None
        if self.shared is not None:
            shared_key = shared_page_key(key)
            shared_page = self.shared.get(shared_key)
            if shared_page is not None and self.fresh(shared_page, version):
                self.local.put(key, shared_page)
                return self.answer(request, shared_page, "hit")
            if shared_page is not None and (page is None or not page.committed):
                page = shared_page
        stale = page if page is not None and page.committed else None

        claim_key = None if shared_key is None else render_claim_key(shared_key)
        if not self.claims.claim(key, claim_key):
            if stale is not None:
                return self.answer(request, stale, "stale")
            # Nothing to show meanwhile: wait for the render under way, then
            # take its page, or render after all if it did not store one.
            self.claims.wait(key, claim_key, settings.PUBLIC_PAGE_RENDER_WAIT_SECONDS)
            page = self.local.get(key)
            if page is None and self.shared is not None:
                page = self.shared.get(shared_key)
            if page is not None and self.fresh(page, version):
                if self.shared is not None:
                    self.local.put(key, page)
                return self.answer(request, page, "hit")
            return self.render(request, key, shared_key, version, committed=True)
        try:
            return self.render(request, key, shared_key, version, committed=True)
        finally:
            self.claims.release(key, claim_key)

    def render(self, request, key, shared_key, version, *, committed):
        response = self.get_response(request)
        if not self.cacheable_response(response):
            return response
        content = response.content
        etag = f'"{hashlib.blake2b(content, digest_size=16).hexdigest()}"'
        response["ETag"] = etag
        response["Cache-Control"] = settings.PUBLIC_PAGE_CACHE_CONTROL
        kept = [(name, value) for name, value in response.items() if name.lower() in KEPT_HEADERS]
        headers = (*kept, ("ETag", etag), ("Cache-Control", settings.PUBLIC_PAGE_CACHE_CONTROL))
        page = CachedPage(version, committed, time.time(), etag, content, headers)
        self.local.put(key, page)
        if committed and self.shared is not None:
            self.shared.set(shared_key, page, settings.PUBLIC_PAGE_CACHE_SECONDS)
        response["X-Cache"] = "miss"
        return self.not_modified(request, page) or response

    def answer(self, request, page: CachedPage, outcome: str):
        response = self.not_modified(request, page)
        if response is None:
            response = HttpResponse(page.content, headers=page.headers)
            response["Content-Length"] = str(len(page.content))
        response["X-Cache"] = outcome
        return response

    def not_modified(self, request, page: CachedPage):
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if not if_none_match or page.etag not in parse_etags(if_none_match):
            return None
        response = HttpResponseNotModified()
        for name, value in page.headers:
            if name in ("ETag", "Cache-Control", "Vary"):
                response[name] = value
        return response

    def fresh(self, page: CachedPage, version: int) -> bool:
        return (
            page.version == version
            and time.time() - page.rendered_at < settings.PUBLIC_PAGE_CACHE_SECONDS
        )

    def cacheable_request(self, request) -> bool:
        path = request.path
        return (
            settings.PUBLIC_PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and (path == "/" or path.startswith(self.prefixes))
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
            # Placed before SecurityMiddleware: leave its redirect to HTTPS to it.
            and (request.is_secure() or not settings.SECURE_SSL_REDIRECT)
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


def page_key(request) -> str:
    """The slot of a request's page in this process's memory."""
    varying = "|".join(request.META.get(name, "") for name in VARYING_HEADERS)
    # The scheme too: a page rendered for https holds https absolute links.
    # get_host() also refuses a Host that ALLOWED_HOSTS does not name.
    return f"{request.scheme}|{request.get_host()}|{request.get_full_path()}|{varying}"


def shared_page_key(key: str) -> str:
    """The same slot in the shared cache, whose keys must stay short."""
    return f"page:{hashlib.blake2b(key.encode(), digest_size=16).hexdigest()}"


def render_claim_key(shared_key: str) -> str:
    return f"render:{shared_key}"
