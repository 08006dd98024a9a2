"""
The one outbound HTTP client: every request the server makes goes through ``fetch``.

    from catalog.sources.http import Outcome, fetch, fetch_json

    result = fetch("https://example.org/paper", deadline=5.0)
    result.outcome      # Outcome.ANSWERED, or why there is no answer (below)
    result.ok           # answered with a 2xx status
    result.status       # the last answer's HTTP status (None without an answer)
    result.headers      # its headers (case-insensitive), result.body its body (capped)
    result.final_url    # the URL of the last hop; result.redirects the hops before it

    result, data = fetch_json("https://api.github.com/repos/owner/name")

Whatever the URL or the servers do:

- only http and https are fetched;
- each hop's host is resolved once, every address it resolves to is checked, and
  the connection goes to a checked address: a name answering a public address
  and then 127.0.0.1 gets nowhere, since there is no second look-up. TLS (SNI and
  the certificate check) and the Host header still use the name;
- loopback, private, shared (100.64/10), link-local, multicast, reserved and
  unspecified addresses are refused, and so are the IPv6 forms carrying such an
  IPv4 address (IPv4-mapped, NAT64 64:ff9b::/96) and those never public (IPv4-
  compatible, NAT64 local-use 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32).
  Redirects are followed here, hop by hop, so every hop is checked the same way.
  ``settings.FETCH_ALLOW_PRIVATE_NETWORKS`` lifts the refusal (tests, intranets);
- one total deadline covers the look-ups, connections, TLS handshakes, headers
  and bodies of all hops: every socket operation waits at most for what is left
  of it, so a server trickling its headers cannot hold a request past it;
- at most ``max_bytes`` of body are kept (``truncated`` says more was sent), and
  no compression is asked for, so the cap is on what the server sends;
- one User-Agent, ``settings.FETCH_USER_AGENT``, which callers cannot replace;
- a caller's credentials (Authorization, Cookie) go to the URL's own origin only,
  never on to another one a redirect names.

``fetch`` never raises for anything a URL or a server can do: each failure is an
``Outcome`` with a short ``detail``.
"""

import email.utils
import ipaddress
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

import httpcore
import httpx
from django.conf import settings

DEFAULT_DEADLINE = 5.0  # seconds, for the whole request, redirects included
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class Outcome(StrEnum):
    """How a fetch ended. Only ``ANSWERED`` has a status, headers and body."""

    ANSWERED = "answered"  # an HTTP answer came back, whatever its status
    REFUSED = "refused"  # not sent: not http(s), not a usable URL, or a non-public address
    DNS_ERROR = "dns_error"  # the name did not resolve
    CONNECT_ERROR = "connect_error"  # no connection (refused, unreachable, reset)
    TLS_ERROR = "tls_error"  # the TLS handshake or the certificate check failed
    TIMEOUT = "timeout"  # the deadline passed before the answer was complete
    PROTOCOL_ERROR = "protocol_error"  # the answer was not valid HTTP or broke off
    TOO_MANY_REDIRECTS = "too_many_redirects"


# Failures that say the server could not be reached at all (with a time-out
# before any connection was made): when most URLs of a run end like this, the
# fault is more likely the checker's own network.
UNREACHABLE = frozenset({Outcome.DNS_ERROR, Outcome.CONNECT_ERROR})


@dataclass(frozen=True)
class Redirect:
    """One hop that answered with a redirect: its URL, status and where it led."""

    url: str
    status: int
    location: str


