"""The warm-kernel server (zygote); run as a script inside bubblewrap: ``python -I _zygote_main.py SOCKET``.

Started once per autograde run by :class:`cnnlib.course.zygote.ZygoteServer` (its
docstring has the design). This process imports what a grading kernel imports
(the probe, the assignment's libraries, ipykernel), starts no thread, never runs
student code, and for every request on its control socket forks:

* the *supervisor* (C1): own session; reports its pid to the grader (which puts
  it in the submission's cgroup), then creates new user, mount, PID, network,
  IPC and UTS namespaces (with ``lo`` up, as bubblewrap does), maps its uid, mounts fresh tmpfs over ``/tmp``, the
  home, ``/dev/shm`` and the runtime folder, a new ``devpts``, binds the
  submission's files read-only into the working folder and only this kernel's
  own runtime folder back; it forks C2, drops every capability and relays
  "kill" and the exit status between the grader and C2;
* the namespace's init (C2, PID 1): mounts a read-only ``/proc`` of the new
  PID namespace, hides the host's ``/proc`` the zygote kept for that, checks that
  no writable mount other than the fresh ones is reachable, drops every
  capability, forks C3 and reaps orphans; when C3 ends, C2 exits and the kernel
  kills whatever is left in the namespace;
* the kernel (C3): own session, standard streams to the kernel log, the
  environment the zygote was started with (nothing of another kernel), resource
  limits, fresh seeds for ``random``, numpy and torch, then ``IPKernelApp``
  (ZMQ contexts and threads are created only here, after the fork).

Nothing here imports ``cnnlib`` (the assignment may preload it): this file and
``_kernel.py`` are loaded by path. :mod:`cnnlib.course.zygote` uses the
message helpers below (one JSON message per ``SOCK_SEQPACKET`` packet).
"""

import ctypes
import json
import os
import select
import signal
import socket
import struct
import sys

HOME = "/home/student"
WORKDIR = HOME + "/work"
#: Where the zygote's sandbox keeps a read-only view of the host's /proc (C2 needs one fully
#: visible proc mount to mount the new PID namespace's own) and matplotlib's font cache.
HOSTPROC = "/run/cnnlib/hostproc"
MPL_STASH = "/run/cnnlib/mpl"
MAX_MESSAGE = 1 << 20

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
#: statvfs f_flag bits -> mount flags (locked flags of an inherited mount must be kept on remount)
_ST_TO_MS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: 1024, 2048: 2048, 4096: 1 << 21}
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_CAP_AMBIENT = 1, 4, 24, 47

_libc = ctypes.CDLL(None, use_errno=True)


# ----------------------------------------------------------------------------- messages
def send_msg(sock, obj, fds=()) -> None:
    data = json.dumps(obj).encode()
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


def recv_msg(sock, max_fds: int = 0):
    """(message or None at end of stream, file descriptors received, ucred (pid, uid, gid) or None)."""
    anc = socket.CMSG_SPACE(max_fds * 4) + socket.CMSG_SPACE(12)
    data, ancdata, _, _ = sock.recvmsg(MAX_MESSAGE, anc)
    fds, cred = [], None
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += list(struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) // 4 * 4]))
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            cred = struct.unpack("3i", payload[:12])
    return (json.loads(data) if data else None), fds, cred


# ----------------------------------------------------------------------------- system calls
def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def mount(source, target: str, fstype, flags: int, data=None) -> None:
    enc = lambda s: s.encode() if isinstance(s, str) else s  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def remount_readonly(target: str, extra: int = 0) -> None:
    """Make the mount at ``target`` read-only, keeping its other (possibly locked) flags."""
    current = os.statvfs(target).f_flag
    flags = sum(ms for st, ms in _ST_TO_MS.items() if current & st)
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags | extra)


def tmpfs(target: str, size: int, mode: str = "0755") -> None:
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode={mode}")


def bind_fd(fd: int, target: str, readonly: bool) -> None:
    """Bind what the O_PATH descriptor ``fd`` opened onto ``target`` (read-only if asked)."""
    mount(f"/proc/self/fd/{fd}", target, None, MS_BIND)
    if readonly:
        remount_readonly(target, MS_NOSUID | MS_NODEV)


def prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl {option}")


def drop_capabilities() -> None:
    """Clear the bounding, ambient, effective, permitted and inheritable capability sets."""
    with open("/proc/sys/kernel/cap_last_cap") as fh:
        last = int(fh.read())
    for cap in range(last + 1):
        _libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0)
    _libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(4), 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    header, data = Header(0x20080522, 0), (ctypes.c_uint32 * 6)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    prctl(38, 1)  # PR_SET_NO_NEW_PRIVS (bubblewrap set it already)


def task_count() -> int:
    return len(os.listdir("/proc/self/task"))


# ----------------------------------------------------------------------------- C1: namespaces
def enter_namespaces() -> None:
    """New user (this uid mapped to itself), mount, PID, network, IPC and UTS namespaces."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
           "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing mounted here reaches the zygote or a sibling
    socket.sethostname("sandbox")
    loopback_up()


def loopback_up() -> None:
    """Bring up ``lo`` of the new network namespace (the kernel gives it 127.0.0.1 and ::1), as bubblewrap does."""
    import fcntl

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, 0x8913, request))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH22x", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP


def build_filesystem(request: dict) -> None:
    """Fresh writable places, the kernel's own runtime folder and its files (see the module docstring)."""
    size, run, zygote_dir = int(request["tmpfs_bytes"]), request["run_dir"], request["zygote_dir"]
    opened = os.open(run, os.O_PATH | os.O_DIRECTORY)
    files = {}  # the submission's files, staged by the grader (the request stays small however many)
    for folder, _, names in os.walk(request["files_dir"]):
        for name in names:
            path = os.path.join(folder, name)
            files[os.path.relpath(path, request["files_dir"])] = os.open(path, os.O_PATH | os.O_NOFOLLOW)
    fonts = {name: os.open(os.path.join(MPL_STASH, name), os.O_PATH)
             for name in (os.listdir(MPL_STASH) if os.path.isdir(MPL_STASH) else [])}
    # The Python installation may live under /tmp (a checkout in /tmp, as CI clones may be): the
    # zygote's sandbox bound it read-only there; keep those binds above the fresh /tmp.
    under_tmp = {point: os.open(point, os.O_PATH | os.O_DIRECTORY)
                 for point in readonly_mounts_under("/tmp", skip=(run, zygote_dir))}
    tmpfs("/tmp", size, "1777")
    for point, fd in sorted(under_tmp.items()):
        os.makedirs(point, exist_ok=True)
        bind_fd(fd, point, readonly=True)
        os.close(fd)
    tmpfs(HOME, size)
    tmpfs("/dev/shm", size, "1777")
    mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")
    cover = os.path.isdir(zygote_dir)  # still visible: not under /tmp or the home
    if cover:
        tmpfs(zygote_dir, 1 << 16)
    os.makedirs(run, exist_ok=True)
    bind_fd(opened, run, readonly=False)
    if cover:
        remount_readonly(zygote_dir)
    for rel, fd in sorted(files.items()):
        target = os.path.join(WORKDIR, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "wb").close()
        bind_fd(fd, target, readonly=True)
    os.makedirs(WORKDIR, exist_ok=True)
    os.makedirs(HOME + "/.cache/matplotlib", exist_ok=True)
    for name, fd in fonts.items():
        target = f"{HOME}/.cache/matplotlib/{name}"
        open(target, "wb").close()
        bind_fd(fd, target, readonly=True)
    for fd in [opened, *files.values(), *fonts.values()]:
        os.close(fd)


def readonly_mounts_under(folder: str, skip: tuple[str, ...]) -> list[str]:
    """Read-only directory mounts below ``folder`` (outermost first), except those in ``skip``
    and below them."""
    found = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")
            inside = point.startswith(folder.rstrip("/") + "/")
            skipped = any(point == s or point.startswith(s.rstrip("/") + "/") for s in skip)
            if inside and not skipped and "ro" in fields[5].split(",") and os.path.isdir(point):
                found.append(point)
    return sorted(dict.fromkeys(found), key=lambda p: (p.count("/"), p))


