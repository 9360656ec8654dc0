"""Warm grading kernels: a sandboxed fork server (zygote) that has imported torch once.

Opt-in: ``cnnlib-course autograde ASSIGNMENT --warm-kernels``, or
``c.SandboxedKernelManager.warm_kernels = True`` in the course's ``nbgrader_config.py``
(``--no-warm-kernels`` turns it off again). Without it every kernel is started cold, as
described in :mod:`cnnlib.course.sandbox`.

Why
---
A cold grading kernel spends most of its life importing: ``import torch, cnnlib`` is
1.5-5 s of CPU on the course's 2-core machines, paid by every submission. The zygote
pays it once per autograde run and forks a kernel per submission in milliseconds.

Design
------
* **The zygote lives in a bubblewrap sandbox** (:func:`~cnnlib.course.sandbox.zygote_command`),
  built like a cold kernel's (:func:`~cnnlib.course.sandbox.bwrap_argv`: read-only root,
  only ``/usr`` and the Python installation, no network, cleared environment - the
  kernel's - all capabilities dropped, unprivileged uid) with everything writable made
  read-only (``/tmp``, the home, ``/dev``) except its runtime folder, which holds its
  control socket and the kernels' runtime folders. It imports exactly what a cold kernel
  imports before its first cell (the probe, the assignment's preloaded libraries,
  ipykernel), never runs student code, creates no ZMQ context and starts no thread (it
  checks ``/proc/self/task`` - native threads included, not only ``threading``'s - at
  start and before every fork; torch's thread pools start with a first torch operation,
  and it runs none).
* **Each kernel gets its own sandbox inside it** (``_zygote_main.py`` has the steps). Per
  request the zygote forks a *supervisor*, which starts its own session, reports its pid
  and waits until the grader has put it into the submission's cgroup
  (:class:`~cnnlib.course.sandbox.SubmissionCgroup`; the grader reads the host pid from
  ``SCM_CREDENTIALS``), then creates new user, mount, PID, network (``lo`` up), IPC and UTS
  namespaces (``unshare`` through ctypes: Python 3.11 has no ``os.unshare``), maps its
  uid to itself, mounts fresh size-limited tmpfs over ``/tmp``, the home (working folder
  inside, the submission's files bound read-only, as for a cold kernel) and ``/dev/shm``,
  a new ``devpts``, hides the zygote's runtime folder except this kernel's own, and
  forks the namespace's *init* (PID 1), then drops every capability and only relays
  "kill" and the exit status. The init mounts the namespace's own ``/proc`` (read-only),
  checks that no writable mount but the fresh ones is reachable (fails closed: one
  kernel can never leave a file another reads), drops every capability and forks the
  *kernel*: own session (its ``killpg(0)`` reaches nothing outside), resource limits,
  the zygote's start-up environment, new seeds for ``random``, numpy and torch (a fork
  would repeat the zygote's), and only then ZMQ sockets and threads (``IPKernelApp``).
  When the kernel ends, init exits and every process of the submission dies with the
  PID namespace; the cgroup is emptied and removed as for a cold kernel.
* Process state cannot leak between students because no student code runs in the
  zygote: each kernel is a fresh fork of a process that only imported modules.
  ``tests/test_zygote.py`` grades a submission that changes module globals,
  ``sys.modules``, torch's settings and seeds, the environment and files and leaves
  processes running, then one that looks for all of it, with the same zygote; and two
  kernels at the same time that try to reach each other; ``tests/test_adversarial.py``
  grades its whole corpus cold and warm.

Why not bubblewrap again for each kernel, inside the zygote's sandbox: a nested sandbox
cannot mount a ``/proc`` for its new PID namespace when the only ``proc`` mount it sees
has bubblewrap's read-only covers over ``/proc/irq`` and ``/proc/bus`` (the kernel
refuses, "not fully visible"; checked on this machine), and it would cost an ``execve``
and the imports again. So the zygote's sandbox keeps a read-only bind of the host's
``/proc`` at ``/run/cnnlib/hostproc``, which makes the init's own ``/proc`` mount legal
(read-only, because that bind is); the init hides it before any student code runs. Why
not a zygote outside any sandbox that builds each kernel's root from scratch:
bubblewrap's root filesystem is tested, and a mistake in the per-kernel layer still
leaves a kernel inside the zygote's sandbox (no host files, no network). Nested user
namespaces work here as root (CI) and as an unprivileged user; where they do not, the
self-test fails and the run uses cold kernels. Measured: a kernel's sandbox is set up
in 0.03-0.08 s (vs 1.5-5 s of imports); see ``benchmarks/RESULTS.md``.

Differences from a cold kernel, by design: ``/proc`` and ``/dev`` are read-only; the
string hash seed is the zygote's (one per autograde run, not one per kernel); memory
the kernel only reads from the zygote (the imported libraries) is charged to the
grader's cgroup, not the submission's (``RLIMIT_AS`` still counts it).

Failures: if the zygote cannot start or its self-test fails, the run falls back to
cold kernels with one log line. If it dies while a kernel is starting or running
(:class:`ZygoteLost`), the worker gives up on that submission without saving its
grade, the pool restarts the zygote and grades the submission again (one log line
each time, at most :data:`MAX_RETRIES` times). When the run ends the zygote, every
kernel and the runtime folder are removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from . import _zygote_main as proto

__all__ = ["MAX_RETRIES", "ZygoteKernel", "ZygoteLost", "ZygoteServer", "ZygoteUnavailable", "lost_reason", "spawn"]

#: How many times a submission is graded again after the zygote died under it.
MAX_RETRIES = 2
SOCKET_NAME = "control.sock"

_lost: list[str] = []
#: (start-up wall seconds, CPU seconds) of each zygote of this process, recorded when it stops.
HISTORY: list[tuple[float, float]] = []


class ZygoteUnavailable(RuntimeError):
    """The warm-kernel server could not be started here (the run uses cold kernels)."""


class ZygoteLost(RuntimeError):
    """The warm-kernel server died or could not be reached: the submission must be graded again."""


def note_lost(reason: str) -> ZygoteLost:
    """Record (for this worker process) that the zygote was lost; return the exception to raise."""
    _lost.append(reason)
    return ZygoteLost(f"the warm-kernel server was lost: {reason}")


def lost_reason() -> str:
    """Why the zygote was lost while this process graded (empty if it was not)."""
    return _lost[-1] if _lost else ""


def _connect(socket_path: str, timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.settimeout(timeout)
    try:
        sock.connect(socket_path)
    except OSError:
        sock.close()
        raise
    return sock


def ping(socket_path: str, timeout: float = 5.0) -> dict | None:
    """The zygote's answer to ``ping`` (its pid and thread count), or None when it does not answer."""
    try:
        with _connect(socket_path, timeout) as sock:
            proto.send_msg(sock, {"op": "ping"})
            answer, _, _ = proto.recv_msg(sock)
            return answer
    except (OSError, ValueError):
        return None


