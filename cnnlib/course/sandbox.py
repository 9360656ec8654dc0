"""Sandboxed kernels for autograding untrusted notebooks.

Design
------
nbgrader itself runs in the trusted instructor process (one forked worker per
submission, see :mod:`cnnlib.course.autograde`); only the *kernel* that executes the
student's code is sandboxed. :class:`SandboxedKernelManager` is a jupyter_client
kernel manager that nbgrader's execute step uses instead of the default one. It
starts ``python -I cnnlib/course/_kernel.py`` wrapped in bubblewrap (``bwrap``):

* own network, PID, IPC, UTS and user namespaces (``--unshare-all``,
  ``--unshare-user``): no network at all; the kernel runs as an unprivileged user
  (uid :data:`SANDBOX_UID`) and is killed when its worker dies (``--die-with-parent``);
  all capabilities dropped, so the resource limits below cannot be raised again;
* the sandbox's root is read-only (``--remount-ro /``): the only writable places
  are the size-limited tmpfs of ``/tmp`` and the home;
* where the grader can write cgroups (v1 ``memory``/``pids`` or v2), the whole
  submission - the kernel and every process it starts - runs in its own control
  group (:class:`SubmissionCgroup`) with ``memory_mb`` of memory (tmpfs pages
  included) and ``nproc`` processes, and everything left in it is killed at the end;
* a read-only view of ``/usr`` and of the Python installation only (the virtual
  environment, the base interpreter, and the directories of packages installed
  in editable mode such as ``cnnlib``): no ``solutions/``, no gradebook, no other
  student's submission, no home directory;
* the working directory is a size-limited tmpfs into which the submission's
  supporting files are bind-mounted read-only; the graded notebook itself (which
  holds the hidden tests) is never visible to the kernel; ``/tmp`` and ``$HOME``
  are size-limited tmpfs too, so nothing the student writes reaches the disk;
* kernel and grader talk over ZMQ's ``ipc`` transport (Unix sockets in a private
  runtime directory bind-mounted into the sandbox), because TCP over loopback is
  impossible without a network namespace in common;
* the environment is cleared (the grader's environment may hold a database URL
  with a password); the kernel gets ``HOME``, ``PATH``, ``LANG`` and a few
  thread-count variables;
* resource limits are applied by the launcher before it imports anything:
  ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_FSIZE``, ``RLIMIT_NPROC``,
  ``RLIMIT_CORE=0`` (per process: the cgroup above is what bounds the submission as a
  whole). Note ``import torch, cnnlib`` alone maps about 3.1 GB of address
  space (measured: VmSize 3.1 GB, RSS 0.6 GB with torch 2.13 and ``MALLOC_ARENA_MAX=2``,
  which the kernel gets so glibc does not reserve 64 MiB per thread), so ``memory_mb``
  must leave room for that in courses that use torch. ``RLIMIT_NPROC`` is not enforced
  when the grader runs as root (the kernel's exemption for ``INIT_USER``, which a user
  namespace keeps): the cgroup's ``pids.max`` is. The PID namespace kills every process
  of the sandbox when it ends.

* bytecode: sandboxed kernels read a bytecode cache (:func:`warm_pycache`) that
  only the trusted grader writes, bind-mounted read-only; without it each kernel
  compiles IPython, jupyter_client and torch from source whenever the installation
  has no ``__pycache__`` (as with ``PYTHONDONTWRITEBYTECODE=1``).

Measured cost: the sandbox adds no measurable CPU time to a kernel (ch10_efficient,
4 copies of the solution: 5.3 CPU s per kernel sandboxed vs 6.0 s without
bubblewrap, run-to-run noise included); bubblewrap itself starts in milliseconds.

Known limits: the only host folder the kernel can write is its runtime folder
(Unix sockets, connection file) under ``$TMPDIR``; ``RLIMIT_FSIZE`` caps each file
and the wall-clock limit caps the time, but not the number of files, so point
``TMPDIR`` at a small tmpfs on a shared grading machine. A fork bomb is confined
to the sandbox's PID namespace and ends with it, but runs until the limits stop it.

Without bubblewrap (``--unsafe``) the same launcher, environment scrubbing and
resource limits are used, but the kernel can read and write every file the
instructor can (the gradebook, the solutions, the bytecode cache): only use that
for code you trust.

The per-cell timeout, the per-submission wall-clock limit and the handling of a
kernel that dies or stops responding live in
:class:`cnnlib.course.preprocessors.SandboxedExecute`.

Warm kernels (opt-in, ``autograde --warm-kernels`` or ``SandboxedKernelManager.warm_kernels``):
instead of a bubblewrap per kernel, one sandboxed server per autograde run imports the
assignment's libraries once and forks each kernel into its own new namespaces, fresh tmpfs,
cgroup, limits and environment (:func:`zygote_command`, :mod:`cnnlib.course.zygote`, whose
docstring has the design and how it compares with the list above).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode

from .config import is_released

__all__ = [
    "Limits",
    "pycache_dir",
    "warm_pycache",
    "SandboxUnavailable",
    "SandboxedKernelManager",
    "bwrap_argv",
    "check_sandbox",
    "find_bwrap",
    "visible_files",
]

KERNEL_SCRIPT = Path(__file__).with_name("_kernel.py")
SANDBOX_HOME = "/home/student"
#: The user the kernel runs as inside the sandbox (its own user namespace): not root.
SANDBOX_UID = 1000
SANDBOX_WORKDIR = SANDBOX_HOME + "/work"

INSTALL_HINT = (
    "Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; "
    "Fedora: `sudo dnf install bubblewrap`) or, for submissions you trust, "
    "pass --unsafe to run kernels without a sandbox."
)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's kernel.

    ``memory_mb`` is an address-space limit (``RLIMIT_AS``); ``cpu_seconds`` is
    CPU time of the kernel process; ``file_size_mb`` is the largest file the
    kernel may write; ``tmpfs_mb`` is the size of each writable tmpfs.
    """

    cell_timeout_s: int = 120
    submission_timeout_s: int = 900
    memory_mb: int = 8192
    cpu_seconds: int = 1800
    file_size_mb: int = 256
    tmpfs_mb: int = 512
    nproc: int = 256

    def __post_init__(self) -> None:
        for name in ("cell_timeout_s", "submission_timeout_s", "memory_mb", "cpu_seconds",
                     "file_size_mb", "tmpfs_mb", "nproc"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")


def find_bwrap(path: str | None = None) -> str | None:
    """The ``bwrap`` executable on ``path`` (default ``$PATH``), or None."""
    return shutil.which("bwrap", path=path)


@functools.lru_cache(maxsize=8)
def _probe(bwrap: str) -> str | None:
    """Run a trivial sandbox once; return an error message or None if it works."""
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--", "/bin/true"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{bwrap} could not be run: {exc}"
    if proc.returncode != 0:
        return f"{bwrap} cannot create a sandbox here: {proc.stderr.strip() or proc.returncode}"
    return None


def check_sandbox(path: str | None = None) -> str:
    """Return the path of a working ``bwrap``; raise :class:`SandboxUnavailable` otherwise."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(
            "the autograding sandbox needs Linux namespaces (bubblewrap); "
            f"this is {sys.platform}. " + INSTALL_HINT)
    bwrap = find_bwrap(path)
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap (`bwrap`) was not found on PATH, so students' code cannot be "
            "isolated from the gradebook, the solutions and the network. " + INSTALL_HINT)
    error = _probe(bwrap)
    if error is not None:
        raise SandboxUnavailable(error + ". " + INSTALL_HINT)
    return bwrap


def _trusted_roots() -> list[str]:
    """Directories the kernel needs to read: the interpreter and installed packages."""
    roots: list[str] = []
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        roots.append(prefix)
        roots.append(os.path.realpath(prefix))
    roots.append(os.path.dirname(os.path.realpath(sys.executable)))
    # Packages installed in editable mode live outside the prefix. Bind only the
    # package directory itself, never its parent (which may be the course root).
    for name in ("cnnlib",):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots.extend(os.path.realpath(p) for p in spec.submodule_search_locations)
    unique: list[str] = []
    for root in sorted(set(roots), key=len):
        if os.path.isdir(root) and not any(root == u or root.startswith(u + os.sep) for u in unique):
            unique.append(root)
    return unique


def _mpl_cache_files() -> list[str]:
    """matplotlib's font cache from the host, so a fresh $HOME does not rebuild it."""
    base = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    try:
        return [os.path.join(base, f) for f in os.listdir(base) if f.startswith("fontlist")]
    except OSError:
        return []


def pycache_dir() -> Path:
    """Bytecode cache of the grading kernels (written only by :func:`warm_pycache`)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "cnnlib-course" / f"pycache-{sys.implementation.cache_tag}"


def warm_pycache(preload: Sequence[str] = (), *, timeout: float = 600) -> Path | None:
    """Compile what a grading kernel imports into :func:`pycache_dir`; return it (None on failure).

    Runs the kernel launcher in its ``--warm-up`` mode, as the instructor and
    outside the sandbox, so only trusted code writes the cache; sandboxed kernels
    get it read-only. Without it every sandboxed kernel compiles IPython,
    jupyter_client and numpy/torch from source when the installation has no
    ``__pycache__`` (e.g. with ``PYTHONDONTWRITEBYTECODE``), which doubles the
    kernel's start-up time.
    """
    folder = pycache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-I", "-X", f"pycache_prefix={folder}", str(KERNEL_SCRIPT), "--warm-up",
             ",".join(preload)],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.path.expanduser("~"),
                 "MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1"},
            capture_output=True, timeout=timeout, cwd=folder)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return folder if proc.returncode == 0 else None


def kernel_env(limits: Limits, *, home: str, preload: Sequence[str], trusted: Sequence[str]) -> dict[str, str]:
    """The complete environment of a grading kernel (nothing is inherited)."""
    path_dirs = [os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]
    return {
        "HOME": home,
        "USER": "student",
        "LOGNAME": "student",
        "PATH": ":".join(path_dirs),
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp" if home == SANDBOX_HOME else os.path.join(home, "tmp"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "OMP_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",  # each glibc arena reserves 64 MiB of address space
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "CNNLIB_KERNEL_LIMITS": ",".join([
            f"as={limits.memory_mb * 2**20}",
            f"cpu={limits.cpu_seconds}",
            f"fsize={limits.file_size_mb * 2**20}",
            f"nproc={limits.nproc}",
        ]),
        "CNNLIB_KERNEL_PRELOAD": ",".join(preload),
        "CNNLIB_KERNEL_TRUSTED": os.pathsep.join(trusted),
    }


def visible_files(workdir: str | None, *, source_dir: str | None = None,
                  include: Sequence[str] = ("*.ipynb",)) -> dict[str, str]:
    """Files of the kernel's working directory, as {relative path: host path}.

    Notebooks are never exposed (the graded copy holds the hidden tests). A file
    that also exists in the instructor's ``source_dir`` is exposed only if it
    matches ``include`` (it was released to the students); files that only the
    student submitted are exposed as they are.
    """
    result: dict[str, str] = {}
    if not workdir or not os.path.isdir(workdir):
        return result
    for dirpath, dirnames, filenames in os.walk(workdir):
        dirnames[:] = [d for d in dirnames if d not in {".ipynb_checkpoints", "__pycache__"}]
        for name in filenames:
            host = os.path.join(dirpath, name)
            rel = os.path.relpath(host, workdir)
            if name.endswith(".ipynb") or os.path.islink(host) or not os.path.isfile(host):
                continue
            if source_dir and os.path.exists(os.path.join(source_dir, rel)):
                if not is_released(rel, include):
                    continue
            result[rel] = host
    return result


def bwrap_argv(bwrap: str, *, runtime_dir: str, files: dict[str, str], limits: Limits,
               env: dict[str, str], pycache: str = "", extra: Sequence[str] = ()) -> list[str]:
    """The bubblewrap prefix for a kernel command (see the module docstring); ``extra``
    arguments go last, before the root is made read-only."""
    argv = [bwrap, "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--die-with-parent", "--cap-drop", "ALL", "--hostname", "sandbox", "--clearenv"]
    for key, value in sorted(env.items()):
        argv += ["--setenv", key, value]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = "/" + top
        if os.path.islink(host):
            argv += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            argv += ["--ro-bind", host, host]
    for etc in ("ld.so.cache", "localtime", "nsswitch.conf", "passwd", "group", "hosts"):
        argv += ["--ro-bind-try", "/etc/" + etc, "/etc/" + etc]
    # The writable tmpfs first, the Python installation after: bubblewrap mounts in order, and a
    # virtual environment under /tmp (or a home like /home/student) must not be hidden by them.
    size = str(limits.tmpfs_mb * 2**20)
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--size", size, "--tmpfs", "/tmp",
             "--size", size, "--tmpfs", SANDBOX_HOME,
             "--dir", SANDBOX_WORKDIR]
    for root in env["CNNLIB_KERNEL_TRUSTED"].split(os.pathsep):
        argv += ["--ro-bind", root, root]
    if pycache and os.path.isdir(pycache):
        argv += ["--ro-bind", pycache, pycache]
    for host in _mpl_cache_files():
        argv += ["--ro-bind", host, f"{SANDBOX_HOME}/.cache/matplotlib/{os.path.basename(host)}"]
    for rel, host in sorted(files.items()):
        argv += ["--ro-bind", host, f"{SANDBOX_WORKDIR}/{rel}"]
    # The root of the sandbox is itself a tmpfs bubblewrap made: read-only, so the only writable
    # places are /tmp and the home, both size-limited (and charged to the submission's cgroup).
    argv += ["--bind", runtime_dir, runtime_dir, *extra, "--remount-ro", "/", "--chdir", SANDBOX_WORKDIR, "--"]
    return argv


def zygote_command(bwrap: str, *, runtime_dir: str, limits: Limits, preload: Sequence[str], pycache: str,
                   socket_path: str) -> list[str]:
    """The command of the warm-kernel server (:mod:`cnnlib.course.zygote`): a kernel's sandbox
    (same environment, installation and limits) where nothing but ``runtime_dir`` is writable;
    the host's ``/proc`` read-only and matplotlib's font cache are kept under ``/run/cnnlib``
    for the kernels' own sandboxes."""
    from . import _zygote_main

    env = kernel_env(limits, home=SANDBOX_HOME, preload=preload, trusted=_trusted_roots())
    extra = ["--ro-bind", "/proc", _zygote_main.HOSTPROC]
    for host in _mpl_cache_files():
        extra += ["--ro-bind", host, f"{_zygote_main.MPL_STASH}/{os.path.basename(host)}"]
    extra += ["--remount-ro", "/tmp", "--remount-ro", SANDBOX_HOME, "--remount-ro", "/dev"]
    cache = ["-X", f"pycache_prefix={pycache}"] if pycache else ["-B"]
    return bwrap_argv(bwrap, runtime_dir=runtime_dir, files={}, limits=limits, env=env, pycache=pycache,
                      extra=extra) + [sys.executable, "-I", *cache, _zygote_main.__file__, socket_path]


class SandboxedKernelManager(AsyncKernelManager):
    """Kernel manager that starts the grading kernel inside bubblewrap.

    The kernel always runs ``sys.executable`` with :mod:`cnnlib.course._kernel`,
    whatever kernelspec the notebook names. The ``cwd`` nbclient passes (the
    autograded submission folder) is not used as is: its non-notebook files are
    bind-mounted read-only into a fresh tmpfs working directory.
    """

    sandbox = Bool(True, help="Run the kernel inside bubblewrap (False = --unsafe).").tag(config=True)
    bwrap = Unicode("", help="Path of bwrap; empty = look it up on PATH.").tag(config=True)
    memory_mb = Integer(Limits.memory_mb, help="RLIMIT_AS of the kernel in MiB.").tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="RLIMIT_CPU of the kernel.").tag(config=True)
    file_size_mb = Integer(Limits.file_size_mb, help="RLIMIT_FSIZE of the kernel in MiB.").tag(config=True)
    tmpfs_mb = Integer(Limits.tmpfs_mb, help="Size of each writable tmpfs in MiB.").tag(config=True)
    nproc = Integer(Limits.nproc, help="RLIMIT_NPROC of the kernel.").tag(config=True)
    preload = List(Unicode(), help="Modules the kernel imports before its first cell (those the assignment uses).").tag(config=True)
    pycache = Unicode("", help="Bytecode cache from warm_pycache(), read-only in the sandbox; empty = none.").tag(
        config=True)
    source_directory = Unicode("", help="Instructor's source folder of the assignment being graded.").tag(config=True)
    include = List(Unicode(), ["*.ipynb"], help="Globs of source files released to students.").tag(config=True)
    warm_kernels = Bool(False, help="Fork each kernel, in its own sandbox, from a warm-kernel server that "
                        "imported the assignment's libraries once per run (cnnlib.course.zygote); "
                        "`cnnlib-course autograde --warm-kernels`.").tag(config=True)
    zygote_dir = Unicode("", help="Runtime folder of the running warm-kernel server (set by autograde while "
                         "it runs one; empty = start kernels cold).").tag(config=True)

    _runtime_dir: str | None = None
    _log_file = None
    _cgroup: SubmissionCgroup | None = None
    #: The submission cgroup's limits that were reached (set when the kernel is cleaned up).
    limits_hit: list[str] = []

    @property
    def warm(self) -> bool:
        """Whether this kernel is forked by the warm-kernel server (else started cold in bubblewrap)."""
        return bool(self.sandbox and self.warm_kernels and self.zygote_dir)

    @property
    def limits(self) -> Limits:
        return Limits(memory_mb=self.memory_mb, cpu_seconds=self.cpu_seconds,
                      file_size_mb=self.file_size_mb, tmpfs_mb=self.tmpfs_mb, nproc=self.nproc)

    @property
    def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
        if self._kernel_spec is None:
            # -I: ignore PYTHON* variables and user site-packages. Bytecode comes from the
            # warm cache (read-only in the sandbox); the kernel never writes bytecode next to
            # the installation. (An --unsafe kernel can write anything the instructor can,
            # this cache included: --unsafe is for trusted code only.)
            cache = ["-X", f"pycache_prefix={self.pycache}"] if self.pycache else ["-B"]
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-I", *cache, str(KERNEL_SCRIPT), "-f", "{connection_file}"],
                display_name="Python 3 (grading sandbox)",
                language="python",
                # An interrupt arrives as a message and the kernel signals itself:
                # a signal to the process group would hit bwrap, not the kernel.
                interrupt_mode="message",
                env={},
            )
        return self._kernel_spec

    async def _async_pre_start_kernel(self, **kw):  # type: ignore[override]
        # (Short names: a Unix socket's path has at most 107 bytes.)
        run = self._runtime_dir = tempfile.mkdtemp(prefix="k" if self.warm else "cnnlib-kernel-",
                                                   dir=self.zygote_dir if self.warm else None)
        self.transport = "ipc"
        self.ip = os.path.join(run, "zmq")
        self.connection_file = os.path.join(run, "kernel.json")
        self._log_path = os.path.join(run, "kernel.log")
        files = visible_files(kw.pop("cwd", None), source_dir=self.source_directory or None,
                              include=self.include)
        trusted = _trusted_roots()
        if self.sandbox:
            self._bwrap = self.bwrap or check_sandbox()
            name = os.path.basename(self._runtime_dir)
            self._cgroup = SubmissionCgroup(self.memory_mb, self.nproc, f"cnnlib-warm-{name}" if self.warm else name)
            self._cgroup.create()
            home = SANDBOX_HOME
            self._files = files
            kw["cwd"] = self._runtime_dir
            if self.warm:  # staged beside the runtime folder, which is all the kernel sees of the zygote's
                for rel, host in files.items():
                    staged = os.path.join(self._runtime_dir + ".files", rel)
                    os.makedirs(os.path.dirname(staged), exist_ok=True)
                    shutil.copyfile(host, staged)
        else:
            home = os.path.join(self._runtime_dir, "home")
            work = os.path.join(home, "work")
            os.makedirs(os.path.join(home, "tmp"))
            os.makedirs(work)
            for rel, host in files.items():
                dest = os.path.join(work, rel)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy(host, dest)
            kw["cwd"] = work
        self._env = kernel_env(self.limits, home=home, preload=self.preload, trusted=trusted)
        kw["env"] = dict(self._env) if not self.sandbox else {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        # Read back only through this descriptor (read_tail): the runtime folder is the kernel's
        # to write, so the path may by then name a link to any file, a FIFO or /dev/zero.
        self._log_file = open(self._log_path, "w+b")  # noqa: SIM115
        kw["stdout"] = self._log_file
        kw["stderr"] = subprocess.STDOUT
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:  # type: ignore[override]
        if not self.warm:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        from . import zygote

        kernel = zygote.spawn(
            self.zygote_dir, run_dir=self._runtime_dir, files_dir=self._runtime_dir + ".files",
            tmpfs_bytes=self.tmpfs_mb * 2**20, connection_file=self.connection_file,
            log_fd=self._log_file.fileno(), cgroup=self._cgroup)
        provisioner = self.provisioner
        provisioner.process, provisioner.pid, provisioner.pgid = kernel, kernel.pid, None
        self._reconcile_connection_info(provisioner.connection_info)
        return None

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.sandbox or self.warm:
            return cmd
        argv = bwrap_argv(self._bwrap, runtime_dir=self._runtime_dir, files=self._files,
                          limits=self.limits, env=self._env, pycache=self.pycache) + cmd
        return self._cgroup.wrap(argv) if self._cgroup is not None else argv

    _saved_log = b""

    def kernel_log(self, max_bytes: int = 4000) -> str:
        """The tail of what the kernel process wrote outside any cell (kept after cleanup)."""
        data = self._saved_log
        if self._log_file is not None:
            with contextlib.suppress(OSError, ValueError):
                data = read_tail(self._log_file, max_bytes)
        return data[-max_bytes:].decode("utf-8", "replace")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:  # type: ignore[override]
        await super()._async_cleanup_resources(restart=restart)
        if self._cgroup is not None and not restart:
            self.limits_hit = self._cgroup.limits_hit()
            self._cgroup.remove()
            self._cgroup = None
        if self._log_file is not None:
            self._saved_log = self.kernel_log(16000).encode()
            self._log_file.close()
            self._log_file = None
        if self._runtime_dir and not restart:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
            shutil.rmtree(self._runtime_dir + ".files", ignore_errors=True)
            self._runtime_dir = None

    # nbclient cleans up a kernel that already died with ``km.cleanup_resources()``, which
    # AsyncKernelManager binds to the base class's method: without this line the override above
    # (the cgroup, its limits_hit, the runtime folder) was skipped for every kernel that died.
    cleanup_resources = _async_cleanup_resources



def read_tail(file, max_bytes: int) -> bytes:
    """The last ``max_bytes`` of an open file, read by descriptor (never by path, never more).

    A sandboxed kernel can replace a path in its runtime folder, but not the file the grader
    opened: reading through the grader's own descriptor cannot follow a link to another file,
    block on a FIFO, or read /dev/zero without end.
    """
    fd = file.fileno()
    size = os.fstat(fd).st_size
    start = max(0, size - max_bytes)
    return os.pread(fd, size - start, start)


class SubmissionCgroup:
    """A control group holding one submission's kernel and all its children (Linux, when writable).

    ``memory_mb`` caps the memory of every process of the submission together, tmpfs
    pages it writes included (they are charged to the group), and ``nproc`` the number
    of its processes and threads. cgroup v1 (``memory`` and ``pids`` hierarchies) and v2
    are supported; where neither can be written (no root, no delegation) the per-process
    rlimits alone apply and :attr:`available` is False.
    """

    ROOT = Path("/sys/fs/cgroup")

    def __init__(self, memory_mb: int, nproc: int, name: str):
        self.memory_mb, self.nproc, self.name = memory_mb, nproc, name
        self.dirs: list[Path] = []

    @classmethod
    def _parents(cls) -> dict[str, Path]:
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return {}
        found: dict[str, Path] = {}
        for line in lines:
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(","):
                if controller in ("memory", "pids") and (cls.ROOT / controller).is_dir():
                    found[controller] = cls.ROOT / controller / path.lstrip("/")
            if controllers == "" and (cls.ROOT / "cgroup.controllers").is_file() and not found:
                found["unified"] = cls.ROOT / path.lstrip("/")
        return found

    def create(self) -> bool:
        """Make the group and set its limits; False (and nothing left behind) when not possible."""
        try:
            for controller, parent in self._parents().items():
                folder = parent / self.name
                folder.mkdir()
                self.dirs.append(folder)
                limit = str(self.memory_mb * 2**20)
                if controller == "memory":
                    (folder / "memory.limit_in_bytes").write_text(limit)
                    with contextlib.suppress(OSError):  # swap accounting may be off
                        (folder / "memory.memsw.limit_in_bytes").write_text(limit)
                elif controller == "pids":
                    (folder / "pids.max").write_text(str(self.nproc))
                else:
                    (folder / "memory.max").write_text(limit)
                    (folder / "pids.max").write_text(str(self.nproc))
                    with contextlib.suppress(OSError):
                        (folder / "memory.swap.max").write_text("0")
            return bool(self.dirs)
        except OSError:
            self.remove()
            return False

    @property
    def available(self) -> bool:
        return bool(self.dirs)

    def add(self, pid: int) -> None:
        """Move process ``pid`` (and so every process it starts later) into the group."""
        for folder in self.dirs:
            (folder / "cgroup.procs").write_text(str(pid))

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` started inside the group (a shell joins it, then execs the command)."""
        if not self.dirs:
            return argv
        joins = " ".join(f"echo $$ > '{d / 'cgroup.procs'}' || exit 97;" for d in self.dirs)
        return ["/bin/sh", "-c", joins + ' exec "$@"', "cnnlib-cgroup", *argv]

    def limits_hit(self) -> list[str]:
        """Which of the group's limits were reached ("memory limit", "process limit")."""
        hit = set()
        for folder in self.dirs:
            for name, label in (("pids.events", "process limit"), ("memory.events", "memory limit"),
                                ("memory.oom_control", "memory limit")):
                with contextlib.suppress(OSError, ValueError):
                    for line in (folder / name).read_text().splitlines():
                        key, _, count = line.partition(" ")
                        if key in ("max", "oom_kill") and int(count) > 0:
                            hit.add(label)
            with contextlib.suppress(OSError, ValueError):
                if int((folder / "memory.failcnt").read_text()) > 0:
                    hit.add("memory limit")
        return sorted(hit)

    def remove(self) -> None:
        """Kill whatever is left in the group and delete it."""
        import signal
        import time

        for folder in self.dirs:
            for _ in range(50):
                try:
                    pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                time.sleep(0.02)
            with contextlib.suppress(OSError):
                folder.rmdir()
        self.dirs = []
