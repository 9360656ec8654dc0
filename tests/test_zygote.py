"""Warm grading kernels (``cnnlib-course autograde --warm-kernels``, :mod:`cnnlib.course.zygote`).

Every run goes through ``cnnlib-course`` as an instructor types it, on the demo course
with torch preloaded (so the zygote has imported torch, as for the book's assignments),
in a temporary ``TMPDIR`` so that whatever a run leaves behind can be found.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

import democourse  # noqa: E402
from helpers import require_sandbox  # noqa: E402
from test_adversarial import parse_table  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("zygote")]
COMMAND = str(Path(sys.executable).with_name("cnnlib-course"))

FINGERPRINT = (
    "import json, random, numpy as np, torch\n"
    "print('FINGERPRINT', json.dumps({'numpy': int(np.random.get_state()[1][1]), 'torch': torch.initial_seed(),\n"
    "                                 'random': random.getrandbits(64)}))\n"
    "from ipykernel.kernelapp import IPKernelApp\n"
    "print('CONNECTION', IPKernelApp.instance().connection_file)\n"
)
# Student A changes everything a later kernel could see, and leaves processes running.
LEAKER = FINGERPRINT + (
    "import builtins, os, subprocess, sys, time, types\n"
    "np.LEAK = builtins.LEAK = 1\n"
    "sys.modules['leaky_module'] = types.ModuleType('leaky_module')\n"
    "torch.set_num_threads(2); torch.set_default_dtype(torch.float64); torch.set_grad_enabled(False)\n"
    "torch.manual_seed(0); np.random.seed(0); random.seed(0)\n"
    "os.environ['LEAK'] = '1'; os.putenv('LEAK2', '1')\n"
    "for path in ('/tmp/leak.txt', os.path.expanduser('~/leak.txt'), 'leak.txt', '/dev/shm/leak'):\n"
    "    with open(path, 'w') as fh:\n"
    "        fh.write('leak')\n"
    "subprocess.Popen(['sleep', '3171'], start_new_session=True)\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        os.execvp('sleep', ['sleep', '3172'])\n"
    "    os._exit(0)\n"
    "time.sleep(1)  # long enough for the test to see the processes on the host\n"
    "print('LEFT_BEHIND')\n"
)
# Student B, graded next by the same zygote, reports everything of A's it can see.
OBSERVER = "import time\nprint('STARTED', time.time())\n" + FINGERPRINT + (
    "import builtins, os, sys\n"
    "problems = []\n"
    "def check(ok, what):\n"
    "    if not ok:\n"
    "        problems.append(what)\n"
    "check(not hasattr(np, 'LEAK') and not hasattr(builtins, 'LEAK'), 'module globals')\n"
    "check('leaky_module' not in sys.modules, 'sys.modules')\n"
    "check(torch.get_num_threads() == 1, f'torch threads {torch.get_num_threads()}')\n"
    "check(torch.get_default_dtype() == torch.float32, 'default dtype')\n"
    "check(torch.is_grad_enabled(), 'grad mode')\n"
    "check(os.environ.get('LEAK') is None and 'LEAK2' not in os.environ, 'environment')\n"
    "for path in ('/tmp/leak.txt', os.path.expanduser('~/leak.txt'), 'leak.txt', '/dev/shm/leak', 'a_data.txt'):\n"
    "    check(not os.path.exists(path), f'file {path}')\n"
    "check(open('b_data.txt').read() == 'only b\\n' and open('data/b2.txt').read() == 'b2', 'own files')\n"
    "for path in ('b_data.txt', '/new', '/usr/new', '/run/new', '/dev/new', '/proc/new'):\n"
    "    try:\n"
    "        open(path, 'a').close()\n"
    "        problems.append(f'writable {path}')\n"
    "    except OSError:\n"
    "        pass\n"
    "check(not os.path.exists('/run/cnnlib/hostproc') or os.listdir('/run/cnnlib/hostproc') == [], 'host /proc')\n"
    "zygote = os.path.dirname(os.path.dirname(IPKernelApp.instance().connection_file))\n"
    "check(len(os.listdir(zygote)) == 1, 'other runtime folders')\n"
    "import socket\n"
    "try:\n"
    "    with socket.create_server(('127.0.0.1', 0)) as srv:\n"
    "        socket.create_connection(srv.getsockname(), timeout=2).close()\n"
    "except OSError as exc:\n"
    "    problems.append(f'loopback {exc}')\n"
    "pids = [p for p in os.listdir('/proc') if p.isdigit()]\n"
    "cmds = [open(f'/proc/{p}/cmdline', 'rb').read() for p in pids]\n"
    "check(not any(b'sleep' in c for c in cmds), 'a background process')\n"
    "status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
    "for cap in ('CapEff', 'CapPrm', 'CapBnd', 'CapAmb', 'CapInh'):\n"
    "    check(int(status[cap], 16) == 0, cap)\n"
    "check(os.getuid() == 1000 and os.getgid() == 1000, 'uid')\n"
    "check(open('/proc/net/dev').read().count(':') == 1, 'network interfaces')\n"
    "check(os.uname().nodename == 'sandbox', 'hostname')\n"
    "print('PROBLEMS', json.dumps(problems))\n"
)


@pytest.fixture
def tmpdir_short():
    """A TMPDIR with a short path (the kernels' Unix sockets live under it: at most 107 bytes)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="zt", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_course(root: Path, tmpdir: Path, *args: str) -> subprocess.CompletedProcess:
    """``cnnlib-course --course ROOT ARGS...`` with its own ``TMPDIR``."""
    env = dict(os.environ, TMPDIR=str(tmpdir))
    return subprocess.run([COMMAND, "--course", str(root), *args], capture_output=True, text=True, timeout=900,
                          env=env)


def make_course(root: Path, tmpdir: Path, submissions: dict[str, tuple[str, dict[str, str]]]) -> None:
    """The demo course with ``import torch`` in its imports cell; ``submissions``: student ->
    (a cell appended to the solved notebook, extra files)."""
    democourse.make_course(root)
    source = root / "solutions" / "demo" / "demo.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[democourse.cell_index(nb, "imports")].source = "import numpy as np\nimport torch"
    nbformat.write(nb, source)
    done = run_course(root, tmpdir, "release", "demo")
    assert done.returncode == 0, done.stderr
    released = nbformat.read(root / "exercises" / "demo" / "demo.ipynb", as_version=4)
    inbox = root.parent / f"{root.name}-inbox"
    for student, (cell, files) in submissions.items():
        nb = democourse.solve(released)
        nb.cells.append(new_code_cell(cell))
        (inbox / student).mkdir(parents=True)
        nbformat.write(nb, inbox / student / "demo.ipynb")
    done = run_course(root, tmpdir, "collect", "demo", "--from", str(inbox))
    assert done.returncode == 0, done.stdout + done.stderr
    for student, (_, files) in submissions.items():  # collect takes notebooks only
        for name, text in files.items():
            target = root / "submitted" / student / "demo" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)


