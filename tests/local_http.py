"""
A small HTTP server on loopback that answers the way real sites do, good and bad,
for the link checker's tests and its benchmark. It never leaves this machine.
"""

import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class ServerState:
    """What the servers saw, shared by every server started with it."""

    def __init__(self, slow_seconds: float = 1.0):
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        self.hits: list[tuple[str, str]] = []
        self.host_headers: list[str] = []
        self.counts: Counter = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.stopping = threading.Event()

    def reset(self):
        with self.lock:
            self.hits.clear()
            self.host_headers.clear()
            self.counts.clear()
            self.in_flight = self.max_in_flight = 0

    def hits_for(self, path: str) -> list[str]:
        with self.lock:
            return [method for method, hit_path in self.hits if hit_path == path]


REDIRECTS = {
    "/moved": (301, "/ok"),
    "/moved-twice": (308, "/moved"),
    "/moved-then-found": (301, "/found"),
    "/found": (302, "/ok"),
    "/moved-to-missing": (301, "/missing"),
    "/loop": (301, "/loop"),
}
STATUSES = {"/ok": 200, "/missing": 404, "/error": 500, "/forbidden": 403, "/throttled": 429}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_HEAD(self):
        self.answer(send_body=False)

    def do_GET(self):
        self.answer(send_body=True)

    def answer(self, send_body):
        state: ServerState = self.server.state
        path = urlsplit(self.path).path
        with state.lock:
            state.hits.append((self.command, path))
            state.host_headers.append(self.headers.get("Host", ""))
            state.counts[path] += 1
            hits = state.counts[path]
        self.route(path, hits, send_body, state)

    def route(self, path, hits, send_body, state):
        if path in REDIRECTS:
            status, location = REDIRECTS[path]
            return self.reply(status, send_body, location=location)
        if path in STATUSES:
            return self.reply(STATUSES[path], send_body)
        if path == "/flaky":  # fails the first try (HEAD and GET), then works
            return self.reply(500 if hits <= 2 else 200, send_body)
        if path == "/no-head":
            return self.reply(405 if self.command == "HEAD" else 200, send_body)
        if path == "/head-reset" and self.command == "HEAD":
            return self.reset_connection()
        if path == "/head-reset":
            return self.reply(200, send_body)
        if path == "/reset":
            return self.reset_connection()
        if path == "/redirect":  # to the URL in ?to=
            return self.reply(302, send_body, location=parse_qs(urlsplit(self.path).query)["to"][0])
        if path == "/trickle":  # one header line a second, for a minute
            return self.trickle(state)
        if path == "/big":  # a megabyte of body
            return self.reply(200, send_body, body=b"x" * 1024 * 1024)
        if path.startswith("/slow"):
            state.stopping.wait(state.slow_seconds)
            return self.reply(200, send_body)
        if path.startswith("/busy"):  # takes a moment, so that requests overlap
            with state.lock:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            time.sleep(0.05)
            # Counted out before answering, so the client's next request cannot overlap it.
            with state.lock:
                state.in_flight -= 1
            return self.reply(200, send_body)
        return self.reply(404, send_body)

    def reply(self, status, send_body, location=None, body=b"checked\n"):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def trickle(self, state):
        self.send_response(200)
        for number in range(60):
            if state.stopping.wait(1.0):
                break
            try:
                self.send_header(f"X-Line-{number}", "still here")
                self.flush_headers()
            except OSError:  # the client gave up: that is the point
                break
        self.close_connection = True

    def reset_connection(self):
        # SO_LINGER with a zero timeout makes close() send a TCP reset.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def log_message(self, format, *args):
        pass


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, host: str, state: ServerState):
        self.state = state
        super().__init__((host, 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address):
        pass  # a client that gave up on a slow answer is expected here

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.state.stopping.set()
        self.shutdown()
        self.server_close()


PUBLIC = "93.184.215.14"  # stands for any public address; never actually contacted


class FakeNetwork:
    """Names resolve to what ``answers`` says, and PUBLIC leads to a loopback server."""

    def __init__(self, monkeypatch, answers, route_to):
        self.answers, self.route_to = list(answers), route_to
        self.lookups: list[str] = []
        self.connections: list[tuple[str, int]] = []
        real_create_connection = socket.create_connection

        real_getaddrinfo = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host == "127.0.0.1":  # the real connect below, to the loopback server
                return real_getaddrinfo(host, port, *args, **kwargs)
            self.lookups.append(host)
            address = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

        def create_connection(address, *args, **kwargs):
            self.connections.append(address)
            if address[0] == PUBLIC:
                address = ("127.0.0.1", self.route_to.server_address[1])
            return real_create_connection(address, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", create_connection)


def black_hole(monkeypatch):
    """A network that swallows every connection attempt, as a dead uplink or firewall does."""

    def create_connection(address, timeout=None, *args, **kwargs):
        time.sleep(timeout or 0)
        raise TimeoutError("timed out")

    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port))],
    )
    monkeypatch.setattr(socket, "create_connection", create_connection)
