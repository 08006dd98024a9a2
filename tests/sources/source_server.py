"""
arXiv, Crossref, OpenReview and GitHub on loopback, answering from the recorded
answers in tests/fixtures/sources/ (the sources' own formats), odd cases
included. Point the base URL settings at it with ``source_settings``.

    /arxiv/query?id_list=...          the Atom export API
    /crossref/works/<doi>             Crossref's REST API
    /openreview/notes?id=...          OpenReview API v2
    /github/repos/<owner>/<name>      GitHub REST v3 (and /releases/latest)
    /slow/<any of the above>          the same, after ``state.slow_seconds``

"RECENT_DATE" in a recorded answer becomes a moment three days ago, so that a
repository recorded as active stays active whenever the tests run.
"""

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tests.local_http import LocalServer, ServerState

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sources"
ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})$")
ENTRY = re.compile(r"<entry>.*?</entry>", re.DOTALL)
FEED_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" '
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">\n'
    "  <title>arXiv Query</title>\n  <id>https://arxiv.org/api/fixture</id>\n"
)
# GitHub answers a renamed repository's old name with a redirect to its id.
GITHUB_MOVED = {"neelnanda-io/transformerlens": 526207839}
GITHUB_BY_ID = {526207839: "repositories_526207839.json"}
GITHUB_CURRENT = {"transformerlensorg/transformerlens": 526207839}
ARXIV_THROTTLED = "2501.00503"  # arXiv answers 503 "Rate exceeded."


class SourceState(ServerState):
    def __init__(self, slow_seconds: float = 10.0):
        super().__init__(slow_seconds=slow_seconds)
        # Any repository without a recorded answer answers like an active one.
        self.default_repositories = False


class SourceHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        state: SourceState = self.server.state
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        with state.lock:
            state.hits.append(("GET", path))
            state.counts[path] += 1
        if path.startswith("/slow/"):
            if state.stopping.wait(state.slow_seconds):
                return None
            path = path.removeprefix("/slow")
        if path.startswith("/arxiv/"):
            return self.arxiv(query.get("id_list", [""])[0])
        if path.startswith("/crossref/works/"):
            return self.crossref(unquote(path.removeprefix("/crossref/works/")))
        if path.startswith("/openreview/notes"):
            return self.openreview(query.get("id", [""])[0])
        if path.startswith("/github/"):
            return self.github(path.removeprefix("/github"))
        return self.send(404, b"not here\n", "text/plain")

    def arxiv(self, id_list):
        ids = [item.strip().lower() for item in id_list.split(",") if item.strip()]
        if ARXIV_THROTTLED in ids:
            return self.send(503, b"Rate exceeded.", "text/plain", {"Retry-After": "3"})
        if any(not ARXIV_ID.match(item) for item in ids):
            return self.send(200, read("arxiv/error.xml"), "application/atom+xml")
        files = [FIXTURES / "arxiv" / f"{item.replace('/', '_')}.xml" for item in ids]
        known = [file for file in files if file.exists()]
        if len(ids) == 1:
            body = known[0].read_bytes() if known else read("arxiv/empty.xml")
            return self.send(200, body, "application/atom+xml")
        entries = "".join(
            "  " + entry + "\n" for file in known for entry in ENTRY.findall(file.read_text())
        )
        body = f"{FEED_HEAD}{entries}</feed>\n".encode()
        return self.send(200, body, "application/atom+xml")

    def crossref(self, doi):
        file = FIXTURES / "crossref" / f"{doi.lower().replace('/', '_')}.json"
        if not file.exists():
            return self.send(404, b"Resource not found.", "text/plain")
        return self.send(200, file.read_bytes(), "application/json")

    def openreview(self, note_id):
        file = FIXTURES / "openreview" / f"{note_id}.json"
        if not file.exists():
            file = FIXTURES / "openreview" / "empty.json"
        return self.send(200, file.read_bytes(), "application/json")

    def github(self, path):
        if match := re.fullmatch(r"/repositories/(\d+)(/.*)?", path):
            if match[2] or int(match[1]) not in GITHUB_BY_ID:
                return self.github_missing()
            return self.send_json(read(f"github/{GITHUB_BY_ID[int(match[1])]}"))
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/releases/latest)?", path)
        if match is None:
            return self.github_missing()
        full_name = f"{match[1]}/{match[2]}".lower()
        owner = full_name.split("/")[0]
        if owner == "ratelimited":
            reset = str(int(time.time()) + 1800)
            headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0"}
            headers |= {"X-RateLimit-Reset": reset, "X-RateLimit-Resource": "core"}
            return self.send(403, read("github/rate_limited.json"), "application/json", headers)
        if owner == "throttled":
            body = read("github/rate_limited.json")
            return self.send(429, body, "application/json", {"Retry-After": "60"})
        if full_name in GITHUB_MOVED:
            location = f"/github/repositories/{GITHUB_MOVED[full_name]}{match[3] or ''}"
            body = json.dumps({"message": "Moved Permanently", "url": location}).encode()
            return self.send(301, body, "application/json", {"Location": location})
        stem = full_name.replace("/", "__")
        if match[3]:
            file = FIXTURES / "github" / f"{stem}.release.json"
            return self.send_json(file.read_bytes()) if file.exists() else self.github_missing()
        if full_name in GITHUB_CURRENT:
            return self.send_json(read(f"github/{GITHUB_BY_ID[GITHUB_CURRENT[full_name]]}"))
        file = FIXTURES / "github" / f"{stem}.json"
        if file.exists():
            return self.send_json(file.read_bytes())
        if self.server.state.default_repositories and owner not in ("missing",):
            body = read("github/_default.json").replace(b"OWNER", match[1].encode())
            return self.send_json(body.replace(b"NAME", match[2].encode()))
        return self.github_missing()

    def github_missing(self):
        return self.send(404, read("github/not_found.json"), "application/json")

    def send_json(self, body):
        recent = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.send(200, body.replace(b"RECENT_DATE", recent.encode()), "application/json")

    def send(self, status, body, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class SourceServer(LocalServer):
    def __init__(self, state: SourceState):
        self.state = state
        # LocalServer's own handler is the link checker's; this one is the sources'.
        super(LocalServer, self).__init__(("127.0.0.1", 0), SourceHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)


def point_settings_at(settings, base_url: str, *, slow: bool = False) -> None:
    """Point every source's base URL setting at the server (through /slow/ when ``slow``)."""
    prefix = base_url + ("/slow" if slow else "")
    settings.ARXIV_API_URL = prefix + "/arxiv/query"
    settings.CROSSREF_API_URL = prefix + "/crossref"
    settings.OPENREVIEW_API_URL = prefix + "/openreview"
    settings.GITHUB_API_URL = prefix + "/github"
    settings.GITHUB_TOKEN = ""
