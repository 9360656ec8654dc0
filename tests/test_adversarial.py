"""Adversarial submissions gain no points, and do not hurt an honest one graded in the same run.

The ``cnnlib-course`` command, run exactly as an instructor runs it (release, collect,
autograde with two workers and small limits, feedback, export), grades every attack
of ``tests/adversarial/corpus.py`` plus an honest submission; the tests then read
the printed table, the exported grades, the autograded notebooks and the feedback.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

import democourse  # noqa: E402
from corpus import ATTACKS  # noqa: E402
from dask_cluster import LocalCluster  # noqa: E402
from helpers import require_sandbox  # noqa: E402

from cnnlib.course.config import load_course  # noqa: E402

# One sandboxed run grades the whole corpus: keep its tests on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("adversarial")]
LIMITS = ["--timeout", "10", "--submission-timeout", "90", "--memory", "512", "--cpu", "60", "--jobs", "2"]
COMMAND = str(Path(sys.executable).with_name("cnnlib-course"))


def course_command(root: Path, *args: str) -> subprocess.CompletedProcess:
    """``cnnlib-course --course ROOT ARGS...``, as an instructor types it."""
    return subprocess.run([COMMAND, "--course", str(root), *args], capture_output=True, text=True, timeout=1800)


def parse_table(text: str) -> dict[str, SimpleNamespace]:
    """The table ``cnnlib-course autograde`` prints, by student (columns cut at the header's)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("student "))
    header = lines[start]
    names = ["student", "score", "max", "status", "flags", "seconds"]
    cuts = [header.index(name) for name in names] + [None]
    rows = {}
    for line in lines[start + 2:]:
        if not line.strip() or line.startswith("tooling error"):
            continue
        cells = [line[cuts[i]:cuts[i + 1]].strip() for i in range(len(names))]
        rows[cells[0]] = SimpleNamespace(
            student=cells[0], score=None if cells[1] == "-" else float(cells[1]),
            max_score=None if cells[2] == "-" else float(cells[2]), status=cells[3],
            flags=[] if cells[4] == "-" else cells[4].split(", "), tooling_error=cells[3].startswith("error"))
    return rows


@pytest.fixture(scope="module", params=["cold", "warm", "cluster"])
def graded(request, tmp_path_factory):
    """The corpus graded three times: kernels started cold (one bubblewrap each), forked by the
    warm-kernel server (``--warm-kernels``, :mod:`cnnlib.course.zygote`), each in its own sandbox,
    and on a local Dask cluster of two workers (``--cluster``, :mod:`cnnlib.course.cluster`), the
    grades recorded by the coordinator from the notebooks the workers send back."""
    require_sandbox()
    root = democourse.make_course(tmp_path_factory.mktemp("course"))
    course = load_course(root)
    done = course_command(root, "release", democourse.ASSIGNMENT)
    assert done.returncode == 0, done.stderr
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
    done = course_command(root, "collect", "demo", "--from", str(inbox))
    assert done.returncode == 0 and f"{len(submissions)} student(s) collected" in done.stdout, done.stdout
    gradebook_before = (root / "gradebook.db").stat().st_size
    if request.param == "cluster":
        cluster = LocalCluster(tmp_path_factory.mktemp("dask"))
        try:
            cluster.start()
            done = course_command(root, "autograde", "demo", *LIMITS, "--cluster", cluster.address)
        finally:
            cluster.stop()
    else:
        switch = "--warm-kernels" if request.param == "warm" else "--no-warm-kernels"
        done = course_command(root, "autograde", "demo", *LIMITS, switch)
    assert "cold sandboxed kernels" not in done.stderr, done.stderr  # the warm run really used the zygote
    assert "student" in done.stdout, done.stderr
    results = parse_table(done.stdout)
    assert sorted(results) == sorted(submissions)
    export = course_command(root, "export", "--to", str(root / "grades.csv"))
    assert export.returncode == 0, export.stderr
    with (root / "grades.csv").open() as fh:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}
    return {"course": course, "results": results, "exported": exported, "gradebook_size": gradebook_before,
            "autograde": done}


