"""
Whether a proposed URL answers: one request, no redirects followed, and never
to an address inside a private network (a proposal must not make the server
probe its own neighbourhood).
"""

import http.client
import ipaddress
import socket
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10
USER_AGENT = "awesome-link-check/1.0 (+catalog review)"

ANSWERED, FAILED = "answered", "failed"


class RefusedAddress(Exception):
    """The URL's host resolves to an address the checker does not contact."""


def check_url(url: str) -> tuple[str, str]:
    """Return ("answered" | "failed", a short detail such as "HTTP 200" or "timed out")."""
    try:
        status, location = fetch_status(url)
    except RefusedAddress as error:
        return FAILED, str(error)
    except TimeoutError:
        return FAILED, "timed out"
    except (OSError, http.client.HTTPException, ValueError) as error:
        return FAILED, f"no answer ({type(error).__name__})"
    if 200 <= status < 400:
        detail = f"HTTP {status}" + (f", redirects to {location}" if location else "")
        return ANSWERED, detail
    # Some sites refuse automated requests outright but are up for people.
    return FAILED, f"HTTP {status}"


def fetch_status(url: str) -> tuple[int, str]:
    """The network call: the status of a HEAD (or, if refused, GET) request, and any redirect."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    _check_public(parts.hostname, port)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    status, location = 0, ""
    for method in ("HEAD", "GET"):
        connection = connection_class(parts.hostname, port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request(method, path, headers={"User-Agent": USER_AGENT})
            response = connection.getresponse()
            status, location = response.status, response.getheader("Location", "")
        finally:
            connection.close()
        if status not in (403, 405, 501):
            break
    return status, location


def _check_public(host: str, port: int) -> None:
    for *_, sockaddr in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
        address = ipaddress.ip_address(sockaddr[0])
        if not address.is_global:
            raise RefusedAddress(f"not checked: {host} is a private or local address")
