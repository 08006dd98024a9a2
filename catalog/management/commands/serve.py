import ctypes
import signal
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.management.commands.task_worker import worker_needed

STOP_SECONDS = 30  # gunicorn's graceful time-out is 20 s; a running task may need a moment


def _die_with_parent():
    # Linux: the child is sent SIGTERM if this supervisor dies without stopping it
    # (even by SIGKILL), so nothing is left serving on its own.
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Command(BaseCommand):
    help = (
        "Serve the site with gunicorn and run the task worker beside it, as `make run` does. "
        "Ctrl-C (or SIGTERM) stops both; if either stops on its own, the other is stopped too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="gunicorn's address")

    def handle(self, *args, bind, **options):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        commands = {
            "web": [str(gunicorn), "--config", "gunicorn.conf.py", "--bind", bind, "awesome.wsgi"]
        }
        if worker_needed():
            commands["tasks"] = [sys.executable, "manage.py", "task_worker"]
        else:
            self.stdout.write("Tasks run in the web process (TASKS_BACKEND): no worker started.")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda *_: stop.set())
        children = {}
        for name, command in commands.items():
            # A session of their own: a Ctrl-C reaches this process only, which
            # then stops each child once, gracefully.
            children[name] = subprocess.Popen(  # noqa: S603 -- our own fixed commands
                command,
                cwd=settings.BASE_DIR,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # safe: no threads run in this process yet
            )
        self.stdout.write(
            "Started " + ", ".join(f"{name} (pid {child.pid})" for name, child in children.items())
        )
        self.stdout.flush()
        ended = None
        while not stop.is_set() and ended is None:
            ended = next(
                (name for name, child in children.items() if child.poll() is not None), None
            )
            stop.wait(0.5)
        if ended:
            self.stderr.write(f"The {ended} process stopped (exit {children[ended].returncode}).")
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for name, child in children.items():
            try:
                child.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} process did not stop in time: killed.")
                child.kill()
                child.wait()
        self.stdout.write("Stopped.")
        if ended:
            sys.exit(children[ended].returncode or 1)
