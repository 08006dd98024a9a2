"""gunicorn settings for every environment; the bind address comes from the command line or PORT."""

import gc
import multiprocessing
import os
import shutil
import tempfile

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Threaded workers: without a buffering proxy in front, sync workers are held by slow clients.
# Ours take a new connection only while they have a free thread (see the module).
worker_class = "awesome.gunicorn_worker.FreeThreadWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so that a slow leak can never take the site down.
max_requests = 100_000
max_requests_jitter = 10_000
accesslog = "-"
errorlog = "-"
# Proxies whose X-Forwarded-* headers are believed: none unless named, as in Django's settings.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")

# Without Redis, the workers share rendered pages through a folder made for
# this start of the server (see PUBLIC_PAGE_SHARED_DIR in the settings): fresh
# at each start, so no page outlives the server, and removed when it stops.
# The workers inherit it; a reload (SIGHUP) keeps it, as it keeps the master.
if not os.environ.get("REDIS_URL") and not os.environ.get("PUBLIC_PAGE_SHARED_DIR"):
    os.environ["PUBLIC_PAGE_SHARED_DIR"] = tempfile.mkdtemp(prefix="awesome-pages-")
    os.environ["PUBLIC_PAGE_SHARED_DIR_OWNER"] = str(os.getpid())


def on_exit(server):
    if os.environ.get("PUBLIC_PAGE_SHARED_DIR_OWNER") == str(os.getpid()):
        shutil.rmtree(os.environ["PUBLIC_PAGE_SHARED_DIR"], ignore_errors=True)


def post_worker_init(worker):
    """
    Once the site is loaded, its objects (modules, URL patterns, settings) live
    as long as the worker: frozen, a full collection no longer walks through
    them, which cost tens of milliseconds to whichever request it fell in.
    """
    gc.collect()
    gc.freeze()
