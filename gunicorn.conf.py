"""gunicorn settings for every environment; the bind address comes from the command line or PORT."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Threaded workers: without a buffering proxy in front, sync workers are held by slow clients.
worker_class = "gthread"
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
