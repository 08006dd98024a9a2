"""
Background tasks with the real worker: the database backend's worker, started
as `make run` starts it, against the test database.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django_tasks_db.models import DBTaskResult

from submissions.services import submission_approve
from tests.factories import SubmissionFactory, UserFactory

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def database_url() -> str:
    """The test database as a DATABASE_URL, for the processes started here."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def environment(**extra) -> dict:
    return (
        dict(os.environ)
        | {
            "DATABASE_URL": database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "ENV_FILE": "",
            "TASKS_BACKEND": "database",
        }
        | extra
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_decision_mail(settings):
    settings.TASKS = DATABASE_TASKS
    moderator = UserFactory(username="mod", email="mod@example.org", moderator=True)
    submission = SubmissionFactory(title="Great paper", submitter__email="ada@example.org")

    submission_approve(submission=submission, reviewer=moderator, note="Thanks!")

    assert mail.outbox == []  # queued, not sent by the web process
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.status) == ("submissions.tasks.send_decision_mail", "READY")

    worker = subprocess.run(
        [sys.executable, "manage.py", "task_worker", "--batch"],
        cwd=PROJECT_DIR,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert worker.returncode == 0, worker.stderr
    # The console mail backend: the worker's log shows the message it sent.
    assert "Subject: [awesome] Approved: Great paper" in worker.stdout
    assert "To: ada@example.org" in worker.stdout
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert mail.outbox == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its parent is gone too, for this purpose.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(") ")[-1][:1] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.django_db(transaction=True)
def test_serve_runs_the_web_server_and_the_worker_and_ctrl_c_stops_both():
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--bind", f"127.0.0.1:{port}"],
        cwd=PROJECT_DIR,
        env=environment(WEB_CONCURRENCY="1", GUNICORN_THREADS="2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert serve.poll() is None, serve.stdout.read()
                assert time.monotonic() < deadline, "the site did not come up"
                time.sleep(0.3)
        children = children_of(serve.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_text() for pid in children]
        assert len(children) == 2
        assert any("gunicorn" in command for command in commands)
        assert any("task_worker" in command for command in commands)

        serve.send_signal(signal.SIGINT)  # what Ctrl-C sends
        output, _ = serve.communicate(timeout=45)
    finally:
        if serve.poll() is None:
            serve.kill()
    assert serve.returncode == 0, output
    assert "Stopped." in output
    assert not any(alive(pid) for pid in children)


def redis_reachable(host="127.0.0.1", port=6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_the_rq_backend_queues_in_redis_and_its_worker_runs_the_task():
    UserFactory(username="mod", email="mod@example.org", moderator=True)
    SubmissionFactory()
    env = environment(TASKS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:6379/4")

    queued = subprocess.run(
        [sys.executable, "manage.py", "notify_moderators", "--enqueue"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    worker = subprocess.run(
        [sys.executable, "manage.py", "task_worker", "--batch"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert "Queued the moderators' digest" in queued.stdout, queued.stderr
    assert worker.returncode == 0, worker.stderr
    assert "Subject: [awesome] 1 proposal waiting for review" in worker.stdout
