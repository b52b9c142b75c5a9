"""Serving the app on a production WSGI server: waitress in one process, or gunicorn's processes.

Searching is CPU-bound Python, and one Python process runs Python on one core
at a time however many threads it has, so a single process tops out at one
core. With ``workers > 1`` gunicorn forks that many processes sharing the
listening socket, each building its own app after the fork (its own SQLite
connections and Whoosh searchers, never shared across a fork), each with
``threads`` threads; gunicorn restarts a worker that dies. Each worker keeps
its own per-index-version caches (``index.searchers.shared``).

One worker stays on waitress, which also runs where gunicorn cannot (Windows).

Slow and idle connections: waitress reads requests in its event loop and hands a
thread only a whole request, so a slow client costs a socket, not a thread; its
default of 100 connections, though, let 110 slowloris connections lock everyone
out, so it accepts CONNECTION_LIMIT here (polled, not select()ed, past 1,024
descriptors) and closes a connection idle for CHANNEL_TIMEOUT seconds. Gunicorn's
own threaded workers read a request in a thread, so each slow client held one
(200 slow connections failed two probes in three); so each gunicorn process
serves with waitress too (``WaitressWorker``): gunicorn forks, watches and
restarts, waitress buffers. bench/slowloris.py measures both setups.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_THREADS = 8
CONNECTION_LIMIT = 2000  # open connections waitress keeps; beyond, new ones wait in the listen backlog
CHANNEL_TIMEOUT = 30  # seconds a connection may stay silent (waitress: 120)
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """Processes to serve with when none is asked: one per core this process may use (at
    most four), one where gunicorn is missing (Windows, a minimal install)."""
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_DEFAULT_WORKERS, cores))


class ServeError(Exception):
    """The server could not start (address in use, gunicorn missing)."""


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1  # processes; more than one needs gunicorn (not on Windows)
    threads: int = DEFAULT_THREADS  # per process


def _waitress_options(threads: int) -> dict:
    """Waitress' settings in every process: many connections, polled, the silent ones closed soon, and
    no body larger than the largest upload (waitress reads a body whole before the app could say 413)."""
    from webui import MAX_UPLOAD_BODY

    return {"threads": threads, "ident": "Casebook", "connection_limit": CONNECTION_LIMIT,
            "channel_timeout": CHANNEL_TIMEOUT, "asyncore_use_poll": True,
            "max_request_body_size": MAX_UPLOAD_BODY}


def _waitress_worker():
    """A gunicorn worker class that serves with waitress on the sockets gunicorn listens on.

    Gunicorn keeps what it is good at (forking, restarting a dead worker, graceful stops and
    reloads); waitress reads each request whole in its event loop before a thread sees it, so a
    slow or idle client holds a socket, never a thread, in every process."""
    from gunicorn.workers.base import Worker
    from waitress import wasyncore
    from waitress.server import create_server

    class WaitressWorker(Worker):
        def run(self):
            sockets = {}
            server = create_server(self.wsgi, map=sockets, sockets=[listener.sock for listener in self.sockets],
                                   **_waitress_options(self.cfg.threads))
            try:
                while self.alive and self.ppid == os.getppid():
                    self.notify()  # the arbiter's heartbeat: this loop never waits for a request to finish
                    wasyncore.loop(timeout=1.0, map=sockets, use_poll=True, count=1)
            finally:
                server.task_dispatcher.shutdown(timeout=self.cfg.graceful_timeout)
                wasyncore.close_all(sockets)

    return WaitressWorker


def _gunicorn_app(make_app, options: ServeOptions):
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError as exc:  # Windows, or an install without it
        raise ServeError("more than one worker needs gunicorn (pip install gunicorn; not on Windows)") from exc

    class CasebookGunicorn(BaseApplication):
        def load_config(self):
            settings = {"bind": f"{options.host}:{options.port}", "workers": options.workers,
                        "worker_class": _waitress_worker(), "threads": options.threads, "proc_name": "casebook",
                        "accesslog": None, "errorlog": "-", "loglevel": "warning",
                        "timeout": 120, "graceful_timeout": 20, "keepalive": 5}
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            return make_app()  # in each worker, after the fork

    return CasebookGunicorn()


def _allow_descriptors(wanted: int) -> None:
    """Raise this process's limit of open files towards ``wanted`` (each connection is one), within
    the hard limit; where there is no such limit (Windows), nothing."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def serve(make_app, options: ServeOptions = ServeOptions()) -> None:
    """Serve the WSGI app ``make_app()`` builds until interrupted.

    ``make_app`` is called once in this process with one worker, once per
    worker process after the fork with several."""
    if options.workers < 1 or options.threads < 1:
        raise ServeError("workers and threads must be at least 1")
    if options.workers == 1:
        import waitress

        try:
            _allow_descriptors(CONNECTION_LIMIT + 100)
            waitress.serve(make_app(), host=options.host, port=options.port, _quiet=True,
                           **_waitress_options(options.threads))
        except OSError as exc:
            raise ServeError(f"cannot listen on {options.host}:{options.port}: {exc.strerror}") from None
        return
    _allow_descriptors(CONNECTION_LIMIT + 100)  # inherited by every worker process
    _gunicorn_app(make_app, options).run()