def writable_mounts() -> list[str]:
    """Mount points the process can reach that are writable (shadowed and hidden mounts left out)."""
    entries = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")
            entries.append((fields[0], fields[1], point, "rw" in fields[5].split(",")))
    top = {point: mount_id for mount_id, _, point, _ in entries}  # later mounts cover earlier ones
    parents = {mount_id: parent for mount_id, parent, _, _ in entries}

    def visible(mount_id: str) -> bool:
        for _ in range(len(entries)):
            point = next(p for m, _, p, _ in entries if m == mount_id)
            if top[point] != mount_id:
                return False
            mount_id = parents[mount_id]
            if mount_id not in parents:
                return True
        return False

    return sorted(point for mount_id, _, point, rw in entries if rw and visible(mount_id))


def check_mounts(request: dict) -> None:
    allowed = {"/tmp", HOME, "/dev/shm", "/dev/pts", request["run_dir"]}
    devices = {f"/dev/{name}" for name in ("null", "zero", "full", "random", "urandom", "tty")}
    extra = [p for p in writable_mounts() if p not in allowed | devices]
    if extra:
        raise RuntimeError(f"writable mounts would be shared with other kernels: {extra}")


# ----------------------------------------------------------------------------- C2: the namespace's init
def init_process(request: dict, log_fd: int, report_fd: int) -> None:
    """PID 1 of the kernel's namespace: /proc, last checks, then the kernel; never returns."""
    code = 70
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        mount("proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
        tmpfs(HOSTPROC, 4096)
        remount_readonly(HOSTPROC)
        check_mounts(request)
        drop_capabilities()
        prctl(PR_SET_DUMPABLE, 0)
        os.write(report_fd, b"ok")
        os.close(report_fd)
        if request.get("dry_run"):
            os._exit(0)
        kernel = os.fork()
        if kernel == 0:
            kernel_process(request, log_fd)
        os.close(log_fd)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda s, _f: os.kill(kernel, s))
        while True:
            pid, status = os.wait()
            if pid == kernel:
                code = os.waitstatus_to_exitcode(status)
                code = 128 - code if code < 0 else code
                break
    except BaseException as exc:  # noqa: BLE001 - reported to C1 through the pipe
        with _ignored():
            os.write(report_fd, f"error: {type(exc).__name__}: {exc}".encode()[:4000])
    finally:
        os._exit(code)


class _ignored:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


# ----------------------------------------------------------------------------- C3: the kernel
def reseed() -> None:
    """What a fresh interpreter would have: new seeds for the generators the zygote imported
    (``random`` reseeds itself after a fork; numpy's is imported, and seeded, on first use)."""
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    if "torch" in sys.modules:
        sys.modules["torch"].default_generator.seed()


def kernel_process(request: dict, log_fd: int) -> None:
    """Become the grading kernel (as ``_kernel.py`` would after its imports); never returns."""
    code = 1
    try:
        prctl(PR_SET_DUMPABLE, 1)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.setsid()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(null)
        os.close(log_fd)
        os.chdir(WORKDIR)
        os.environ.clear()
        os.environ.update(ENVIRONMENT)
        KERNEL.apply_limits(os.environ.get("CNNLIB_KERNEL_LIMITS", ""))
        reseed()
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = [KERNEL.__file__, "-f", request["connection_file"]]
        IPKernelApp.launch_instance(argv=sys.argv[1:])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - the grader sees the log and a dead kernel
        import traceback

        traceback.print_exc()
    finally:
        with _ignored():
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


