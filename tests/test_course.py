"""The instructor's workflow ``cnnlib-course`` on a tiny temporary course.

release -> collect (folder, Canvas/Moodle zip) -> autograde (sandboxed) -> feedback -> export,
plus the checks helpers, the collect rules, the feedback redaction and the CLI's errors.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

import democourse  # noqa: E402

from cnnlib.course import main  # noqa: E402
from cnnlib.course import checks  # noqa: E402
from cnnlib.course.collect import collect  # noqa: E402
from cnnlib.course.config import default_config, load_course  # noqa: E402
from cnnlib.course.preprocessors import HideHiddenTests  # noqa: E402
from cnnlib.course.release import check_release, release  # noqa: E402
from cnnlib.course.sandbox import Limits, SandboxUnavailable, check_sandbox  # noqa: E402
from cnnlib.course.scan import flag_submission  # noqa: E402

# The module's fixtures release and grade a course once: keep its tests on one xdist worker.
pytestmark = pytest.mark.xdist_group("course")
REPO = Path(__file__).resolve().parents[1]
LIMITS = Limits(cell_timeout_s=20, submission_timeout_s=120, memory_mb=1024, cpu_seconds=120)


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A course with ``solutions/demo`` released once (copy it before changing anything)."""
    root = democourse.make_course(tmp_path_factory.mktemp("released"))
    release(load_course(root), [democourse.ASSIGNMENT])
    return root


@pytest.fixture
def course_root(released, tmp_path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(released, root)
    return root


def _released_nb(root: Path) -> nbformat.NotebookNode:
    return nbformat.read(root / "exercises" / "demo" / "demo.ipynb", as_version=4)


def _nb_bytes(nb: nbformat.NotebookNode) -> bytes:
    return nbformat.writes(nb).encode()


# --------------------------------------------------------------------------- checks
def test_checks_accept_equal_values_of_every_supported_type():
    checks.assert_close(torch.tensor([[1.0, 2.0]]), np.array([[1.0, 2.0 + 1e-9]]))
    checks.assert_close(torch.nn.Parameter(torch.ones(2)), [1, 1.0])
    checks.assert_close(np.float32(0.5), 0.5)
    checks.assert_equal((3, [4, 5]), [3, (4, 5)])
    checks.assert_equal(torch.Size([2, 3]), (2, 3))
    checks.assert_shape(torch.zeros(8, 3, 4), (8, 3, 4))
    checks.assert_shape(np.zeros((2, 1)), [2, 1])
    checks.assert_true(torch.tensor([True]))
    checks.assert_raises(ValueError, int, "x")
    checks.assert_close(float("nan"), float("nan"), equal_nan=True)


@pytest.mark.parametrize("actual, expected, message", [
    (torch.tensor([1.0, 2.0]), [1.0, 2.1], "value[1]: expected 2.1"),
    (np.zeros((2, 1)), np.zeros(2), "value[0]: expected 0.0, got"),
    ([1.0, 2.0], [1.0], "expected length 1, got length 2"),
    (float("nan"), float("nan"), "expected nan"),
    ("a", "b", "expected 'b', got 'a'"),
])
def test_checks_report_the_first_difference(actual, expected, message):
    with pytest.raises(AssertionError, match=message.replace("[", r"\[").replace("(", r"\(")):
        checks.assert_close(actual, expected)


def test_checks_reject_objects_that_could_lie():
    class Yes(float):
        def __eq__(self, other):
            return True

    class Arr(np.ndarray):
        def tolist(self):
            return [0.0]

    class Tensorish(torch.Tensor):
        pass

    for fake in (Yes(0.0), np.zeros(1).view(Arr), torch.zeros(1).as_subclass(Tensorish), object()):
        with pytest.raises(AssertionError, match="subclasses are not accepted"):
            checks.assert_close(fake, [0.0])
    with pytest.raises(AssertionError, match="expected 1, got True"):
        checks.assert_equal(True, 1)  # a bool is not an exact count
    with pytest.raises(AssertionError):
        checks.assert_true(1)
    with pytest.raises(AssertionError, match="nothing was raised"):
        checks.assert_raises(ValueError, int, "3")


def test_checks_ignore_patched_library_functions(monkeypatch):
    monkeypatch.setattr(torch.Tensor, "tolist", lambda self: [9.0], raising=False)
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    with pytest.raises(AssertionError, match="expected 9.0"):
        checks.assert_close(torch.tensor([1.0]), [9.0])
    checks.assert_close(torch.tensor([1.0]), np.array([1.0]))


def test_reference_refuses_a_replaced_function(monkeypatch):
    assert checks.reference("cnnlib.course.checks.assert_close") is checks.assert_close
    assert checks.reference("math.isclose")(1.0, 1.0)
    monkeypatch.setattr(checks, "assert_equal", lambda *a, **k: None)
    with pytest.raises(AssertionError, match="not part of the installed packages"):
        checks.reference("cnnlib.course.checks.assert_equal")
    with pytest.raises(TypeError, match="dotted name"):
        checks.reference("isclose")


def test_nbgrader_gives_zero_to_a_test_cell_that_writes_to_stderr():
    # The fact behind rule 5 of cnnlib.course.checks: any stderr output costs a test cell its points.
    from nbgrader.utils import determine_grade

    meta = {"nbgrader": {"grade": True, "solution": False, "locked": True, "points": 2, "grade_id": "t"}}
    cell = nbformat.v4.new_code_cell("import warnings; warnings.warn('x')", metadata=meta)
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="UserWarning: x\n")]
    assert determine_grade(cell) == (0, 2.0)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="fine\n")]
    assert determine_grade(cell) == (2.0, 2.0)