def _outputs(course, student: str) -> str:
    nb = nbformat.read(course.autograded_dir / student / "demo" / "demo.ipynb", as_version=4)
    return "\n".join(o.get("text", "") + o.get("evalue", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_gains_no_points(graded, attack):
    student = attack.name.replace("_", "-")
    result = graded["results"][student]
    assert not result.tooling_error, result.status
    assert result.max_score == democourse.MAX_SCORE
    assert attack.min_score <= result.score <= attack.max_score, (attack.description, result.status)
    assert graded["exported"][student] == result.score  # the grade an instructor exports


def test_honest_submission_gets_full_marks(graded):
    result = graded["results"]["honest"]
    assert (result.score, result.max_score, result.status, result.flags) == (5.0, 5.0, "ok", [])
    assert graded["exported"]["honest"] == 5.0
    assert graded["autograde"].returncode == 0, graded["autograde"].stderr  # no tooling error for anyone
    # nbgrader's "Attribute 'checksum' ... has changed!" for every test cell with hidden tests is gone
    log = (graded["course"].autograded_dir / "honest" / "demo.autograde.log").read_text()
    assert "WARNING" not in log.replace("Removing existing assignment", ""), log


def test_the_grader_never_reads_a_file_a_kernel_put_in_place_of_its_log(graded):
    """The kernel's log lies in the runtime folder the kernel can write; the grader reads it back
    (in the "kernel died" message) only through the descriptor it opened itself."""
    course = graded["course"]
    for student in ("kernel-log-link", "kernel-log-fifo", "kernel-log-devzero"):
        result = graded["results"][student]
        assert "kernel died" in result.status and "hard limit" not in result.status, result.status
        shown = _outputs(course, student) + (course.autograded_dir / student / "demo.autograde.log").read_text()
        assert "kernel died" in shown, shown[-2000:]
        for leak in (democourse.HIDDEN_MARKER, "BEGIN HIDDEN TESTS", '"cell_type"', "\0" * 64):
            assert leak not in shown, (student, leak)


def test_sandbox_hides_instructor_files_and_network(graded):
    # The attack prints the names of the files it could read or write: none.
    assert "visible: []" in _outputs(graded["course"], "read-secrets")


def test_gradebook_and_solutions_untouched(graded):
    course = graded["course"]
    assert not (course.root / "gradebook.db").read_bytes().endswith(b"tampered")
    assert b"tampered" not in (course.source_dir / "demo" / "demo.ipynb").read_bytes()
    assert b"tampered" not in (course.submitted_dir / "honest" / "demo" / "demo.ipynb").read_bytes()
    assert len(graded["results"]) == len(ATTACKS) + 1


def _cgroups_writable() -> bool:
    from cnnlib.course.sandbox import SubmissionCgroup

    probe = SubmissionCgroup(64, 8, f"cnnlib-probe-{__import__('os').getpid()}")
    made = probe.create()
    probe.remove()
    return made


def test_incidents_are_reported(graded):
    results = graded["results"]
    assert "kernel unresponsive" in results["infinite-loop"].status or "timed out" in results["infinite-loop"].status
    if "timed out" in results["infinite-loop"].status:  # a limit hit, named in the flags column too
        assert "time limit" in results["infinite-loop"].flags
    assert "kernel died" in results["os-exit"].status
    assert "kernel died" in results["kill-grader"].status
    assert "monkeypatch" in results["monkeypatch-libraries"].flags
    assert "get_ipython" in results["ipython-hooks"].flags
    assert "threads" in results["background-thread"].flags
    assert "output limit" in results["print-flood"].flags
    assert "edited locked cells" in results["edit-tests"].flags  # real tampering is still flagged
    log = (graded["course"].autograded_dir / "edit-tests" / "demo.autograde.log").read_text()
    assert "differ from the released notebook (edited in the submission)" in log
    if _cgroups_writable():  # where the grader can make cgroups (root, or a delegated hierarchy)
        assert "process limit" in results["fork-many"].flags
        for student in ("children-hog-memory", "fill-disk"):  # tmpfs pages count as the submission's memory
            assert "memory limit" in results[student].flags or "kernel died" in results[student].status, student


def test_resource_limits_hold_for_the_whole_submission(graded):
    course = graded["course"]
    text = _outputs(course, "fork-many")
    assert "fork refused" in text or "kernel died" in graded["results"]["fork-many"].status, text[-500:]
    written = _outputs(course, "fill-disk")
    if "written MiB" in written:  # the kernel may also be killed by the memory limit while writing
        line = next(line for line in written.splitlines() if line.startswith("written MiB"))
        sizes = eval(line.split(" ", 2)[2])  # noqa: S307 - our own attack's output
        assert sizes["/"] == 0 and sizes["/srv"] == 0, sizes
        assert max(sizes.values()) < 1024, sizes


def test_scores_come_from_the_judge(graded):
    """Every test cell's gradebook score is the judge's verdict, stored as the cell's output."""
    from cnnlib.course import judge

    course = graded["course"]
    for student in ("honest", "displayhook-result", "skip-execution-tags", "forged-reports"):
        nb = nbformat.read(course.autograded_dir / student / "demo" / "demo.ipynb", as_version=4)
        verdicts = [judge.verdict_of_cell(c) for c in nb.cells if judge.is_test_cell(c)]
        assert len(verdicts) == 3 and all(v is not None for v in verdicts), student
        assert sum(v.score for v in verdicts) == graded["results"][student].score


def _decodings(text: str) -> list[str]:
    """``text`` and what its base64, hex, rot13 and zlib-compressed parts decode to."""
    import base64
    import binascii
    import codecs
    import re
    import zlib

    found = [text, codecs.decode(text, "rot13")]
    for token in re.findall(r"[A-Za-z0-9+/=]{16,}", text):
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            continue
        found.append(raw.decode("utf-8", "replace"))
        try:
            found.append(zlib.decompress(raw).decode("utf-8", "replace"))
        except zlib.error:
            pass
    for token in re.findall(r"(?:[0-9a-f]{2}){8,}", text):
        found.append(binascii.unhexlify(token).decode("utf-8", "replace"))
    return found


def _plain_text(path) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_feedback_never_shows_hidden_tests(graded):
    course = graded["course"]
    done = course_command(course.root, "feedback", "demo")
    assert done.returncode == 0, done.stderr
    files = sorted(course.feedback_dir.glob("*/demo/*.html"))
    source = nbformat.read(course.source_dir / "demo" / "demo.ipynb", as_version=4)
    secrets = {democourse.HIDDEN_MARKER}
    for cell in source.cells:
        inside = False
        for line in cell.source.split("\n"):
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) >= 8:
                secrets.add(line.strip())
    assert len(files) == len(ATTACKS) + 1
    for path in files:
        text = path.read_text(encoding="utf-8")
        for decoded in _decodings(text):
            leaked = [s for s in secrets if s in decoded]
            assert not leaked, f"{path.parent.parent.name}: {leaked}"
    honest = _plain_text(course.feedback_dir / "honest" / "demo" / "demo.html")
    assert "All 3 check(s) passed" in honest and 'check.integer("conv_out(32, 3, 1, 1)", 32)' in honest
    wrong = _plain_text(course.feedback_dir / "edit-tests" / "demo" / "demo.html")
    assert "square(3): expected 9, got 6" in wrong  # a visible failure, in full
    # the student's markdown and submitted outputs are shown, without their scripts
    scripted = (course.feedback_dir / "script-in-feedback" / "demo" / "demo.html").read_text()
    assert "<script>alert(" not in scripted and "onerror" not in scripted
    assert "&lt;script&gt;alert('xss')" in scripted  # shown as the text it is
    assert "[hidden] conv_out(7, 3, 2, 0): wrong value" in wrong  # the hidden one, named, in words
