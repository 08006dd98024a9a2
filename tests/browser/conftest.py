"""
Browser tests: Playwright drives Debian's Chromium against gunicorn serving
the test database over real HTTP. Without Chromium they are skipped, saying why.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_DIR / "test-results"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test database as a DATABASE_URL, for the server process."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def gunicorn_serving(env: dict, port: int, purpose: str, access_log: tuple[str, str] | None = None):
    """
    gunicorn serving the site on ``port`` with ``env``, until the block ends;
    ``access_log``, a (path, format) pair, keeps its access log.
    """
    log = ["--access-logfile", "/dev/null"]
    if access_log is not None:
        log = ["--access-logfile", access_log[0], "--access-logformat", access_log[1]]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", *log, "awesome.wsgi"],
        cwd=PROJECT_DIR,
        env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz/", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"gunicorn did not start for {purpose}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def site_environment(**settings) -> dict:
    """
    The environment gunicorn serves the test database in: this one, with the
    production settings over plain HTTP on loopback, and ``settings`` on top.
    """
    inherited = {
        name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return (
        inherited
        | {
            "DATABASE_URL": database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "ENV_FILE": "",
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WEB_CONCURRENCY": "2",
        }
        | settings
    )


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker, collected_static):
    """Base URL of gunicorn serving the test database, for the whole session."""
    with gunicorn_serving(site_environment(), free_port(), "the browser tests") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium): browser tests skipped")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, **context_options):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_options)
    page = context.new_page()
    # Every page must run under the Content-Security-Policy without complaint.
    page.console_problems = []
    page.on(
        "console",
        lambda message: (
            page.console_problems.append(message.text)
            if message.type in {"error", "warning"}
            else None
        ),
    )
    return context, page


@pytest.fixture
def page(browser):
    context, page = open_page(browser)
    yield page
    context.close()


@pytest.fixture
def page_without_javascript(browser):
    context, page = open_page(browser, java_script_enabled=False)
    yield page
    context.close()


def save_screenshot(page, name: str) -> Path:
    """Keep a screenshot under test-results/ for a person to look at."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def assert_pages_fit(browser, live_url, pages: dict, width: int, scheme: str) -> None:
    """Each page is no wider than the screen, raises no console problem, and is photographed."""
    context, page = open_page(browser, color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 900})
    for name, path in pages.items():
        page.goto(live_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen"
        save_screenshot(page, f"{name}-{width}-{scheme}")
    assert page.console_problems == []
    context.close()