# --------------------------------------------------------------------------- sandbox inputs
def test_kernel_sees_only_released_and_student_files(tmp_path):
    from cnnlib.course.sandbox import visible_files

    source, graded = tmp_path / "solutions", tmp_path / "autograded"
    for folder in (source, graded):
        (folder / "data").mkdir(parents=True)
        (folder / "demo.ipynb").write_text("{}")
        (folder / "answers.py").write_text("SECRET = 1")
        (folder / "data" / "x.csv").write_text("1,2")
    (graded / "helper.py").write_text("def f(): pass")  # the student's own module
    files = visible_files(str(graded), source_dir=str(source), include=["*.ipynb", "data/*.csv"])
    assert sorted(files) == ["data/x.csv", "helper.py"]


def test_preload_follows_the_assignments_imports(released):
    from cnnlib.course.autograde import preload_modules

    assert preload_modules(load_course(released), "demo") == ["numpy"]  # not cnnlib: only cnnlib.course.checks


# --------------------------------------------------------------------------- config, scan
def test_repository_config_matches_the_built_in_defaults(monkeypatch):
    monkeypatch.delenv("CNNLIB_GRADEBOOK_URL", raising=False)
    repo, built_in = load_course(REPO).config, default_config(REPO)
    for section, keys in {
        "CourseDirectory": ["course_id", "source_directory", "release_directory", "include", "db_url", "root"],
        "ClearSolutions": ["begin_solution_delimeter", "end_solution_delimeter", "code_stub"],
        "ClearHiddenTests": ["begin_test_delimeter", "end_test_delimeter"],
        "HideHiddenTests": ["begin_test_delimeter", "end_test_delimeter"],
        "Execute": ["timeout"],
        "Autograde": ["sanitize_preprocessors", "autograde_preprocessors"],
        "GenerateFeedback": ["preprocessors"],
    }.items():
        for key in keys:
            assert repo[section][key] == built_in[section][key], f"{section}.{key}"


