"""
Which proxy headers to believe. A request's X-Forwarded-* headers say where it
came from and whether it arrived over HTTPS; anyone can send them, so they are
believed only from a peer listed in FORWARDED_ALLOW_IPS (none by default).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

# Headers a proxy sets about the original request; from anyone else they are dropped.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


def is_trusted_proxy(address: str) -> bool:
    """Whether ``address`` (a request's REMOTE_ADDR) is a proxy named in FORWARDED_ALLOW_IPS."""
    trusted = tuple(settings.FORWARDED_ALLOW_IPS)
    if not trusted:
        return False
    if "*" in trusted:
        return True
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in network for network in _networks(trusted))


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> list:
    # Parsed as gunicorn parses its forwarded_allow_ips, from the same variable.
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def client_ip(request) -> str:
    """
    The address a request came from, for rate limits and login lockouts.

    Behind a trusted proxy every request arrives from the proxy, so the last
    X-Forwarded-For entry (the one the proxy added) is the client; from
    anywhere else the header is the client's to forge, and only the peer counts.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and is_trusted_proxy(remote):
        candidate = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return remote
    return remote


class TrustedProxyMiddleware:
    """
    Drop the forwarded headers of a request that did not come from a trusted
    proxy, before SecurityMiddleware (SECURE_PROXY_SSL_HEADER), the page cache
    or anything else reads them: a visitor cannot claim HTTPS or another address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            for name in FORWARDED_HEADERS:
                request.META.pop(name, None)
        return self.get_response(request)
