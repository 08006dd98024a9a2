"""
The outbound client against servers on loopback. The refusal tests turn
FETCH_ALLOW_PRIVATE_NETWORKS off; where a test needs a "public" server, a fake
network routes one public address to a loopback server (DNS and connect are the
network: they are the only things faked).
"""

import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from catalog.sources.http import Outcome, fetch, fetch_json, refusal_reason
from tests.local_http import PUBLIC, FakeNetwork, LocalServer, ServerState, black_hole


@pytest.fixture(scope="module")
def servers():
    started = [LocalServer("127.0.0.1", ServerState()).start() for _ in range(2)]
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def server(servers):
    servers[0].state.reset()
    return servers[0]


@pytest.fixture
def private_refused(settings):
    settings.FETCH_ALLOW_PRIVATE_NETWORKS = False


def test_fetch_answers_with_status_headers_and_body(server):
    result = fetch(server.url + "/ok")

    assert result.outcome == Outcome.ANSWERED and result.ok
    assert (result.status, result.body) == (200, b"checked\n")
    assert result.headers["content-type"] == "text/plain"
    assert result.address == "127.0.0.1"


def test_fetch_follows_redirects_and_records_each_hop(server):
    result = fetch(server.url + "/moved-then-found")

    assert result.status == 200
    assert result.final_url == server.url + "/ok"
    assert [(hop.status, hop.location) for hop in result.redirects] == [
        (301, server.url + "/found"),
        (302, server.url + "/ok"),
    ]


def test_fetch_without_following_returns_the_redirect(server):
    result = fetch(server.url + "/moved", follow_redirects=False)

    assert (result.status, result.headers["location"], result.redirects) == (301, "/ok", ())


def test_fetch_gives_up_on_a_redirect_loop(server):
    result = fetch(server.url + "/loop", max_redirects=3)

    assert result.outcome == Outcome.TOO_MANY_REDIRECTS
    assert len(server.state.hits_for("/loop")) == 4


def test_fetch_user_agent_on_the_wire(settings):
    settings.FETCH_USER_AGENT = "awesome-test/1.0"
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    received = []

    def serve():
        connection, _ = listener.accept()
        with connection:
            received.append(connection.recv(4096))
            connection.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    result = fetch(f"http://localhost:{port}/x", headers={"User-Agent": "spoofed"})
    thread.join(2)
    listener.close()

    assert result.status == 204
    request = received[0].decode()
    assert "User-Agent: awesome-test/1.0\r\n" in request
    assert "spoofed" not in request
    assert f"Host: localhost:{port}\r\n" in request


def test_fetch_json_gives_no_data_for_a_body_that_is_not_json(server):
    result, data = fetch_json(server.url + "/ok")

    # "checked\n" is not JSON: the result says what came, the data is None.
    assert result.ok and data is None


@pytest.mark.parametrize("url", ["ftp://example.org/file", "file:///etc/passwd", "not a url"])
def test_fetch_refuses_other_schemes(url):
    result = fetch(url)

    assert result.outcome == Outcome.REFUSED


def test_fetch_cuts_the_body_at_the_cap(server):
    result = fetch(server.url + "/big", max_bytes=1000)

    assert result.ok
    assert (len(result.body), result.truncated) == (1000, True)


def test_fetch_head_and_zero_cap_read_no_body(server):
    assert fetch(server.url + "/big", method="HEAD").body == b""
    assert fetch(server.url + "/big", max_bytes=0).body == b""


def test_fetch_deadline_is_total_against_a_server_trickling_headers(server):
    started = time.monotonic()
    result = fetch(server.url + "/trickle", deadline=3.0)
    elapsed = time.monotonic() - started

    assert result.outcome == Outcome.TIMEOUT
    assert elapsed < 3.5


def test_fetch_deadline_covers_a_name_look_up_that_hangs(monkeypatch):
    def slow_getaddrinfo(*args, **kwargs):
        time.sleep(5)
        raise socket.gaierror("too late")

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    started = time.monotonic()
    result = fetch("http://slow-dns.example/", deadline=0.5)

    assert result.outcome == Outcome.TIMEOUT
    assert time.monotonic() - started < 1.0