# ----------------------------------------------------------------------------- C1: the supervisor
def supervise(conn, listener, request: dict, log_fd: int) -> None:
    """The forked child of one request: set up the namespaces, start C2, relay; never returns."""
    code = 0
    try:
        listener.close()
        conn.settimeout(None)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        send_msg(conn, {"event": "forked"})  # the grader reads our pid (SCM_CREDENTIALS), joins the cgroup
        go, _, _ = recv_msg(conn)
        if not go or go.get("op") != "go":
            os._exit(0)
        enter_namespaces()
        build_filesystem(request)
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:
            conn.close()
            os.close(read_end)
            init_process(request, log_fd, write_end)
        os.close(write_end)
        os.close(log_fd)
        drop_capabilities()
        report = _read_all(read_end)
        if report != b"ok":
            os.waitpid(child, 0)
            send_msg(conn, {"event": "error", "message": report.decode(errors="replace") or "C2 died"})
            os._exit(0)
        send_msg(conn, {"event": "started"})
        code = relay(conn, child)
    except BaseException as exc:  # noqa: BLE001 - reported to the grader
        with _ignored():
            send_msg(conn, {"event": "error", "message": f"{type(exc).__name__}: {exc}"})
    finally:
        os._exit(code)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def relay(conn, child: int) -> int:
    """Until C2 ends: forward the grader's kill/signal requests, then report C2's exit status."""
    pidfd = os.pidfd_open(child)
    while True:
        ready, _, _ = select.select([conn, pidfd], [], [])
        if pidfd in ready:
            _, status = os.waitpid(child, 0)
            with _ignored():
                send_msg(conn, {"event": "exit", "status": os.waitstatus_to_exitcode(status)})
            return 0
        message, _, _ = recv_msg(conn)
        if message is None or message.get("op") == "kill":
            os.kill(child, signal.SIGKILL)
        elif message.get("op") == "signal":
            os.kill(child, int(message["signum"]))


# ----------------------------------------------------------------------------- the server
def handle(conn, listener) -> None:
    """One connection: ``ping`` is answered here, ``spawn`` in a forked supervisor."""
    request, fds, _ = recv_msg(conn, max_fds=1)
    if not request:
        return
    if request.get("op") == "ping":
        send_msg(conn, {"ok": True, "tasks": task_count(), "pid": os.getpid()})
        return
    tasks = task_count()
    if request.get("op") != "spawn" or len(fds) != 1 or tasks != 1:
        why = f"the server has {tasks} threads, forking is unsafe" if tasks != 1 else "bad request"
        send_msg(conn, {"event": "error", "message": why})
        return
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() == 0:
        supervise(conn, listener, request, fds[0])
    os.close(fds[0])


def preload() -> None:
    """Import what a grading kernel imports before its first cell (see ``_kernel.main``)."""
    import importlib

    KERNEL._load_probe()
    sys.modules["debugpy"] = None
    for name in [m for m in os.environ.get("CNNLIB_KERNEL_PRELOAD", "").split(",") if m]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the student's cells will report it
            pass
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import IPython.display  # noqa: F401

    for name in AT_KERNEL_START:
        importlib.import_module(name)


def _load_kernel_module():
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_kernel.py")
    spec = importlib.util.spec_from_file_location("_cnnlib_kernel", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Modules every kernel imports while ``IPKernelApp`` starts (measured): imported once here.
AT_KERNEL_START = ("faulthandler", "sqlite3", "pdb", "IPython.core.completerlib", "IPython.core.debugger",
                   "IPython.core.logger", "IPython.core.oinspect", "IPython.extensions.storemagic",
                   "IPython.utils.wildcard", "ipykernel.debugger", "tornado.gen", "tornado.locks",
                   "tornado.platform.asyncio", "tornado.queues")
KERNEL = None
ENVIRONMENT: dict = {}


def main() -> None:
    global KERNEL, ENVIRONMENT
    path = sys.argv[1]
    KERNEL = _load_kernel_module()
    KERNEL.die_with_parent()
    ENVIRONMENT = dict(os.environ)
    preload()
    if task_count() != 1:
        sys.exit(f"cnnlib zygote: {task_count()} threads after the imports; forking would be unsafe")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path + ".new")
    listener.listen(64)
    os.rename(path + ".new", path)  # connectable from now on
    while True:
        conn, _ = listener.accept()
        conn.settimeout(10)  # a client that connects and says nothing must not stall the others
        try:
            handle(conn, listener)
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the server
            print(f"cnnlib zygote: request failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
