"""The gunicorn worker takes new connections only while it has a free thread."""

import os
import selectors
import socket
from contextlib import contextmanager

from gunicorn.config import Config
from gunicorn.workers.gthread import ThreadWorker

from awesome.gunicorn_worker import FreeThreadWorker


@contextmanager
def worker_with_threads(threads, monkeypatch):
    """A worker as its process has it before serving: its poller and a listening socket."""
    config = Config()
    config.set("threads", threads)
    # The thread pool and the connection's own handling are gunicorn's, not ours.
    monkeypatch.setattr(ThreadWorker, "enqueue_req", lambda self, conn: None)
    monkeypatch.setattr(ThreadWorker, "finish_request", lambda self, conn, fs: None)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        worker = FreeThreadWorker(0, os.getppid(), [listener], None, 30, config, None)
        worker.poller = selectors.DefaultSelector()
        try:
            yield worker, listener
        finally:
            worker.poller.close()
            worker.tmp.close()


def listening(worker, listener) -> bool:
    return listener in {key.fileobj for key in worker.poller.get_map().values()}


def test_a_worker_stops_taking_connections_while_every_thread_is_busy(monkeypatch):
    with worker_with_threads(2, monkeypatch) as (worker, listener):
        worker.set_accept_enabled(True)
        assert listening(worker, listener)

        worker.enqueue_req("first connection")
        assert listening(worker, listener)
        worker.enqueue_req("second connection")
        assert not listening(worker, listener)  # both threads busy
        worker.set_accept_enabled(True)  # what its loop asks on every turn
        assert not listening(worker, listener)

        worker.finish_request("first connection", None)
        assert listening(worker, listener)


def test_a_stopping_worker_takes_no_more_connections(monkeypatch):
    with worker_with_threads(2, monkeypatch) as (worker, listener):
        worker.set_accept_enabled(True)
        worker.enqueue_req("last connection")
        worker.alive = False
        worker.finish_request("last connection", None)
        assert not listening(worker, listener)