def _alive(socket_path: str) -> bool:
    """Whether the zygote still answers (three tries: it may be busy forking)."""
    return any(ping(socket_path, timeout=2.0) is not None for _ in range(3))


class ZygoteKernel:
    """A kernel forked by the zygote, with the part of :class:`subprocess.Popen` that
    jupyter_client's provisioner uses (``poll``, ``wait``, ``send_signal``, ``kill``)."""

    stdin = stdout = stderr = None

    def __init__(self, sock: socket.socket, pid: int, socket_path: str):
        self.sock, self.pid, self.socket_path = sock, pid, socket_path
        self.returncode: int | None = None
        self.lost = ""

    def _read(self, timeout: float | None) -> None:
        while self.returncode is None:
            self.sock.settimeout(timeout)
            try:
                message, _, _ = proto.recv_msg(self.sock)
            except (TimeoutError, BlockingIOError):
                return
            except OSError:
                message = None
            if message is None:  # the supervisor vanished without reporting: was it the zygote?
                self.returncode = -9
                if not _alive(self.socket_path):
                    self.lost = "it died while the kernel was running"
                    note_lost(self.lost)
            elif message.get("event") == "exit":
                self.returncode = int(message["status"])
        self.sock.close()

    def poll(self) -> int | None:
        if self.returncode is None:
            self._read(0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._read(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired("zygote kernel", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(OSError):
                op = {"op": "kill"} if signum in (9, 15) else {"op": "signal", "signum": int(signum)}
                proto.send_msg(self.sock, op)

    def kill(self) -> None:
        self.send_signal(9)

    terminate = kill


def spawn(zygote_dir: str, *, run_dir: str, files_dir: str, tmpfs_bytes: int,
          connection_file: str, log_fd: int, cgroup=None, timeout: float = 60.0,
          dry_run: bool = False) -> ZygoteKernel:
    """Ask the zygote in ``zygote_dir`` for a kernel whose runtime folder is ``run_dir`` and whose
    working folder shows the files under ``files_dir`` read-only; raise :class:`ZygoteLost` if the
    zygote is gone, RuntimeError if the kernel's sandbox could not be set up."""
    socket_path = os.path.join(zygote_dir, SOCKET_NAME)
    request = {"op": "spawn", "zygote_dir": zygote_dir, "run_dir": run_dir, "files_dir": files_dir,
               "tmpfs_bytes": tmpfs_bytes, "connection_file": connection_file, "dry_run": dry_run}
    try:
        sock = _connect(socket_path, timeout)
    except OSError as exc:
        raise note_lost(f"could not reach it ({exc})") from exc
    try:
        proto.send_msg(sock, request, [log_fd])
        message, _, cred = proto.recv_msg(sock)
    except BaseException:
        sock.close()
        raise
    if message is None:
        raise note_lost("it closed the connection before forking")
    if message.get("event") != "forked" or cred is None:
        raise RuntimeError(f"the warm-kernel server refused: {message.get('message', message)}")
    pid = cred[0]
    try:
        if cgroup is not None:
            cgroup.add(pid)
        proto.send_msg(sock, {"op": "go"})
        message, _, _ = proto.recv_msg(sock)
    except BaseException:
        sock.close()
        raise
    if message is None or message.get("event") != "started":
        sock.close()
        if message is None and not _alive(socket_path):
            raise note_lost("it died while starting a kernel")
        raise RuntimeError("the kernel's sandbox could not be set up: "
                           + (message or {}).get("message", "the supervisor died"))
    sock.settimeout(None)
    return ZygoteKernel(sock, pid, socket_path)


class ZygoteServer:
    """The zygote of one autograde run: :meth:`start` it, give ``runtime_dir`` to the kernel
    managers (``SandboxedKernelManager.zygote_dir``), :meth:`stop` it at the end."""

    def __init__(self, bwrap: str, limits, preload: list[str], pycache: str = ""):
        self.bwrap, self.limits, self.preload, self.pycache = bwrap, limits, list(preload), pycache
        self.runtime_dir = ""
        self.process: subprocess.Popen | None = None

    @property
    def socket_path(self) -> str:
        return os.path.join(self.runtime_dir, SOCKET_NAME)

    _log = None

    def log_tail(self, max_bytes: int = 2000) -> str:
        from .sandbox import read_tail

        with contextlib.suppress(OSError, ValueError, AttributeError):
            data = read_tail(self._log, max_bytes)  # by descriptor: see read_tail
            return " ".join(data.decode("utf-8", "replace").split())
        return ""

    def start(self, timeout: float = 300.0) -> None:
        """Start the zygote and wait until it answers and passed its self-test; raise
        :class:`ZygoteUnavailable` (nothing left behind) otherwise."""
        from .sandbox import zygote_command

        started = time.monotonic()
        self.runtime_dir = tempfile.mkdtemp(prefix="cnnlib-z")  # short: sockets' paths are limited
        argv = zygote_command(self.bwrap, runtime_dir=self.runtime_dir, limits=self.limits,
                              preload=self.preload, pycache=self.pycache, socket_path=self.socket_path)
        self._log = open(os.path.join(self.runtime_dir, "zygote.log"), "w+b")  # noqa: SIM115
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.socket_path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                why = self.log_tail() or f"exit status {self.process.poll()}"
                self.stop()
                raise ZygoteUnavailable(f"the warm-kernel server did not start: {why}")
            time.sleep(0.02)
        try:
            self.self_test()
        except (RuntimeError, OSError) as exc:
            self.stop()
            raise ZygoteUnavailable(f"the warm-kernel server failed its self-test: {exc}") from None
        self.startup_s = time.monotonic() - started

    def self_test(self) -> None:
        """Set up one kernel sandbox without a kernel (``dry_run``): namespaces, mounts, checks."""
        run = tempfile.mkdtemp(prefix="selftest", dir=self.runtime_dir)
        try:
            with open(os.devnull, "wb") as null:
                kernel = spawn(self.runtime_dir, run_dir=run, files_dir=run + ".files", connection_file="",
                               tmpfs_bytes=self.limits.tmpfs_mb * 2**20, log_fd=null.fileno(), dry_run=True)
            if kernel.wait(30) != 0:
                raise RuntimeError(f"the test kernel's sandbox exited with status {kernel.returncode}")
        finally:
            shutil.rmtree(run, ignore_errors=True)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and _alive(self.socket_path)

    def cpu_seconds(self) -> float:
        """CPU time used so far by the zygote's process tree (bubblewrap, the zygote, live kernels)."""
        total, todo, tick = 0.0, [self.process.pid] if self.process else [], os.sysconf("SC_CLK_TCK")
        while todo:
            pid = todo.pop()
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
                for task in os.listdir(f"/proc/{pid}/task"):
                    todo += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        return total

    def stop(self) -> None:
        """End the zygote (its sandbox's PID namespace takes every kernel with it); remove its folder."""
        if self.process is not None:
            if hasattr(self, "startup_s"):
                HISTORY.append((self.startup_s, self.cpu_seconds()))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, 9)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.runtime_dir:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