def test_limits_come_from_the_config_unless_given(tmp_path):
    from cnnlib.course.autograde import course_limits

    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Execute.timeout = 45\nc.SandboxedKernelManager.memory_mb = 4096\n")
    course = load_course(tmp_path)
    limits = course_limits(course, cell_timeout_s=None, memory_mb=None, cpu_seconds=99)
    assert (limits.cell_timeout_s, limits.memory_mb, limits.cpu_seconds) == (45, 4096, 99)
    assert limits.submission_timeout_s == Limits().submission_timeout_s
    with pytest.raises(ValueError, match="cell_timeout_s must be a positive integer"):
        course_limits(course, cell_timeout_s=0)


def test_gradebook_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNLIB_GRADEBOOK_URL", "postgresql://grader@db.example/gradebook")
    assert load_course(tmp_path).db_url == "postgresql://grader@db.example/gradebook"


def test_scan_flags_tampering_tools():
    lines = ["import numpy as np", "np.allclose = lambda *a: True", "get_ipython().run_cell('x')",
             "import os; os._exit(0)"]
    assert flag_submission(lines) == ["get_ipython", "exit", "monkeypatch"]
    assert flag_submission(["def relu(a):", "    return np.maximum(a, 0)", "x == np.pi"]) == []


# --------------------------------------------------------------------------- release
def test_release_writes_student_version_without_solutions_or_hidden_tests(released):
    folder = released / "exercises" / "demo"
    assert sorted(p.name for p in folder.iterdir()) == ["demo.ipynb"]  # answers.txt not released
    text = (folder / "demo.ipynb").read_text()
    assert democourse.HIDDEN_MARKER not in text
    assert "return x * x" not in text and "np.maximum" not in text
    assert "raise NotImplementedError()" in text
    assert "assert_equal(conv_out(32, 3, 1, 1), 32)" in text  # visible tests stay
    assert check_release(load_course(released)) == []


def test_release_check_detects_out_of_sync(course_root, capsys):
    assert main(["--course", str(course_root), "release", "--all", "--check"]) == 0
    source = course_root / "solutions" / "demo" / "demo.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[democourse.cell_index(nb, "test_square")].source += "\nassert_close(square(2), 4)"
    nbformat.write(nb, source)
    (course_root / "exercises" / "stale").mkdir()
    assert main(["--course", str(course_root), "release", "--all", "--check"]) == 1
    out = capsys.readouterr().out
    assert "demo: demo.ipynb differs from its source" in out
    assert "stale:" in out
    shutil.rmtree(course_root / "exercises" / "stale")
    assert main(["--course", str(course_root), "release", "demo"]) == 0
    assert main(["--course", str(course_root), "release", "--all", "--check"]) == 0


# --------------------------------------------------------------------------- collect
def _zip(path: Path, members: dict[str, bytes], symlinks: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name in symlinks:
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "../../etc/passwd")
    return path


def test_collect_canvas_and_moodle_zips_and_reject_traversal(course_root, tmp_path):
    course = load_course(course_root)
    nb = _nb_bytes(_released_nb(course_root))
    archive = _zip(tmp_path / "lms.zip", {
        "submissions/doejane_1234_5678_demo.ipynb": nb,
        "submissions/doejane_1234_5679_demo-1.ipynb": nb,  # resubmission: newer, wins
        "submissions/smithj_LATE_99_100_demo.ipynb": nb,
        "submissions/Ada Lovelace_4242_assignsubmission_file_/demo.ipynb": nb,
        "submissions/notes_1_2_readme.txt": b"hello",
        "submissions/broken_3_4_demo.ipynb": b"{not json",
        "../escape/demo.ipynb": nb,
        "/abs/demo.ipynb": nb,
        "submissions\\..\\win_1_2_demo.ipynb": nb,
    }, symlinks=("submissions/link_5_6_demo.ipynb",))
    report = collect(course, "demo", archive)
    assert report.students == ["4242", "doejane", "smithj"]
    reasons = dict(report.skipped)
    assert reasons["../escape/demo.ipynb"].startswith("path traversal")
    assert reasons["/abs/demo.ipynb"].startswith("path traversal")
    assert reasons["submissions\\..\\win_1_2_demo.ipynb"].startswith("path traversal")
    assert reasons["submissions/link_5_6_demo.ipynb"] == "symbolic link"
    assert reasons["submissions/notes_1_2_readme.txt"] == "not a notebook of the assignment"
    assert reasons["submissions/broken_3_4_demo.ipynb"].startswith("not a valid notebook")
    assert "older duplicate" in reasons["submissions/doejane_1234_5678_demo.ipynb"]
    assert sorted(p.relative_to(course.submitted_dir).as_posix() for p in course.submitted_dir.rglob("*.ipynb")) == [
        "4242/demo/demo.ipynb", "doejane/demo/demo.ipynb", "smithj/demo/demo.ipynb"]
    assert not (tmp_path / "escape").exists() and not Path("/abs/demo.ipynb").exists()
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        ada = gb.find_student("4242")
        assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")


