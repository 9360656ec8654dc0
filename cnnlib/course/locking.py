"""One grading command per course at a time, and what a killed one leaves behind.

``cnnlib-course autograde`` runs inside :func:`grading_session`, which holds for the whole run:

* an exclusive ``flock`` on ``autograded/.cnnlib-grading.lock`` in the course folder. The
  kernel releases it when the command ends, however it ends (``kill -9`` included), so it is
  never stale. The file names the holder (pid, host, command, start time) for the message a
  second command gets, and the run's temporary folder, which the next run removes if the
  holder was killed. The grading workers inherit the lock: it is free only once they are all gone;
* with a PostgreSQL gradebook, also a session-level advisory lock (``pg_try_advisory_lock``)
  keyed by the course id, on a connection of its own that lives as long as the run: the
  gradebook may be shared by machines that each have their own course folder, which a file
  lock cannot see. The server releases it when that connection closes (the command ended
  or was killed). An SQLite gradebook is a file of one machine: the file lock suffices.

A second command refuses at once (:class:`CourseBusy`), naming the holder and what to do.

Each run gets a temporary folder of its own (``$TMPDIR/cnnlib-grading-*``), the default
temporary folder while the run lasts, so that everything its kernels leave there (runtime
folders, and the control groups named after them) can be found and removed: at the end of
the run, or by the next run when this one was killed.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .config import Course, CourseError, ensure_gradebook, safe_url

__all__ = ["LOCK_NAME", "CourseBusy", "grading_session", "remove_run_folder"]

#: The lock file, in the course's ``autograded/`` folder.
LOCK_NAME = ".cnnlib-grading.lock"
#: Prefix of a run's temporary folder.
RUN_PREFIX = "cnnlib-grading-"
#: Seconds to wait for the workers of a killed command to die (they get SIGKILL with it).
ORPHAN_WAIT_S = 10.0


class CourseBusy(CourseError):
    """Another grading command holds the course."""


@contextlib.contextmanager
def grading_session(course: Course, command: str) -> Iterator[Path]:
    """Hold the course's grading locks while the block runs, in a temporary folder of its own.

    Raises :class:`CourseBusy` when another command holds a lock. Removes what a killed
    previous run of this host left in its temporary folder first.
    """
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
              "since": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
    with _file_lock(course.autograded_dir / LOCK_NAME) as fd, _server_lock(course, holder):
        previous = _read_holder(fd)
        if previous.get("host") == holder["host"]:
            remove_run_folder(previous.get("tmp"))
        run_dir = Path(tempfile.mkdtemp(prefix=RUN_PREFIX))
        _write_holder(fd, {**holder, "tmp": str(run_dir)})
        try:
            with _default_tmp(run_dir):
                yield run_dir
        finally:
            remove_run_folder(str(run_dir))
            _write_holder(fd, None)


def remove_run_folder(folder: str | None) -> None:
    """Delete a run's temporary folder, and the kernel control groups named after the kernel
    runtime folders left in it (a killed worker never removed them)."""
    if not folder or not Path(folder).name.startswith(RUN_PREFIX) or not Path(folder).is_dir():
        return
    from .sandbox import SubmissionCgroup

    parents = list(SubmissionCgroup._parents().values())
    for name in _kernel_cgroup_names(Path(folder)):
        group = SubmissionCgroup(0, 0, name)
        group.dirs = [parent / name for parent in parents if (parent / name).is_dir()]
        group.remove()
    shutil.rmtree(folder, ignore_errors=True)


def _kernel_cgroup_names(folder: Path) -> list[str]:
    """The control groups of the kernels whose runtime folders are in ``folder``: a cold kernel's
    is named as its folder, a warm kernel's (in the warm-kernel server's folder) ``cnnlib-warm-<folder>``
    (see :class:`~cnnlib.course.sandbox.SandboxedKernelManager`)."""
    cold = [p.name for p in folder.glob("cnnlib-kernel-*") if p.is_dir()]
    warm = [f"cnnlib-warm-{p.name}" for p in folder.glob("cnnlib-z*/k*") if p.is_dir()]
    return cold + warm


# --------------------------------------------------------------------------- the course folder's lock
@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path)
        yield fd
    finally:
        os.close(fd)  # releases the lock (once the forked workers, which share it, are gone too)


def _acquire(fd: int, path: Path) -> None:
    deadline = time.monotonic() + ORPHAN_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _read_holder(fd)
            if not _holder_gone(holder) or time.monotonic() > deadline:
                raise CourseBusy(_busy_message(holder, path)) from None
            time.sleep(0.1)  # the holder was killed: its workers die with it, then the lock is free
        except OSError as exc:
            raise CourseError(f"cannot lock {path}: {exc.strerror} (grading needs a folder "
                              "where flock works)") from None


def _holder_gone(holder: dict) -> bool:
    """True when the holder ran on this host and its process no longer exists."""
    if holder.get("host") != socket.gethostname() or not isinstance(holder.get("pid"), int):
        return False
    try:
        os.kill(holder["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _busy_message(holder: dict, path: Path) -> str:
    if not holder:
        return (f"another grading command holds the course (lock file {path}); wait for it to finish "
                "and run your command again")
    who = f"pid {holder.get('pid')} on {holder.get('host')}"
    text = (f"another grading command holds the course: `cnnlib-course {holder.get('command')}`, {who}, "
            f"since {holder.get('since')} (lock file {path}).")
    if _holder_gone(holder):
        return (f"{text} That process is gone but its grading workers (processes named "
                "autograde-<student>) still run; wait for them to end, or kill them, then run your "
                "command again")
    return (f"{text} Wait for it to finish, or stop it (kill {holder.get('pid')} on {holder.get('host')}), "
            "then run your command again: what it finished grading is kept, the rest is graded")


def _read_holder(fd: int) -> dict:
    try:
        data = json.loads(os.pread(fd, 65536, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_holder(fd: int, holder: dict | None) -> None:
    os.ftruncate(fd, 0)
    if holder:
        os.pwrite(fd, (json.dumps(holder) + "\n").encode("utf-8"), 0)


@contextlib.contextmanager
def _default_tmp(folder: Path) -> Iterator[None]:
    """``folder`` as the default temporary folder of this process and of those it starts."""
    saved = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir, os.environ["TMPDIR"] = str(folder), str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved[0]
        if saved[1] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[1]


# --------------------------------------------------------------------------- the gradebook server's lock
def advisory_key(course_id: str) -> int:
    """The PostgreSQL advisory lock key (a signed 64-bit integer) of grading ``course_id``."""
    digest = hashlib.sha256(f"cnnlib-course grading {course_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def _server_lock(course: Course, holder: dict) -> Iterator[None]:
    if not course.db_url.startswith("postgresql"):
        yield
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from .config import _connect_args

    ensure_gradebook(course.db_url)  # a clear error when the server cannot be reached
    key = advisory_key(course.config.CourseDirectory.course_id)
    name = f"cnnlib-course pid {holder['pid']} on {holder['host']}"[:63]
    connect = _connect_args(course.db_url)
    connect["connect_args"] = {**connect.get("connect_args", {}), "application_name": name}
    engine = create_engine(course.db_url, poolclass=NullPool, **connect)
    try:
        conn = _lock_on_server(engine, key, course)
        try:
            yield
        finally:
            with contextlib.suppress(SQLAlchemyError):
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            with contextlib.suppress(SQLAlchemyError):
                conn.close()
    finally:
        engine.dispose()


def _lock_on_server(engine, key: int, course: Course):
    """A connection holding the advisory lock ``key`` (CourseBusy when another session holds it)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            return conn
        message = _server_busy_message(conn, key, course)
        conn.close()
    except SQLAlchemyError as exc:
        raise CourseError(f"cannot lock the gradebook {safe_url(course.db_url)} for grading: "
                          f"{type(exc).__name__}") from None
    raise CourseBusy(message)


_HOLDER_QUERY = """
SELECT a.pid, a.application_name, host(a.client_addr) AS client, a.backend_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = :hi AND l.objid::bigint = :lo
"""


def _server_busy_message(conn, key: int, course: Course) -> str:
    from sqlalchemy import text

    unsigned = key & 0xFFFFFFFFFFFFFFFF
    row = conn.execute(text(_HOLDER_QUERY), {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF}).first()
    course_id = course.config.CourseDirectory.course_id
    who = "another session"
    if row is not None:
        who = (f"{row.application_name or 'a session'} (from {row.client or 'a local socket'}, "
               f"PostgreSQL backend pid {row.pid}, connected since {row.backend_start:%Y-%m-%d %H:%M:%S %z})")
    return (f"another grading command holds course {course_id!r} in the gradebook "
            f"{safe_url(course.db_url)} (PostgreSQL advisory lock {key}): {who}. Wait for it to finish, "
            "or stop it on its host, then run your command again: what it finished grading is kept")
