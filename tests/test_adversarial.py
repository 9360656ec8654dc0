"""Adversarial submissions gain no points, and do not hurt an honest one graded in the same run.

One autograde run (two workers, sandboxed, small limits) grades every attack of
``tests/adversarial/corpus.py`` plus an honest submission; the tests then read
the results, the autograded notebooks and the gradebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

import democourse  # noqa: E402
from corpus import ATTACKS  # noqa: E402

from cnnlib.course.autograde import autograde  # noqa: E402
from cnnlib.course.collect import collect  # noqa: E402
from cnnlib.course.config import load_course  # noqa: E402
from cnnlib.course.release import release  # noqa: E402
from cnnlib.course.sandbox import Limits, SandboxUnavailable, check_sandbox  # noqa: E402

# One sandboxed run grades the whole corpus: keep its tests on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("adversarial")]
LIMITS = Limits(cell_timeout_s=10, submission_timeout_s=90, memory_mb=512, cpu_seconds=60)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    try:
        check_sandbox()
    except SandboxUnavailable as exc:
        pytest.skip(f"needs the bubblewrap sandbox: {exc}")
    root = democourse.make_course(tmp_path_factory.mktemp("course"))
    course = load_course(root)
    release(course, [democourse.ASSIGNMENT])
    released = nbformat.read(course.release_dir / "demo" / "demo.ipynb", as_version=4)
    inbox = tmp_path_factory.mktemp("inbox")
    paths = {
        "solution": str(course.source_dir / "demo" / "demo.ipynb"),
        "gradebook": str(root / "gradebook.db"),
        "other student": str(course.submitted_dir / "honest" / "demo" / "demo.ipynb"),
    }
    submissions = {"honest": democourse.solve(released)}
    submissions.update({a.name.replace("_", "-"): a.build(nbformat.from_dict(released), paths) for a in ATTACKS})
    for student, nb in submissions.items():
        (inbox / student).mkdir()
        nbformat.write(nb, inbox / student / "demo.ipynb")
    report = collect(course, "demo", inbox)
    assert sorted(report.students) == sorted(submissions), report.skipped
    gradebook_before = (root / "gradebook.db").stat().st_size
    results = autograde(course, "demo", jobs=2, limits=LIMITS)
    return {"course": course, "results": {r.student: r for r in results}, "gradebook_size": gradebook_before}


def _outputs(course, student: str) -> str:
    nb = nbformat.read(course.autograded_dir / student / "demo" / "demo.ipynb", as_version=4)
    return "\n".join(o.get("text", "") + o.get("evalue", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_gains_no_points(graded, attack):
    result = graded["results"][attack.name.replace("_", "-")]
    assert not result.tooling_error, result.status
    assert result.max_score == democourse.MAX_SCORE
    assert attack.min_score <= result.score <= attack.max_score, (attack.description, result.status)


def test_honest_submission_gets_full_marks(graded):
    result = graded["results"]["honest"]
    assert (result.score, result.max_score, result.status, result.flags) == (5.0, 5.0, "ok", [])


def test_sandbox_hides_instructor_files_and_network(graded):
    # The attack prints the names of the files it could read or write: none.
    assert "visible: []" in _outputs(graded["course"], "read-secrets")


def test_gradebook_and_solutions_untouched(graded):
    course = graded["course"]
    assert not (course.root / "gradebook.db").read_bytes().endswith(b"tampered")
    assert b"tampered" not in (course.source_dir / "demo" / "demo.ipynb").read_bytes()
    assert b"tampered" not in (course.submitted_dir / "honest" / "demo" / "demo.ipynb").read_bytes()
    assert len(graded["results"]) == len(ATTACKS) + 1


def test_incidents_are_reported(graded):
    results = graded["results"]
    assert "kernel unresponsive" in results["infinite-loop"].status or "timed out" in results["infinite-loop"].status
    assert "kernel died" in results["os-exit"].status
    assert "kernel died" in results["kill-grader"].status
    assert "monkeypatch" in results["monkeypatch-libraries"].flags
    assert "get_ipython" in results["ipython-hooks"].flags
    assert "threads" in results["background-thread"].flags


def test_guard_undoes_tampering_before_test_cells(graded):
    course = graded["course"]
    assert "[grading guard] restored:" in _outputs(course, "monkeypatch-libraries")
    assert "numpy.testing.assert_allclose" in _outputs(course, "monkeypatch-libraries")
    assert "stopped thread" in _outputs(course, "background-thread")
    assert "shell.input_transformers_post" in _outputs(course, "ipython-hooks")