@dataclass(frozen=True)
class FetchResult:
    url: str  # as asked for
    outcome: Outcome
    status: int | None = None
    final_url: str = ""  # the last hop's URL (the one that answered, or failed)
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytes = b""
    truncated: bool = False  # the server sent more than max_bytes
    redirects: tuple[Redirect, ...] = ()
    detail: str = ""  # a short human explanation of a failure
    address: str = ""  # the IP address the last hop connected (or tried to connect) to
    connected: bool = False  # whether the last hop got a connection
    elapsed: float = 0.0  # seconds

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.ANSWERED and 200 <= (self.status or 0) < 300

    @property
    def unreachable(self) -> bool:
        """No connection at all: the name did not resolve, or no server took the call."""
        if self.outcome is Outcome.TIMEOUT:
            return not self.connected
        return self.outcome in UNREACHABLE

    def json(self) -> Any:
        """The body decoded as JSON; ValueError when it is not (or was cut short)."""
        if self.truncated:
            raise ValueError("the body was cut at max_bytes")
        return json.loads(self.body)

    def retry_after(self, now: float | None = None) -> float | None:
        """
        Seconds to wait before asking again, from ``Retry-After`` (seconds or a
        date) or ``X-RateLimit-Reset`` (a Unix time, as GitHub sends); None if
        the answer says nothing.
        """
        now = time.time() if now is None else now
        value = self.headers.get("retry-after", "").strip()
        if value.isascii() and value.isdigit():
            return float(value)
        if value:
            try:
                return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
        reset = self.headers.get("x-ratelimit-reset", "").strip()
        if reset.isascii() and reset.isdigit():
            return max(0.0, float(reset) - now)
        return None


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    follow_redirects: bool = True,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
) -> FetchResult:
    """
    Send ``method`` to ``url`` and return what came back, within ``deadline``
    seconds in all. Redirects are followed (a 303 turns the method into GET);
    with ``follow_redirects=False`` a redirect is the answer. HEAD answers and
    redirects have no body; ``max_bytes=0`` reads none at all.
    """
    if deadline <= 0:
        raise ValueError("deadline must be positive")
    started = time.monotonic()
    clock = _Deadline(started + deadline)
    method = method.upper()
    request_headers = _request_headers(headers)
    redirects: list[Redirect] = []
    current = url
    address = ""

    def result(outcome, detail="", connected=True, **answer):
        return FetchResult(
            url=url,
            outcome=outcome,
            final_url=current,
            redirects=tuple(redirects),
            detail=detail[:200],
            address=address,
            connected=connected,
            elapsed=time.monotonic() - started,
            **answer,
        )

    while True:
        try:
            target = _parse(current)
            addresses = _resolve(target, clock)
            address = addresses[0]
            answer = _send(target, addresses, method, request_headers, clock, max_bytes)
        except _Failure as failure:
            return result(failure.outcome, failure.detail, connected=failure.connected)
        address = answer.address
        location = answer.headers.get("location")
        if not (follow_redirects and answer.status in REDIRECT_STATUSES and location):
            return result(
                Outcome.ANSWERED,
                status=answer.status,
                headers=answer.headers,
                body=answer.body,
                truncated=answer.truncated,
            )
        try:
            following = str(target.join(location))
        except (httpx.InvalidURL, ValueError, TypeError):
            return result(
                Outcome.PROTOCOL_ERROR,
                f"HTTP {answer.status} with an unusable Location",
                status=answer.status,
                headers=answer.headers,
            )
        redirects.append(Redirect(current, answer.status, following))
        if len(redirects) > max_redirects:
            return result(Outcome.TOO_MANY_REDIRECTS, f"more than {max_redirects} redirects")
        if answer.status == 303 and method != "HEAD":
            method = "GET"
        if _origin(httpx.URL(following)) != _origin(target):
            # Credentials meant for one server never go on to another.
            for name in ("Authorization", "Proxy-Authorization", "Cookie"):
                request_headers.pop(name, None)
        current = following


def fetch_json(url: str, *, headers: dict[str, str] | None = None, **options) -> tuple:
    """
    ``fetch`` asking for JSON: ``(result, data)``, where ``data`` is the decoded
    body of a 2xx answer, or None when there is none (see ``result`` for why:
    a failure, a status such as 404 or 429, or a body that is not JSON).
    """
    result = fetch(url, headers={"Accept": "application/json", **(headers or {})}, **options)
    data = None
    if result.ok:
        try:
            data = result.json()
        except ValueError:
            data = None
    return result, data


