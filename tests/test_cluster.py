"""Grading on a real Dask cluster: ``cnnlib-course autograde demo --cluster ADDRESS``.

A scheduler and two workers run on 127.0.0.1 as Dask's own ``dask scheduler`` and ``dask worker``
commands (processes of their own, as on separate machines: the workers see neither the course
folder nor the gradebook). The reference is the local pool's clean run of the same course
(:mod:`test_grading_faults`): the cluster must leave the same gradebook, export and files.
"""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import pytest

from dask_cluster import LocalCluster
from test_grading_faults import (  # noqa: F401 - clean and env are fixtures
    KEPT,
    SCORES,
    _assert_autograded_complete,
    _export,
    _finish,
    _gradebook,
    _make_course,
    _run,
    _start,
    _table,
    _wait_for,
    _worker_in_flight,
    clean,
    env,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]
LIMITS = ["--timeout", "30", "--submission-timeout", "120", "--memory", "1024"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from helpers import require_sandbox

    require_sandbox()
    running = LocalCluster(tmp_path_factory.mktemp("dask"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("kernel", ["cold", "warm"])
def test_the_cluster_grades_as_the_local_pool_and_a_rerun_keeps_the_grades(clean, cluster, tmp_path, env, kernel):
    root = _make_course(tmp_path / "course")
    switch = "--warm-kernels" if kernel == "warm" else "--no-warm-kernels"
    done = _run(root, env, "autograde", "demo", "--cluster", cluster.address, *LIMITS, switch)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {s: row[0] for s, row in _table(done.stdout).items()} == SCORES
    assert "[4/4] " in done.stderr  # a progress line per submission, as the workers' results come in
    # The coordinator wrote the gradebook: the same rows and grades as the local pool's run.
    assert _gradebook(f"sqlite:///{root / 'gradebook.db'}") == clean["gradebook"]
    assert _export(root, env) == clean["export"]
    _assert_autograded_complete(root, clean["root"])
    for student in SCORES:
        log = (root / "autograded" / student / "demo.autograde.log").read_text()
        assert "--- graded on Dask worker w" in log and "--- recorded on the coordinator" in log
        assert f" s, {kernel} kernel:" in log  # a warm one forked from the worker's warm-kernel server
    assert list(Path(env["TMPDIR"]).iterdir()) == []

    again = _run(root, env, "autograde", "demo", "--cluster", cluster.address, *LIMITS)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {s: (row[0], row[1].endswith(KEPT)) for s, row in _table(again.stdout).items()} == \
        {s: (score, True) for s, score in SCORES.items()}
    assert _gradebook(f"sqlite:///{root / 'gradebook.db'}") == clean["gradebook"]


def test_a_worker_killed_mid_batch_costs_no_grade(clean, tmp_path, env):
    """The worker grading bob is killed, and it was the only one holding the assignment's bundle:
    the scheduler makes the bundle again and grades bob on the worker that joined meanwhile."""
    cluster = LocalCluster(tmp_path / "dask")
    (tmp_path / "dask").mkdir()
    try:
        cluster.start(workers=("w1",))
        root = _make_course(tmp_path / "course", students=("ann", "bob"), bob_sleeps=10)
        command = _start(root, env, "autograde", "demo", "--cluster", cluster.address, *LIMITS)
        first = cluster.workers["w1"].pid
        grading = _wait_for(lambda: _worker_in_flight("bob", first), command, "bob graded on w1")
        cluster.add_worker("w2")
        cluster.wait_for_workers(2)
        doomed = cluster.descendants(first)  # its grading processes and bob's kernel
        os.kill(first, signal.SIGKILL)
        done = _finish(command)
        assert done.returncode == 0, done.stdout + done.stderr
        assert {s: row[0] for s, row in _table(done.stdout).items()} == {"ann": 5.0, "bob": 5.0}
        log = (root / "autograded" / "bob" / "demo.autograde.log").read_text()
        assert "--- graded on Dask worker w2" in log  # the scheduler gave bob to the other worker
        gradebook = _gradebook(f"sqlite:///{root / 'gradebook.db'}")
        assert gradebook["rows"] == {"ann": 1, "bob": 1}
        assert gradebook["grades"] == {k: v for k, v in clean["gradebook"]["grades"].items() if k[0] in ("ann", "bob")}
        assert _export(root, env) == [row for row in clean["export"] if row["student_id"] in ("ann", "bob")]
        # The killed worker took its grading process and bob's sandboxed kernel with it.
        assert grading in doomed and cluster.alive(doomed, wait_s=15) == []
    finally:
        cluster.stop()


def test_cluster_errors_are_clear(tmp_path, env):
    root = _make_course(tmp_path / "course", students=("ann",))
    unreachable = _run(root, env, "autograde", "demo", "--cluster", "tcp://127.0.0.1:9", *LIMITS)
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in unreachable.stderr
    assert "dask worker tcp://HOST:8786" in unreachable.stderr
    unsafe = _run(root, env, "autograde", "demo", "--cluster", "tcp://127.0.0.1:9", "--unsafe")
    assert unsafe.returncode == 1 and "--unsafe and --cluster do not go together" in unsafe.stderr
    assert not (root / "autograded" / "ann" / "demo.graded.json").exists()


def test_the_bundle_holds_what_a_worker_needs_and_no_submission(tmp_path):
    """A worker gets the instructor's sources, the released notebooks, the settings and a gradebook
    with the assignment: never another student's files, nor the course's gradebook."""
    import io
    import sqlite3
    import tarfile

    from cnnlib.course.cluster import course_bundle
    from cnnlib.course.config import load_course

    root = _make_course(tmp_path / "course", students=("ann", "bob"))
    with tarfile.open(fileobj=io.BytesIO(course_bundle(load_course(root), "demo")), mode="r:gz") as tar:
        names = sorted(tar.getnames())
        tar.extract("gradebook.db", tmp_path / "unpacked", filter="data")
    # (the demo course has no nbgrader_config.py; answers.txt is a file of its source folder)
    assert names == ["exercises/demo/demo.ipynb", "gradebook.db", "solutions/demo/answers.txt",
                     "solutions/demo/demo.ipynb"]
    with sqlite3.connect(tmp_path / "unpacked" / "gradebook.db") as db:
        assert db.execute("SELECT name FROM assignment").fetchall() == [("demo",)]
        assert db.execute("SELECT count(*) FROM student").fetchone() == (0,)


@pytest.mark.parametrize("mode", ["fork server", "fresh process"])
def test_a_worker_grades_from_the_bundle_alone(tmp_path, monkeypatch, mode):
    """What a Dask task does on a worker, called directly: both ways of starting the grading
    process (the fork server; a fresh Python under a daemonic worker) grade the same."""
    import dataclasses

    import cnnlib
    from cnnlib.course import cluster
    from cnnlib.course.config import load_course
    from cnnlib.course.sandbox import Limits
    from helpers import require_sandbox

    require_sandbox()
    root = _make_course(tmp_path / "course", students=("dee",))
    bundle = cluster.course_bundle(load_course(root), "demo")
    files = {p.name: p.read_bytes() for p in (root / "submitted" / "dee" / "demo").iterdir()}
    limits = dataclasses.asdict(Limits(cell_timeout_s=30, submission_timeout_s=120, memory_mb=1024))
    if mode == "fresh process":
        monkeypatch.setattr(cluster, "_run_grader", cluster._run_grader_process)
    # A temporary folder of this test's own (the shared one has other tests' files), short: the fork
    # server's socket is made there.
    folder = Path(tempfile.mkdtemp(prefix="cct-"))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    out = cluster.grade_submission(bundle, files, "demo", "dee", limits, cnnlib.__version__)
    assert (out["score"], out["max_score"], out["tooling_error"]) == (3.0, 5.0, False), out
    assert set(out["notebooks"]) == {"demo.ipynb"}
    assert not list(folder.glob("cnnlib-task-*"))  # the task folder is gone

    other = cluster.grade_submission(bundle, files, "demo", "dee", limits, "0.0.1")
    assert other["tooling_error"] and f"runs cnnlib {cnnlib.__version__} and the coordinator 0.0.1" in other["status"]
    # (the folder stays: the fork server started here keeps its socket there while pytest runs)


def test_recording_takes_only_the_notebook_of_this_submission(tmp_path):
    """The coordinator records a returned notebook only if its cells are the submission's as
    sanitized here (same types, sources, grade ids); the verdicts come from its test cells."""
    import copy

    import nbformat
    from democourse import source_notebook

    from cnnlib.course import judge
    from cnnlib.course.cluster import RemoteExecuted

    nb = source_notebook()
    step = RemoteExecuted(results_directory=str(tmp_path))
    resources = {"nbgrader": {"student": "ann", "notebook": "demo"}}
    with pytest.raises(RuntimeError, match="sent back no graded demo.ipynb for ann"):
        step.preprocess(nb, resources)

    (tmp_path / "ann").mkdir()
    changed = copy.deepcopy(nb)
    changed.cells[2].source += "\n# another version of the assignment"
    nbformat.write(changed, tmp_path / "ann" / "demo.ipynb")
    with pytest.raises(RuntimeError, match="does not match the submission as released here"):
        step.preprocess(nb, resources)

    graded = copy.deepcopy(nb)
    test_cells = [c for c in graded.cells if judge.is_test_cell(c)]
    verdict = judge.CellVerdict(test_cells[0].metadata["nbgrader"]["grade_id"], 1.0, [])
    test_cells[0].outputs = [judge.verdict_output(verdict)]
    nbformat.write(graded, tmp_path / "ann" / "demo.ipynb")
    recorded, resources = step.preprocess(nb, resources)
    assert [c.outputs for c in recorded.cells if judge.is_test_cell(c)][0] == test_cells[0].outputs
    assert resources["cnnlib_verdicts"] == {verdict.grade_id: verdict}