def last_cell_lines(root: Path, student: str) -> dict[str, str]:
    """``{first word: rest}`` of each line the last cell of ``student``'s graded notebook printed."""
    nb = nbformat.read(root / "autograded" / student / "demo" / "demo.ipynb", as_version=4)
    text = "".join(o.get("text", "") + o.get("evalue", "") for o in nb.cells[-1].outputs)
    return dict((line.split(" ", 1) + [""])[:2] for line in text.splitlines() if line.strip())


def _sleeps() -> list[int]:
    """Host pids of the leaker's background processes."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith((b"sleep\x003171", b"sleep\x003172")):
                found.append(int(pid))
        except OSError:
            continue
    return found


def _watch_sleeps(seen: list[float], stop: threading.Event) -> None:
    """Append the time of every sampling (every 20 ms) that found the leaker's processes alive."""
    while not stop.is_set():
        if _sleeps():
            seen.append(time.time())
        time.sleep(0.02)


def warm_cgroups() -> set[str]:
    """The per-submission cgroups of warm kernels that exist now (where the grader can make cgroups)."""
    from cnnlib.course.sandbox import SubmissionCgroup

    return {f"{c}/{d.name}" for c, parent in SubmissionCgroup._parents().items() if parent.is_dir()
            for d in parent.iterdir() if d.name.startswith("cnnlib-warm-")}


