"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temporary folder, a free port.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` user (``runuser``)
and lives in a folder that user owns. The server listens on 127.0.0.1 and on a unix socket in that
folder, with trust authentication for local connections only; it is stopped (fast) at the end. Each
test that wants its own database asks ``create_database`` for a fresh one.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

VERSIONS = ("15", "16", "17", "14")


def server_binaries() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's (newest listed first), else whatever is on PATH."""
    for version in VERSIONS:
        folder = Path(f"/usr/lib/postgresql/{version}/bin")
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(found).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """One running server; ``url(name)`` is the SQLAlchemy URL of one of its databases."""

    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="casebook-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.log = self.folder / "server.log"
        self._databases = 0
        if self.as_root:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.folder.chmod(0o700)

    def _run(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout,
                              cwd=self.folder, check=False)

    def start(self) -> None:
        done = self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-U", "postgres",
                         "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        # fsync off and a small shared memory: a test cluster, thrown away at the end
        options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                   "-c shared_buffers=32MB")
        done = self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                         "-t", "60", "-o", options, "start")
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr or done.stdout}\n{log}")

    def stop(self) -> None:
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.folder}&port={self.port}"

    def create_database(self, prefix: str = "kb") -> str:
        """A new empty database; returns its URL."""
        import psycopg

        self._databases += 1
        name = f"{prefix}_{os.getpid()}_{self._databases}"
        with psycopg.connect(host=str(self.folder), port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_cluster() -> Cluster | str:
    """A running cluster, or the reason there is none (the tests on PostgreSQL are then skipped)."""
    binaries = server_binaries()
    if binaries is None:
        return "PostgreSQL server binaries not found (apt-get install postgresql; make test does when root)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e .)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run initdb as"
    cluster = Cluster(binaries)
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        cluster.stop()
        return f"could not start a PostgreSQL cluster: {exc}"
    return cluster