def test_collect_folder_per_student_and_invalid_ids(course_root, tmp_path):
    nb = _nb_bytes(_released_nb(course_root))
    for rel in ("alice/demo.ipynb", "bob/demo/demo.ipynb", "carol/other.ipynb", "-bad id/demo.ipynb"):
        (tmp_path / "inbox" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "inbox" / rel).write_bytes(nb)
    report = collect(load_course(course_root), "demo", tmp_path / "inbox")
    assert report.students == ["alice", "bob"]
    reasons = dict(report.skipped)
    assert reasons["carol/other.ipynb"] == "not a notebook of the assignment"
    assert reasons["-bad id/demo.ipynb"] == "invalid student id '-bad id'"


# --------------------------------------------------------------------------- feedback redaction
def test_hide_hidden_tests_removes_tests_and_outputs_that_quote_them():
    secret = "assert_equal(conv_out(7, 3, 2, 0), 3)"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"visible = 1\n### BEGIN HIDDEN TESTS\n{secret}\n### END HIDDEN TESTS",
                                  outputs=[nbformat.v4.new_output("error", ename="AssertionError", evalue="3 != 4",
                                                                  traceback=[f"----> 3 \x1b[0m{secret}"])]),
        nbformat.v4.new_code_cell("print(In)", outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text=f"['', '{secret.replace(' ', '  ')}']")]),
        nbformat.v4.new_code_cell("print('fine')", outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="fine\n")]),
    ])
    nb, _ = HideHiddenTests().preprocess(nb, {})
    text = nbformat.writes(nb)
    assert "conv_out(7" not in text and "3 != 4" not in text
    assert nb.cells[0].source == "visible = 1"
    assert nb.cells[0].outputs[0].text.startswith("This test cell contains hidden tests") and \
        "AssertionError" in nb.cells[0].outputs[0].text
    assert nb.cells[1].outputs[0].text.startswith("[output hidden")
    assert nb.cells[2].outputs[0].text == "fine\n"