def leftovers(tmpdir: Path) -> tuple[list[str], list[str]]:
    """What a run left: entries of its TMPDIR, and live processes that name it or the leaker's sleeps."""
    files = sorted(os.listdir(tmpdir))
    processes = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(tmpdir) in cmdline or cmdline.startswith(("sleep 3171", "sleep 3172")):
            processes.append(f"{pid}: {cmdline}")
    return files, processes


@pytest.fixture(scope="module")
def leak_run(tmp_path_factory):
    """A (leaks) then B (observes), one worker, the switch on in the course's nbgrader_config.py."""
    require_sandbox()
    import tempfile

    root, tmpdir = tmp_path_factory.mktemp("course"), Path(tempfile.mkdtemp(prefix="zt", dir="/tmp"))
    make_course(root, tmpdir, {"a-leaker": (LEAKER, {"a_data.txt": "only a\n"}),
                               "b-observer": (OBSERVER, {"b_data.txt": "only b\n", "data/b2.txt": "b2"})})
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.SandboxedKernelManager.warm_kernels = True\n")
    seen, stop = [], threading.Event()
    watcher = threading.Thread(target=_watch_sleeps, args=(seen, stop))
    watcher.start()
    try:
        done = run_course(root, tmpdir, "autograde", "demo", "--jobs", "1")
    finally:
        stop.set()
        watcher.join()
    assert done.returncode == 0, done.stdout + done.stderr
    found = leftovers(tmpdir)
    os.rmdir(tmpdir) if not found[0] else None
    return {"root": root, "tmpdir": tmpdir, "done": done, "results": parse_table(done.stdout), "leftovers": found,
            "sleeps_seen": seen}


def test_a_later_kernel_of_the_same_zygote_sees_nothing_of_an_earlier_one(leak_run):
    results, root = leak_run["results"], leak_run["root"]
    assert (results["a-leaker"].score, results["b-observer"].score) == (5.0, 5.0), leak_run["done"].stdout
    assert results["b-observer"].status == "ok"  # (its flags are the code scan's: it names builtins)
    a, b = last_cell_lines(root, "a-leaker"), last_cell_lines(root, "b-observer")
    assert "LEFT_BEHIND" in a, a
    assert json.loads(b["PROBLEMS"]) == [], b
    # Both kernels came from the same zygote (their runtime folders are inside its folder) ...
    zygote_a, zygote_b = (Path(x["CONNECTION"]).parents[1] for x in (a, b))
    assert zygote_a == zygote_b and zygote_a.name.startswith("cnnlib-z"), (a, b)
    # ... and each got its own seeds (a fork without reseeding would repeat the zygote's).
    seeds_a, seeds_b = json.loads(a["FINGERPRINT"]), json.loads(b["FINGERPRINT"])
    assert all(seeds_a[k] != seeds_b[k] for k in seeds_a), (seeds_a, seeds_b)


def test_what_a_submission_started_dies_with_it(leak_run):
    """A's background processes ran (seen on the host) and were gone before B ran its checks."""
    seen = leak_run["sleeps_seen"]
    b_started = float(last_cell_lines(leak_run["root"], "b-observer")["STARTED"])
    assert seen and max(seen) < b_started, (seen[-3:], b_started)


def test_a_run_leaves_no_process_folder_or_socket(leak_run):
    files, processes = leak_run["leftovers"]
    assert files == [] and processes == [], (files, processes)