def refusal_reason(address: str) -> str | None:
    """Why ``address`` (an IP address) may not be contacted, or None when it may."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped
        if ip in _NAT64:
            carried = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if carried is not None:
            reason = refusal_reason(str(carried))
            return reason and f"{ip}, which carries {reason}"
        for network, name in _NEVER_PUBLIC_V6:
            if ip in network:
                return f"{ip}, {name}"
    if (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
    ):
        return f"{ip}, not a public address"
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NEVER_PUBLIC_V6 = [
    (ipaddress.IPv6Network("::/96"), "an IPv4-compatible address"),
    (ipaddress.IPv6Network("64:ff9b:1::/48"), "a local-use NAT64 address"),
    (ipaddress.IPv6Network("2002::/16"), "a 6to4 address"),
    (ipaddress.IPv6Network("2001::/32"), "a Teredo address"),
]


# The rest is the machinery.


class _Failure(Exception):
    def __init__(self, outcome: Outcome, detail: str, connected: bool = False):
        super().__init__(detail)
        self.outcome, self.detail, self.connected = outcome, detail, connected


class _Deadline:
    def __init__(self, at: float):
        self.at = at

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def clip(self, timeout: float | None, error: type[Exception]) -> float:
        """The time an operation may take: what it asked for, never past the deadline."""
        left = self.remaining()
        if left <= 0:
            raise error("deadline passed")
        return left if timeout is None else min(timeout, left)


@dataclass
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool
    address: str


def _request_headers(headers: dict[str, str] | None) -> httpx.Headers:
    merged = httpx.Headers({"Accept": "*/*"})
    merged.update(headers or {})
    merged["User-Agent"] = settings.FETCH_USER_AGENT
    merged["Accept-Encoding"] = "identity"  # the byte cap is on what we keep
    merged.pop("Host", None)  # always the URL's own
    return merged


def _origin(url: httpx.URL) -> tuple:
    return (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise _Failure(Outcome.REFUSED, f"not a usable URL: {error}") from None
    if parsed.scheme not in ("http", "https"):
        raise _Failure(Outcome.REFUSED, f"only http and https are fetched, not {parsed.scheme!r}")
    if not parsed.host:
        raise _Failure(Outcome.REFUSED, "the URL has no host")
    return parsed


def _resolve(url: httpx.URL, clock: _Deadline) -> list[str]:
    """Every address the host resolves to, checked; the caller connects to these only."""
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = _look_up(host, port, clock)
    if not settings.FETCH_ALLOW_PRIVATE_NETWORKS:
        for address in addresses:
            if reason := refusal_reason(address):
                raise _Failure(Outcome.REFUSED, f"not fetched: {host} is {reason}")
    return addresses


def _look_up(host: str, port: int, clock: _Deadline) -> list[str]:
    # getaddrinfo has no time-out of its own: it runs in a thread that is
    # abandoned when the deadline passes.
    answer: dict[str, Any] = {}
    done = threading.Event()

    def look_up():
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as error:  # handed to the caller below
            answer["error"] = error
        finally:
            done.set()

    threading.Thread(target=look_up, name="fetch-dns", daemon=True).start()
    if not done.wait(max(clock.remaining(), 0)):
        raise _Failure(Outcome.TIMEOUT, f"no answer in time from the name look-up of {host}")
    if "error" in answer:
        raise _Failure(Outcome.DNS_ERROR, f"{host} did not resolve: {answer['error']}")
    addresses = [
        info[4][0] for info in answer["infos"] if info[0] in (socket.AF_INET, socket.AF_INET6)
    ]
    if not addresses:
        raise _Failure(Outcome.DNS_ERROR, f"{host} has no address")
    return list(dict.fromkeys(addresses))


def _send(url, addresses, method, headers, clock, max_bytes) -> _Answer:
    backend = _PinnedBackend(url.raw_host.decode("ascii"), addresses, clock)
    pool = httpcore.ConnectionPool(
        ssl_context=_ssl_context(), network_backend=backend, max_connections=1
    )
    left = max(clock.remaining(), 0.001)
    extensions = {"timeout": {"connect": left, "read": left, "write": left, "pool": left}}
    target = httpcore.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
    )
    try:
        with pool, pool.stream(method, target, headers=headers.raw, extensions=extensions) as r:
            answer_headers = httpx.Headers(r.headers)
            body, truncated = b"", False
            wants_body = method != "HEAD" and max_bytes > 0
            if wants_body and not (r.status in REDIRECT_STATUSES and "location" in answer_headers):
                body, truncated = _read(r, max_bytes)
            return _Answer(r.status, answer_headers, body, truncated, backend.connected_to)
    except _Failure:
        raise
    except Exception as error:
        failure = _failure(error)
        failure.connected = bool(backend.connected_to)
        raise failure from None


def _failure(error: Exception) -> _Failure:
    """The outcome an exception from the connection stands for."""
    if isinstance(error, httpcore.TimeoutException):
        return _Failure(Outcome.TIMEOUT, "no complete answer before the deadline")
    if isinstance(error, httpcore.ConnectError):
        if _is_tls(error):
            return _Failure(Outcome.TLS_ERROR, f"TLS failed: {error}")
        return _Failure(Outcome.CONNECT_ERROR, f"no connection: {error}")
    if isinstance(error, httpcore.NetworkError | httpcore.ProtocolError):
        return _Failure(Outcome.PROTOCOL_ERROR, f"the answer broke off: {error!r}")
    if isinstance(error, httpcore.UnsupportedProtocol):
        return _Failure(Outcome.REFUSED, str(error))
    if isinstance(error, ValueError | UnicodeError):  # a header or URL h11 will not send
        return _Failure(Outcome.REFUSED, f"not sendable: {error}")
    raise error  # a bug here, not something a server did


def _read(response, max_bytes: int) -> tuple[bytes, bool]:
    chunks, size = [], 0
    for chunk in response.iter_stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            # Closing the response unread closes its connection too.
            return b"".join(chunks)[:max_bytes], True
    return b"".join(chunks), False


def _is_tls(error: Exception) -> bool:
    cause = error.__cause__ or error.__context__
    return isinstance(cause, ssl.SSLError | ssl.CertificateError)


@cache
def _ssl_context():
    # One context for every request: loading the CA bundle is the costly part.
    return httpx.create_ssl_context()


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the checked addresses only, whatever name httpcore asks for."""

    def __init__(self, host: str, addresses: list[str], clock: _Deadline):
        self.host, self.addresses, self.clock = host, addresses, clock
        self.connected_to = ""
        self.backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if host != self.host:  # httpcore only connects to the URL's host
            raise httpcore.ConnectError(f"unexpected host {host!r}")
        error: Exception = httpcore.ConnectError("no address")
        for address in self.addresses:
            wait = self.clock.clip(timeout, httpcore.ConnectTimeout)
            try:
                stream = self.backend.connect_tcp(
                    address, port, timeout=wait, socket_options=socket_options
                )
            except httpcore.ConnectError as failed:
                error = failed
                continue
            self.connected_to = address
            return _DeadlineStream(stream, self.clock)
        raise error

    def connect_unix_socket(self, *args, **kwargs):
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and handshake ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, clock: _Deadline):
        self.stream, self.clock = stream, clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self.clock.clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self.clock.clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        wait = self.clock.clip(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self.stream.start_tls(ssl_context, server_hostname, wait), self.clock
        )

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)