# --------------------------------------------------------------------------- CLI errors
@pytest.mark.parametrize("argv, message", [
    (["--course", "/nonexistent/course", "release", "--all"], "does not exist"),
    (["release", "nope"], "unknown assignment 'nope'"),
    (["release"], "name the assignments"),
    (["collect", "demo", "--from", "/nonexistent/inbox.zip"], "does not exist"),
    (["autograde", "demo", "--student", "zed", "--unsafe"], "no submission of 'demo' for student 'zed'"),
    (["feedback", "demo"], "nothing to give feedback on"),
])
def test_cli_errors_are_short_messages(course_root, capsys, argv, message):
    if argv[0] != "--course":
        argv = ["--course", str(course_root), *argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_autograde_refuses_without_bubblewrap(course_root, tmp_path, monkeypatch, capsys):
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(SandboxUnavailable, match="--unsafe"):
        check_sandbox()
    assert main(["--course", str(course_root), "autograde", "demo"]) == 1
    err = capsys.readouterr().err
    assert "bubblewrap" in err and "apt-get install bubblewrap" in err and "--unsafe" in err


# --------------------------------------------------------------------------- full cycle
@pytest.mark.slow
def test_full_cycle(course_root, tmp_path, capsys):
    try:
        check_sandbox()
    except SandboxUnavailable as exc:
        pytest.skip(f"needs the bubblewrap sandbox: {exc}")
    course = load_course(course_root)
    released_nb = _released_nb(course_root)
    solution = democourse.solve(released_nb)
    # A folder with the instructor's solution, a zip with the unmodified student version.
    (tmp_path / "inbox" / "solver").mkdir(parents=True)
    nbformat.write(solution, tmp_path / "inbox" / "solver" / "demo.ipynb")
    archive = _zip(tmp_path / "canvas.zip", {"lazy_1_2_demo.ipynb": _nb_bytes(released_nb)})
    assert main(["--course", str(course_root), "collect", "demo", "--from", str(tmp_path / "inbox")]) == 0
    assert main(["--course", str(course_root), "collect", "demo", "--from", str(archive)]) == 0
    assert "collected lazy: demo.ipynb (from lazy_1_2_demo.ipynb)" in capsys.readouterr().out

    from cnnlib.course.autograde import autograde
    results = {r.student: r for r in autograde(course, "demo", jobs=2, limits=LIMITS)}
    assert (results["solver"].score, results["solver"].max_score, results["solver"].status) == (5.0, 5.0, "ok")
    assert (results["lazy"].score, results["lazy"].max_score) == (0.0, 5.0)
    assert not any(r.tooling_error for r in results.values())

    assert main(["--course", str(course_root), "feedback", "demo"]) == 0
    for student in ("solver", "lazy"):
        html = (course.feedback_dir / student / "demo" / "demo.html").read_text()
        assert democourse.HIDDEN_MARKER not in html
        assert "conv_out" in html and "Score" in html

    assert main(["--course", str(course_root), "export", "--to", str(tmp_path / "grades.csv")]) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "grades.csv").read_text())))
    assert {(r["student_id"], r["assignment"], r["score"], r["max_score"]) for r in rows} == {
        ("solver", "demo", "5.0", "5.0"), ("lazy", "demo", "0.0", "5.0")}


@pytest.mark.slow
def test_unsafe_mode_grades_without_bubblewrap(course_root, tmp_path, monkeypatch, capsys):
    course = load_course(course_root)
    (tmp_path / "inbox" / "solver").mkdir(parents=True)
    nbformat.write(democourse.solve(_released_nb(course_root)), tmp_path / "inbox" / "solver" / "demo.ipynb")
    collect(course, "demo", tmp_path / "inbox")
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert main(["--course", str(course_root), "autograde", "demo", "--unsafe", "--timeout", "20",
                 "--memory", "1024"]) == 0
    captured = capsys.readouterr()
    assert "warning: --unsafe" in captured.err
    assert "solver   5      5    ok" in captured.out


def test_sandbox_mounts_the_python_installation_over_its_tmpfs(tmp_path):
    """A course whose virtual environment lives under /tmp (or in a home directory the sandbox
    replaces) must still find its interpreter: bubblewrap mounts in order, so the read-only
    binds of the installation come after the writable tmpfs."""
    from cnnlib.course.sandbox import SANDBOX_HOME, Limits, bwrap_argv
    venv = "/tmp/some-course/.venv"
    argv = bwrap_argv("bwrap", runtime_dir=str(tmp_path), files={}, limits=Limits(),
                      env={"CNNLIB_KERNEL_TRUSTED": venv})
    tmpfs = [i for i, a in enumerate(argv) if a == "--tmpfs" and argv[i + 1] in ("/tmp", SANDBOX_HOME)]
    binds = [i for i, a in enumerate(argv) if a == "--ro-bind" and argv[i + 1] == venv]
    assert len(tmpfs) == 2 and binds and max(tmpfs) < min(binds)