def test_without_the_switch_kernels_start_cold(tmp_path, tmpdir_short):
    require_sandbox()
    root, tmpdir = tmp_path / "course", tmpdir_short
    make_course(root, tmpdir, {"b-observer": (OBSERVER, {"b_data.txt": "only b\n", "data/b2.txt": "b2"})})
    done = run_course(root, tmpdir, "autograde", "demo", "--jobs", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert parse_table(done.stdout)["b-observer"].score == 5.0
    lines = last_cell_lines(root, "b-observer")
    # The same sandbox properties, but /dev: writable in a cold kernel's own bubblewrap, read-only when warm.
    assert set(json.loads(lines["PROBLEMS"])) <= {"writable /dev/new"}, lines
    assert Path(lines["CONNECTION"]).parent.name.startswith("cnnlib-kernel-"), lines  # bubblewrap's own folder
    assert leftovers(tmpdir) == ([], [])


LISTENER = (
    "import socket, time\n"
    "tcp = socket.create_server(('127.0.0.1', 47001))\n"
    "unix = socket.socket(socket.AF_UNIX)\n"
    "unix.bind('\\0cnnlib-zygote-test')\n"
    "unix.listen()\n"
    "time.sleep(6)\n"
    "print('LISTENED')\n"
)
CONNECTOR = (
    "import json, os, socket, time\n"
    "reached, deadline = set(), time.time() + 6\n"
    "while time.time() < deadline:\n"
    "    for family, address in ((socket.AF_INET, ('127.0.0.1', 47001)), (socket.AF_UNIX, '\\0cnnlib-zygote-test')):\n"
    "        with socket.socket(family) as sock:\n"
    "            try:\n"
    "                sock.connect(address)\n"
    "                reached.add(str(address))\n"
    "            except OSError:\n"
    "                pass\n"
    "    time.sleep(0.1)\n"
    "print('REACHED', json.dumps(sorted(reached)))\n"
    "print('PROCESSES', len([p for p in os.listdir('/proc') if p.isdigit()]))\n"
)


def test_kernels_graded_at_the_same_time_cannot_reach_each_other(tmp_path, tmpdir_short):
    """Two kernels of one zygote, at the same time: no shared loopback, abstract sockets or processes."""
    require_sandbox()
    root = tmp_path / "course"
    make_course(root, tmpdir_short, {"listener": (LISTENER, {}), "connector": (CONNECTOR, {})})
    done = run_course(root, tmpdir_short, "autograde", "demo", "--jobs", "2", "--warm-kernels")
    assert done.returncode == 0, done.stdout + done.stderr
    listened, connected = last_cell_lines(root, "listener"), last_cell_lines(root, "connector")
    assert "LISTENED" in listened, listened
    assert json.loads(connected["REACHED"]) == [], connected
    assert int(connected["PROCESSES"]) <= 3, connected  # its init, the kernel, maybe ipykernel's child


def _kill_zygote_once(tmpdir: Path, delay: float, killed: list[int]) -> None:
    """Wait for the zygote of the run using ``tmpdir`` to appear, then SIGKILL it after ``delay`` s."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"_zygote_main.py" in cmdline and str(tmpdir).encode() in cmdline and b"bwrap" not in cmdline:
                time.sleep(delay)
                os.kill(int(pid), signal.SIGKILL)
                killed.append(int(pid))
                return
        time.sleep(0.05)


def test_a_zygote_that_dies_costs_a_retry_not_a_grade(tmp_path, tmpdir_short):
    require_sandbox()
    root, tmpdir = tmp_path / "course", tmpdir_short
    slow = "import time\ntime.sleep(8)\nprint('SLEPT')"
    make_course(root, tmpdir, {"slow-1": (slow, {}), "slow-2": (slow, {})})
    killed: list[int] = []
    killer = threading.Thread(target=_kill_zygote_once, args=(tmpdir, 4.0, killed))
    cgroups = warm_cgroups()
    killer.start()
    done = run_course(root, tmpdir, "autograde", "demo", "--jobs", "2", "--warm-kernels")
    killer.join()
    assert warm_cgroups() - cgroups == set()  # the kernels that died with the zygote left no cgroup
    assert killed, "the zygote was never seen"
    assert done.returncode == 0, done.stdout + done.stderr
    results = parse_table(done.stdout)
    for student in ("slow-1", "slow-2"):
        assert (results[student].score, results[student].status) == (5.0, "ok"), done.stdout
        assert "SLEPT" in last_cell_lines(root, student)
    assert "the warm-kernel server was lost while grading" in done.stderr, done.stderr
    assert leftovers(tmpdir) == ([], [])


def test_a_zygote_that_cannot_start_is_reported_and_leaves_nothing(tmp_path, monkeypatch):
    from cnnlib.course.sandbox import Limits
    from cnnlib.course.zygote import ZygoteServer, ZygoteUnavailable

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    server = ZygoteServer("/bin/false", Limits(), [], "")
    with pytest.raises(ZygoteUnavailable, match="did not start"):
        server.start(timeout=30)
    assert os.listdir(tmp_path) == []
