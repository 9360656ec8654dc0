"""A real, throwaway PostgreSQL server for the tests (fixtures ``postgresql`` and ``pg_url``).

One server per test session (per xdist worker that asks for it): ``initdb`` into a temporary
folder, ``postgres`` on 127.0.0.1 at a free port with its unix socket in that folder, password
authentication over TCP, durability off (it is thrown away). Each test that asks for ``pg_url``
gets a database of its own, dropped afterwards; the server stops at the end of the session.

The server comes from Debian's ``postgresql`` package (``.ci/run`` installs it), found in
``/usr/lib/postgresql/<version>/bin``, through ``pg_config --bindir`` or on ``PATH``
(``CNNLIB_PG_BINDIR`` overrides). PostgreSQL refuses to run as root: as root the server runs
as the ``postgres`` user the package creates (``nobody`` where there is none).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

USER = "cnnlib"
#: A password with characters that must be percent-encoded in a URL (and that break an
#: alembic.ini, where "%" is an interpolation character).
PASSWORD = "s3cret@%/:x"


def find_bindir() -> Path | None:
    """The folder of ``initdb``, ``pg_ctl`` and ``postgres``, or None."""
    candidates = []
    if os.environ.get("CNNLIB_PG_BINDIR"):
        candidates.append(Path(os.environ["CNNLIB_PG_BINDIR"]))
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                      key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0], reverse=True)
    candidates += versions
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PgServer:
    """A running server: ``url(database)`` is the SQLAlchemy URL of one of its databases."""

    bindir: Path
    root: Path
    port: int
    run_as: str | None  # the user the server runs as when the tests run as root

    host = "127.0.0.1"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str, password: str | None = PASSWORD) -> str:
        secret = f":{quote(password, safe='')}" if password is not None else ""
        return f"postgresql://{USER}{secret}@{self.host}:{self.port}/{database}"

    def _admin(self):
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=USER, password=PASSWORD,
                               dbname="postgres", autocommit=True, connect_timeout=10)

    def create_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [str(self.bindir / tool), *args]
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv] if shutil.which("runuser") else \
                ["su", "-s", "/bin/sh", self.run_as, "-c", " ".join(_shell_quote(a) for a in argv)]
        out = subprocess.run(argv, cwd=self.root, capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}\n{tail}")
        return out

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def start_server() -> PgServer:
    """initdb and start a server; the caller must ``stop()`` it."""
    bindir = find_bindir()
    if bindir is None:
        message = ("needs PostgreSQL's server programs (initdb, pg_ctl, postgres): "
                   "`apt-get install postgresql` (.ci/run does), or set CNNLIB_PG_BINDIR")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    run_as = None
    if os.geteuid() == 0:
        run_as = "postgres"
        try:
            pwd.getpwnam(run_as)
        except KeyError:
            run_as = "nobody"
    root = Path(tempfile.mkdtemp(prefix="cnnlib-pg-"))  # in /tmp: a user other than root can reach it
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    (root / "pwfile").write_text(PASSWORD + "\n")
    if run_as:
        os.chown(root / "pwfile", entry.pw_uid, entry.pw_gid)
    server = PgServer(bindir=bindir, root=root, port=0, run_as=run_as)
    try:
        server.run("initdb", "-D", str(server.data), "-U", USER, f"--pwfile={root / 'pwfile'}",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
        for attempt in range(3):
            server.port = _free_port()
            options = (f"-h 127.0.0.1 -p {server.port} -k {root} -c fsync=off -c full_page_writes=off "
                       "-c synchronous_commit=off -c shared_buffers=16MB -c max_connections=60")
            out = server.run("pg_ctl", "-D", str(server.data), "-l", str(root / "server.log"), "-o", options,
                             "-w", "-t", "60", "start", check=attempt == 2)
            if out.returncode == 0:
                break
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def postgresql():
    """A PostgreSQL server for the whole session."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgresql):
    """The URL (user and password included) of an empty database of its own, dropped afterwards."""
    name = f"gradebook_{uuid.uuid4().hex[:10]}"
    postgresql.create_database(name)
    try:
        yield postgresql.url(name)
    finally:
        postgresql.drop_database(name)
