"""Faults while grading: the grading command killed and run again, two commands at once, a worker killed.

Each test runs the real ``cnnlib-course`` command in a subprocess, as an instructor would, on the
demo course with four submissions: ``ann`` (right, 5 points), ``bob`` (right, but it sleeps a few
seconds: the submission in flight when something is killed), ``cy`` (the blank exercise, 0) and
``dee`` (a wrong relu, 3). The reference is a clean, uninterrupted run of the same command on a
copy of the same course: after any fault the gradebook (submission rows, every grade) and
``cnnlib-course export`` must agree with it.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

import democourse  # noqa: E402
from helpers import live_processes, require_sandbox  # noqa: E402

from cnnlib.course.config import COURSE_ID, GRADEBOOK_ENV, gradebook_url, load_course  # noqa: E402
from cnnlib.course.release import release  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-faults")]
COMMAND = str(Path(sys.executable).with_name("cnnlib-course"))
GRADE = ["autograde", "demo", "--jobs", "2", "--timeout", "30", "--submission-timeout", "120", "--memory", "1024"]
SCORES = {"ann": 5.0, "bob": 5.0, "cy": 0.0, "dee": 3.0}
KEPT = "(graded earlier)"


def _submissions(released: nbformat.NotebookNode, bob_sleeps: float) -> dict[str, nbformat.NotebookNode]:
    slow = f"import time\ntime.sleep({bob_sleeps})\ndef relu(a):\n    return np.maximum(a, 0.0)"
    return {"ann": democourse.solve(released), "bob": democourse.solve(released, {"relu": slow}),
            "cy": released, "dee": democourse.solve(released, {"relu": "def relu(a):\n    return a"})}


def _make_course(root: Path, *, bob_sleeps: float = 3, students=tuple(SCORES), env: dict | None = None) -> Path:
    """The demo course at ``root``, released, with the submissions of ``students``."""
    democourse.make_course(root)
    if env is None:
        release(load_course(root), ["demo"])
    else:
        done = subprocess.run([COMMAND, "--course", str(root), "release", "demo"], env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    released = nbformat.read(root / "exercises" / "demo" / "demo.ipynb", as_version=4)
    for student, nb in _submissions(released, bob_sleeps).items():
        if student in students:
            (root / "submitted" / student / "demo").mkdir(parents=True)
            nbformat.write(nb, root / "submitted" / student / "demo" / "demo.ipynb")
    return root


@pytest.fixture
def env():
    """The command's environment: an SQLite gradebook, and a short temporary folder of its own
    (every temporary file a run makes goes there; the kernels' socket paths must stay short)."""
    folder = tempfile.mkdtemp(prefix="cgf-")
    environment = {k: v for k, v in os.environ.items() if k != GRADEBOOK_ENV}
    environment["TMPDIR"] = folder
    yield environment
    shutil.rmtree(folder, ignore_errors=True)


def _start(root: Path, env: dict, *args: str) -> subprocess.Popen:
    """``cnnlib-course --course ROOT ARGS...`` started in a process group of its own."""
    return subprocess.Popen([COMMAND, "--course", str(root), *args], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(root: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([COMMAND, "--course", str(root), *args], env=env, capture_output=True, text=True,
                          timeout=600)


def _finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _table(text: str) -> dict[str, tuple[float | None, str, str]]:
    """The printed table: student -> (score, status, flags)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("student "))
    header = lines[start]
    cuts = [header.index(name) for name in ("student", "score", "max", "status", "flags", "seconds")] + [None]
    rows = {}
    for line in lines[start + 2:]:
        if not line.strip() or "submission(s) graded to the end" in line or line.startswith("tooling error"):
            break
        cells = [line[cuts[i]:cuts[i + 1]].strip() for i in range(6)]
        rows[cells[0]] = (None if cells[1] == "-" else float(cells[1]), cells[3], cells[4])
    return rows


def _gradebook(db_url: str) -> dict:
    """Submission rows per student and every grade, from the gradebook itself."""
    from nbgrader.api import Gradebook, SubmittedAssignment

    with Gradebook(gradebook_url(db_url), COURSE_ID) as gb:
        rows = {}
        for submission in gb.db.query(SubmittedAssignment).all():
            rows[submission.student.id] = rows.get(submission.student.id, 0) + 1
        grades = {(s, g.name): (g.auto_score, g.manual_score, g.max_score)
                  for s in rows for g in gb.find_submission_notebook("demo", "demo", s).grades}
        scores = {d["student"]: d["score"] for d in gb.submission_dicts("demo")}
    return {"rows": rows, "grades": grades, "scores": scores}


def _export(root: Path, env: dict) -> list[dict]:
    target = root / "grades.csv"
    done = _run(root, env, "export", "--to", str(target))
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(target.read_text())))


def _wait_for(condition, proc: subprocess.Popen, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the command ended before {what}:\n{out}\n{err}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _worker_in_flight(student: str, *ancestors: int) -> int | None:
    """The pid of the grading worker of ``student`` under one of the processes ``ancestors`` (this
    test's command: other tests grade a ``bob`` at the same time) once its kernel runs."""
    processes = live_processes()
    parents = {p["pid"]: p["ppid"] for p in processes}
    for proc in processes:
        if proc["comm"] == f"autograde-{student}"[:15] and any(p["ppid"] == proc["pid"] for p in processes):
            pid = proc["pid"]
            while pid > 1 and pid not in ancestors:
                pid = parents.get(pid, 0)
            if pid in ancestors:
                return proc["pid"]
    return None


def _survivors(*markers: str, wait_s: float = 15) -> list[dict]:
    """Processes whose command line names one of ``markers``, after waiting for them to end."""
    deadline = time.monotonic() + wait_s
    while True:
        left = [p for p in live_processes() if p["pid"] != os.getpid() and any(m in p["cmdline"] for m in markers)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _kernel_cgroups(names: list[str]) -> list[Path]:
    from cnnlib.course.sandbox import SubmissionCgroup

    return [parent / name for parent in SubmissionCgroup._parents().values() for name in names
            if (parent / name).exists()]


def _assert_autograded_complete(root: Path, reference: Path) -> None:
    """Every autograded notebook is whole, and the files are those of the clean run."""
    def listing(base: Path) -> list[str]:
        return sorted(str(p.relative_to(base)) for p in (base / "autograded").rglob("*") if p.is_file())

    assert listing(root) == listing(reference)
    for student in SCORES:
        nb = nbformat.read(root / "autograded" / student / "demo" / "demo.ipynb", as_version=4)
        nbformat.validate(nb)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """A clean, uninterrupted run: the course folder, its gradebook and its export."""
    require_sandbox()
    root = _make_course(tmp_path_factory.mktemp("clean") / "course")
    folder = tempfile.mkdtemp(prefix="cgf-")
    environment = {**{k: v for k, v in os.environ.items() if k != GRADEBOOK_ENV}, "TMPDIR": folder}
    try:
        done = _run(root, environment, *GRADE)
        assert done.returncode == 0, done.stdout + done.stderr
        assert {s: row[0] for s, row in _table(done.stdout).items()} == SCORES
        export = _export(root, environment)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"root": root, "gradebook": _gradebook(f"sqlite:///{root / 'gradebook.db'}"), "export": export}


def test_killed_command_run_again_grades_every_submission_once(clean, tmp_path, env):
    root = _make_course(tmp_path / "course")
    tmp = Path(env["TMPDIR"])
    command = _start(root, env, *GRADE)
    # Kill the whole process group once a first result is recorded and bob's kernel runs.
    _wait_for(lambda: list(root.glob("autograded/*/demo.graded.json")) and _worker_in_flight("bob", command.pid),
              command, "a first result with bob in flight")
    kernels = [p.name for p in tmp.glob("cnnlib-grading-*/cnnlib-kernel-*")]
    os.killpg(command.pid, signal.SIGKILL)
    command.wait()
    assert kernels, "no kernel was running when the command was killed"
    assert _survivors(str(root), str(tmp)) == []  # the workers and their kernels died with it
    finished = {p.parent.name for p in root.glob("autograded/*/demo.graded.json")}
    assert finished and "bob" not in finished and finished < set(SCORES)
    logs = {s: (root / "autograded" / s / "demo.autograde.log").stat().st_mtime_ns for s in finished}

    again = _run(root, env, *GRADE)  # the same command, run again
    assert again.returncode == 0, again.stdout + again.stderr
    table = _table(again.stdout)
    assert {s: row[0] for s, row in table.items()} == SCORES
    assert {s for s, row in table.items() if row[1].endswith(KEPT)} == finished  # kept, not graded again
    assert f"{len(finished)} submission(s) graded to the end by an earlier run" in again.stdout
    assert {s: (root / "autograded" / s / "demo.autograde.log").stat().st_mtime_ns for s in finished} == logs

    gradebook = _gradebook(f"sqlite:///{root / 'gradebook.db'}")
    assert gradebook["rows"] == dict.fromkeys(SCORES, 1)  # one submission row each, none twice
    assert gradebook == clean["gradebook"]
    assert _export(root, env) == clean["export"]
    # Nothing left behind: processes, temporary folders, kernel control groups, partial notebooks.
    assert _survivors(str(root), str(tmp), wait_s=0) == []
    assert list(tmp.iterdir()) == []
    assert _kernel_cgroups(kernels) == []
    _assert_autograded_complete(root, clean["root"])
    assert not list(root.glob("autograded/**/*.tmp"))

    kept = sorted(finished)[0]  # --regrade grades a kept submission again
    regraded = _run(root, env, *GRADE, "--regrade", "--student", kept)
    assert regraded.returncode == 0, regraded.stderr
    assert _table(regraded.stdout)[kept][:2] == (SCORES[kept], "ok")
    assert (root / "autograded" / kept / "demo.autograde.log").stat().st_mtime_ns > logs[kept]
    assert _gradebook(f"sqlite:///{root / 'gradebook.db'}") == clean["gradebook"]


def _assert_still_running(first: subprocess.Popen, second: subprocess.CompletedProcess) -> None:
    if first.poll() is not None:
        out, err = first.communicate()
        pytest.fail(f"the first command ended (exit code {first.returncode}) before the second one tried:\n"
                    f"{out}\n{err}\nthe second printed:\n{second.stdout}\n{second.stderr}")


def test_second_command_on_the_same_course_refuses_and_the_first_is_unharmed(clean, tmp_path, env):
    root = _make_course(tmp_path / "course", bob_sleeps=15, students=("ann", "bob"))
    first = _start(root, env, *GRADE)
    _wait_for(lambda: _worker_in_flight("bob", first.pid), first, "bob in flight")
    second = _run(root, env, *GRADE)
    _assert_still_running(first, second)
    assert second.returncode == 1 and "student" not in second.stdout
    assert f"another grading command holds the course: `cnnlib-course autograde demo`, pid {first.pid} on " \
           f"{socket.gethostname()}, since " in second.stderr
    assert "Wait for it to finish, or stop it" in second.stderr and "Traceback" not in second.stderr

    done = _finish(first)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {s: row[0] for s, row in _table(done.stdout).items()} == {"ann": 5.0, "bob": 5.0}
    gradebook = _gradebook(f"sqlite:///{root / 'gradebook.db'}")
    assert gradebook["rows"] == {"ann": 1, "bob": 1}
    assert {k: v for k, v in gradebook["grades"].items() if k[0] in ("ann", "bob")} == \
        {k: v for k, v in clean["gradebook"]["grades"].items() if k[0] in ("ann", "bob")}
    assert list(Path(env["TMPDIR"]).iterdir()) == []


def test_second_command_on_a_postgresql_gradebook_refuses_from_another_folder(pg_url, tmp_path, env):
    """Two machines, each with its own copy of the course, one PostgreSQL gradebook: the file lock
    cannot see the other command, the gradebook's advisory lock does."""
    require_sandbox()
    env = {**env, GRADEBOOK_ENV: pg_url}
    # bob sleeps long enough for the second command to start, connect and be refused on a loaded machine
    here = _make_course(tmp_path / "here", bob_sleeps=20, students=("ann", "bob"), env=env)
    there = tmp_path / "there"
    shutil.copytree(here, there)
    first = _start(here, env, *GRADE)
    _wait_for(lambda: _worker_in_flight("bob", first.pid), first, "bob in flight")
    second = _run(there, env, *GRADE)
    _assert_still_running(first, second)
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"another grading command holds course '{COURSE_ID}' in the gradebook postgresql" in second.stderr
    assert f"cnnlib-course pid {first.pid} on {socket.gethostname()}"[:63] in second.stderr
    assert "PostgreSQL advisory lock" in second.stderr and "connected since" in second.stderr
    assert "s3cret" not in second.stderr and "Traceback" not in second.stderr

    done = _finish(first)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {s: row[0] for s, row in _table(done.stdout).items()} == {"ann": 5.0, "bob": 5.0}
    gradebook = _gradebook(pg_url)
    assert gradebook["rows"] == {"ann": 1, "bob": 1} and gradebook["scores"] == {"ann": 5.0, "bob": 5.0}
    from sqlalchemy import create_engine, text
    engine = create_engine(gradebook_url(pg_url))
    try:
        with engine.connect() as conn:  # the first command let its lock go
            assert conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar() == 0
    finally:
        engine.dispose()


def test_worker_killed_mid_submission_costs_a_retry_not_the_grade(clean, tmp_path, env):
    root = _make_course(tmp_path / "course", students=("ann", "bob"))
    command = _start(root, env, *GRADE)
    worker = _wait_for(lambda: _worker_in_flight("bob", command.pid), command, "bob's worker in flight")
    time.sleep(0.5)
    os.kill(worker, signal.SIGKILL)
    done = _finish(command)
    assert done.returncode == 0, done.stdout + done.stderr
    table = _table(done.stdout)
    assert {s: row[0] for s, row in table.items()} == {"ann": 5.0, "bob": 5.0}
    assert table["bob"][1] == "ok" and "graded again: its first worker died (exit code -9)" in table["bob"][2]
    gradebook = _gradebook(f"sqlite:///{root / 'gradebook.db'}")
    assert gradebook["rows"] == {"ann": 1, "bob": 1}
    assert gradebook["grades"] == {k: v for k, v in clean["gradebook"]["grades"].items() if k[0] in ("ann", "bob")}
    assert list(Path(env["TMPDIR"]).iterdir()) == []
    nbformat.validate(nbformat.read(root / "autograded" / "bob" / "demo" / "demo.ipynb", as_version=4))