def test_fetch_reports_a_name_that_does_not_resolve(monkeypatch):
    def failing_getaddrinfo(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", failing_getaddrinfo)
    result = fetch("http://nowhere.example/")

    assert result.outcome == Outcome.DNS_ERROR and result.unreachable


def test_fetch_reports_a_refused_connection():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()

    result = fetch(f"http://127.0.0.1:{port}/")

    assert result.outcome == Outcome.CONNECT_ERROR and result.unreachable


# Refusal of non-public addresses: FETCH_ALLOW_PRIVATE_NETWORKS off.


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "169.254.169.254",  # cloud metadata
        "0.0.0.0",  # noqa: S104 -- an address to refuse, nothing binds to it
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::1",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:808:808::1",  # 6to4, even of a public address
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_refusal_reason_names_every_non_public_form(address):
    assert refusal_reason(address)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_refusal_reason_lets_public_addresses_through(address):
    assert refusal_reason(address) is None


def test_fetch_refuses_loopback(private_refused, server):
    result = fetch(server.url + "/ok")

    assert result.outcome == Outcome.REFUSED
    assert server.state.hits == []


def test_fetch_refuses_a_name_resolving_to_nat64_of_loopback(private_refused, monkeypatch, server):
    FakeNetwork(monkeypatch, answers=["64:ff9b::7f00:1"], route_to=server)

    result = fetch("http://nat64.example/ok")

    assert result.outcome == Outcome.REFUSED
    assert "64:ff9b::7f00:1" in result.detail


def test_fetch_refuses_a_nat64_literal(private_refused):
    assert fetch("http://[64:ff9b::7f00:1]/").outcome == Outcome.REFUSED


def test_fetch_refuses_a_name_with_any_private_address(private_refused, monkeypatch, server):
    network = FakeNetwork(monkeypatch, answers=[PUBLIC], route_to=server)

    def two_answers(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)

    assert fetch("http://mixed.example/ok").outcome == Outcome.REFUSED
    assert network.connections == []


def test_fetch_connects_to_the_address_it_checked_despite_rebinding(
    private_refused, monkeypatch, servers
):
    public_side, loopback_side = servers
    public_side.state.reset()
    loopback_side.state.reset()
    port = loopback_side.server_address[1]
    # The name answers a public address once, then 127.0.0.1: a second look-up
    # would reach the loopback server on the URL's port.
    network = FakeNetwork(monkeypatch, answers=[PUBLIC, "127.0.0.1"], route_to=public_side)

    result = fetch(f"http://rebind.example:{port}/ok")

    assert result.ok and result.address == PUBLIC
    assert network.lookups == ["rebind.example"]
    assert network.connections == [(PUBLIC, port)]
    assert loopback_side.state.hits_for("/ok") == []
    # The server still sees the name, not the address.
    assert public_side.state.host_headers == [f"rebind.example:{port}"]


def test_fetch_refuses_a_redirect_to_loopback(private_refused, monkeypatch, server):
    network = FakeNetwork(monkeypatch, answers=[PUBLIC], route_to=server)
    port = server.server_address[1]
    target = f"http://127.0.0.1:{port}/ok"

    result = fetch(f"http://public.example:{port}/redirect?to={target}")

    assert result.outcome == Outcome.REFUSED
    assert [hop.status for hop in result.redirects] == [302]
    assert result.final_url == target
    assert server.state.hits_for("/ok") == []
    assert network.connections == [(PUBLIC, port)]


def test_fetch_refuses_a_redirect_to_a_name_resolving_privately(
    private_refused, monkeypatch, server
):
    network = FakeNetwork(monkeypatch, answers=[PUBLIC, "169.254.169.254"], route_to=server)
    port = server.server_address[1]

    result = fetch(f"http://public.example:{port}/redirect?to=http://metadata.internal/")

    assert result.outcome == Outcome.REFUSED
    assert network.lookups == ["public.example", "metadata.internal"]


def test_fetch_keeps_credentials_for_the_origin_they_were_meant_for():
    received = []

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        for _ in range(2):
            connection, _ = listener.accept()
            with connection:
                request = connection.recv(4096).decode()
                received.append(request)
                if request.startswith("GET /start"):
                    location = f"http://localhost:{port}/next"
                    connection.sendall(
                        f"HTTP/1.1 302 Found\r\nLocation: {location}\r\n"
                        "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
                    )
                else:
                    connection.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    # 127.0.0.1 and localhost are two origins, though one server.
    result = fetch(f"http://127.0.0.1:{port}/start", headers={"Authorization": "token secret"})
    thread.join(2)
    listener.close()

    assert result.status == 204
    assert "Authorization: token secret" in received[0]
    assert "secret" not in received[1]


def test_fetch_time_out_without_a_connection_counts_as_unreachable(monkeypatch):
    black_hole(monkeypatch)

    result = fetch("http://example.org/", deadline=0.3)

    assert result.outcome == Outcome.TIMEOUT
    assert (result.connected, result.unreachable) == (False, True)


def test_fetch_time_out_of_a_slow_server_is_not_unreachable(server):
    result = fetch(server.url + "/trickle", deadline=1.0)

    assert result.outcome == Outcome.TIMEOUT
    assert (result.connected, result.unreachable) == (True, False)


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl to make a certificate")
def test_fetch_names_the_host_in_tls_and_refuses_an_untrusted_certificate(
    private_refused, monkeypatch, tmp_path
):
    # A self-signed certificate for the name: TLS must carry the name (SNI),
    # although the connection goes to the address checked, and refuse the certificate.
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=tls.example",
         "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    names = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        connection, _ = listener.accept()
        try:
            with context.wrap_socket(connection, server_side=True):
                pass
        except (ssl.SSLError, OSError):
            pass  # the client hangs up on the certificate: expected

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    class Route:
        server_address = ("127.0.0.1", port)

    network = FakeNetwork(monkeypatch, answers=[PUBLIC], route_to=Route)
    result = fetch(f"https://tls.example:{port}/", deadline=3.0)
    thread.join(3)
    listener.close()

    assert result.outcome == Outcome.TLS_ERROR
    assert names == ["tls.example"]
    assert network.connections == [(PUBLIC, port)]
