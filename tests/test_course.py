"""The instructor's workflow ``cnnlib-course`` on a tiny temporary course.

release -> collect (folder, Canvas/Moodle zip) -> autograde (sandboxed) -> feedback -> export,
plus the checks helpers, the collect rules, the feedback redaction and the CLI's errors.
"""

from __future__ import annotations

import copy
import csv
import io
import json
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
from helpers import require_sandbox  # noqa: E402

from cnnlib.course import main  # noqa: E402
from cnnlib.course import checks  # noqa: E402
from cnnlib.course.collect import collect  # noqa: E402
from cnnlib.course.config import default_config, load_course  # noqa: E402
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


# --------------------------------------------------------------------------- checks (the kit)
def _fails(expr: str, message: str, **names) -> None:
    """``check.<...>`` of ``expr`` run in a namespace holding ``names`` fails with ``message``."""
    namespace = {"check": checks.check, "torch": torch, "np": np, **names}
    with pytest.raises(checks.CheckFailed) as info:
        exec(expr, namespace)  # noqa: S102 - test code
    assert message in str(info.value), str(info.value)


def test_checks_accept_right_answers_of_every_kind():
    namespace = {"check": checks.check, "torch": torch, "np": np, "n": 34944, "shape": (96, 55, 55),
                 "t": torch.tensor([[1.0, 2.0]]), "a": np.array([0.5, 1.5]), "answer": " B ",
                 "shapes": {"conv1": (96, 55, 55)}}
    exec("check.integer('n', 34944)\n"  # noqa: S102 - test code
         "check.shape('shape', (96, 55, 55))\n"
         "check.shape('torch.zeros(96, 55, 55).shape', (96, 55, 55))\n"
         "check.close('t', torch.tensor([[1.0, 2.0 + 1e-9]]))\n"
         "check.close('a', np.array([0.5, 1.5]))\n"
         "check.close('float(a.sum())', 2.0)\n"
         "check.choice('answer', 'b')\n"
         "check.shapes('shapes', {'conv1': (96, 55, 55)})\n"
         "check.true('n > 0')\n"
         "check.raises('int(\"x\")', ValueError)\n"
         "check.close('torch.relu(x)', torch.tensor([0.0, 2.0]), given={'x': torch.tensor([-1.0, 2.0])})\n"
         "check.parameters('torch.nn.Conv2d(3, 96, 11)', 34944)\n", namespace)


@pytest.mark.parametrize("expr, message", [
    ("check.integer('n', 34944, hint='count the biases too')",
     "n: expected 34944, got 34848 (count the biases too)"),
    ("check.integer('float(n)', 34848)", "should be an int, got the float 34848.0"),
    ("check.integer('np.int64(n)', 34848)", "should be a Python int, got a numpy.int64"),
    ("check.integer('2 * n', 34848, name='conv1_macs')", "twice the answer: FLOPs instead of MACs?"),
    ("check.shape('(55, 55, 96)', (96, 55, 55))", "(H, W, C) order"),
    ("check.shape('[96, 55, 55]', (96, 55, 55))", "should be a tuple"),
    ("check.shapes('{\"conv1\": (96, 55, 55)}', {'conv1': (96, 55, 55), 'pool1': (96, 27, 27)})",
     "missing 'pool1'"),
    ("check.close('torch.tensor([1.0, 2.0])', torch.tensor([1.0, 2.1]))", "values differ"),
    ("check.close('torch.zeros(2, 1)', torch.zeros(2))", "expected shape (2,), got shape (2, 1)"),
    ("check.raises('int(\"3\")', ValueError)", "nothing was raised"),
    ("check.integer('undefined_name', 1)", "your code raised NameError"),
    ("check.true('n < 0', 'n should be negative')", "n should be negative"),
])
def test_checks_name_the_answer_and_say_what_is_wrong(expr, message):
    _fails(expr, message, n=34848)


def test_checks_reject_objects_that_could_lie():
    class Yes(float):
        def __eq__(self, other):
            return True

    class AnyInt(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    _fails("check.close('fake', 0.0)", "expected a number, got", fake=Yes(1.0))
    _fails("check.integer('fake', 0)", "should be an int", fake=AnyInt(5))
    _fails("check.integer('True', 1)", "should be an int, got a bool")


def test_module_check_pairs_layers_and_compares_outputs():
    from torch import nn

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

        def forward(self, x):
            return torch.relu(self.bn(self.conv(x)) + x)

    class NoRelu(Block):
        def forward(self, x):
            return self.bn(self.conv(x)) + x

    class NoBN(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)

        def forward(self, x):
            return torch.relu(self.conv(x) + x)

    x = torch.randn(2, 4, 6, 6)
    names = {"Block": Block, "NoRelu": NoRelu, "NoBN": NoBN, "Ref": Block, "x": x}
    exec("check.module('Block(4)', Ref(4), x, input_size=(4, 6, 6), modes=('eval', 'train'))",  # noqa: S102
         {"check": checks.check, **names})
    _fails("check.module('NoRelu(4)', Ref(4), x)", "output in eval mode: values differ", **names)
    _fails("check.module('NoBN(4)', Ref(4), x, input_size=(4, 6, 6))", "missing [['BatchNorm2d'", **names)
    _fails("check.module('NoBN(4)', Ref(4), x)", "missing 1 BatchNorm2d", **names)


def test_judge_plans_test_cells_and_never_sends_expected_values(released):
    from cnnlib.course import judge

    nb = nbformat.read(released / "solutions" / "demo" / "demo.ipynb", as_version=4)
    plan = judge.plan_notebook(nb)
    assert {k: len(v.checks) for k, v in plan.cells.items()} == {"test_square": 3, "test_conv_out": 3,
                                                                "test_relu": 2}
    conv = plan.cells["test_conv_out"]
    assert [c.hidden for c in conv.checks] == [False, True, True]
    probe = judge.probe_source(conv, "tok")
    assert "conv_out(224, 7, 2, 3)" in probe and "112" not in probe and democourse.HIDDEN_MARKER not in probe
    broken = copy.deepcopy(nb)
    broken.cells[democourse.cell_index(broken, "test_square")].source = "check = None\nsquare(3)"
    with pytest.raises(judge.PlanError, match="name 'square' is not defined.*inside a check"):
        judge.plan_notebook(broken)


def test_probe_wire_format_round_trips_and_refuses_malformed_data():
    from cnnlib.course import probe

    values = [3, 2.5, float("nan"), "text", None, True, (1, (2, 3)), [1, 2], {"a": (1, 2)},
              torch.arange(6, dtype=torch.float32).reshape(2, 3), np.arange(4, dtype=np.int64), 10**30]
    for value in values:
        back = probe.decode(probe.encode(value))
        if isinstance(value, torch.Tensor):
            assert torch.equal(back, value)
        elif isinstance(value, np.ndarray):
            assert np.array_equal(back, value)
        elif isinstance(value, float) and value != value:
            assert back != back
        else:
            assert back == value and type(back) is type(value)
    for bad in ({"$tensor": ["float32", [2, 2], "AAAA"]}, {"$evil": 1}, {"$tensor": ["object", [1], ""]},
                {"$dict": [[[1], 2]]}, {"a": 1, "b": 2, "c": 3}):
        with pytest.raises(probe.ProbeError):
            probe.decode(bad)
    with pytest.raises(probe.ProbeError, match="larger than"):
        probe.encode(torch.zeros(3 * 2**20))


def test_nbgrader_gives_zero_to_a_test_cell_that_writes_to_stderr():
    # Why SaveJudgedGrades never asks nbgrader: its rule reads outputs (a stderr line costs the points).
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
def _plain_nbgrader_config(tmp_path, gradebook_url: str | None) -> dict:
    """The configuration plain ``nbgrader`` loads when run in the repository (its own app)."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "CNNLIB_GRADEBOOK_URL"}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter")  # no user-wide nbgrader_config.py
    if gradebook_url:
        env["CNNLIB_GRADEBOOK_URL"] = gradebook_url
    script = ("import json\nfrom nbgrader.apps import NbGraderApp\napp = NbGraderApp()\n"
              "app.initialize([])\nprint(json.dumps(app.config))")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_plain_nbgrader_loads_the_course_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNLIB_GRADEBOOK_URL", raising=False)
    loaded, built_in = _plain_nbgrader_config(tmp_path, None), default_config(REPO)
    assert len(built_in) >= 8
    for section, values in built_in.items():
        for key, value in values.items():
            assert loaded[section][key] == value, f"{section}.{key}"
    assert loaded["CourseDirectory"]["db_url"] == f"sqlite:///{REPO / 'gradebook.db'}"
    url = "postgresql://grader@db.example/gradebook"
    assert _plain_nbgrader_config(tmp_path, url)["CourseDirectory"]["db_url"] == url


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
    assert 'check.integer(\\"conv_out(32, 3, 1, 1)\\", 32)' in text  # visible tests stay
    assert check_release(load_course(released)) == []


def test_release_check_detects_out_of_sync(course_root, capsys):
    assert main(["--course", str(course_root), "release", "--all", "--check"]) == 0
    source = course_root / "solutions" / "demo" / "demo.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[democourse.cell_index(nb, "test_square")].source += "\ncheck.close('square(2)', 4)"
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
    archive = _zip(tmp_path / "lms.zip", {  # as the LMSs give them: at the top of the archive
        "doejane_1234_5678_demo.ipynb": nb,
        "doejane_1234_5679_demo-1.ipynb": nb,  # resubmission: newer, wins
        "smithj_LATE_99_100_demo.ipynb": nb,
        "Ada Lovelace_4242_assignsubmission_file_/demo.ipynb": nb,
        "notes_1_2_readme.txt": b"hello",
        "broken_3_4_demo.ipynb": b"{not json",
        "../escape/demo.ipynb": nb,
        "/abs/demo.ipynb": nb,
        "submissions\\..\\win_1_2_demo.ipynb": nb,
    }, symlinks=("link_5_6_demo.ipynb",))
    report = collect(course, "demo", archive)
    assert report.students == ["1234", "4242", "99"]
    reasons = dict(report.skipped)
    assert reasons["../escape/demo.ipynb"].startswith("path traversal")
    assert reasons["/abs/demo.ipynb"].startswith("path traversal")
    assert reasons["submissions\\..\\win_1_2_demo.ipynb"].startswith("path traversal")
    assert reasons["link_5_6_demo.ipynb"] == "symbolic link"
    assert reasons["notes_1_2_readme.txt"] == \
        "not a notebook of the assignment: not a .ipynb file (expected demo.ipynb)"
    assert report.without_notebook == {  # Canvas users 1 and 3 sent nothing collectable
        "1": [("notes_1_2_readme.txt", reasons["notes_1_2_readme.txt"])],
        "3": [("broken_3_4_demo.ipynb", reasons["broken_3_4_demo.ipynb"])]}
    assert reasons["broken_3_4_demo.ipynb"].startswith("not a valid notebook")
    assert "older copy" in reasons["doejane_1234_5678_demo.ipynb"]
    assert sorted(p.relative_to(course.submitted_dir).as_posix() for p in course.submitted_dir.rglob("*.ipynb")) == [
        "1234/demo/demo.ipynb", "4242/demo/demo.ipynb", "99/demo/demo.ipynb"]
    assert not (tmp_path / "escape").exists() and not Path("/abs/demo.ipynb").exists()
    assert report.late_without_time == ["smithj_LATE_99_100_demo.ipynb"]
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
    assert reasons["carol/other.ipynb"] == (
        "not a notebook of the assignment: expected demo.ipynb (copies named 'Copy of demo.ipynb', "
        "'demo (1).ipynb' or 'demo-Copy1.ipynb' are accepted)")
    assert reasons["-bad id/demo.ipynb"] == "invalid student id '-bad id'"
    assert sorted(report.without_notebook) == ["-bad id", "carol"]


def test_collect_keeps_nbgrader_timestamps_and_reads_one_students_nbgrader_folder(course_root, tmp_path, capsys):
    """nbgrader's layout of a single student is that student (not a folder around a student named
    after the assignment), and its timestamp.txt, the time late penalties are computed from, is kept."""
    course = load_course(course_root)
    nb = _nb_bytes(_released_nb(course_root))
    when = "2026-12-01 10:00:00.000000 UTC"
    (tmp_path / "one" / "lena" / "demo").mkdir(parents=True)
    (tmp_path / "one" / "lena" / "demo" / "demo.ipynb").write_bytes(nb)
    (tmp_path / "one" / "lena" / "demo" / "timestamp.txt").write_text(when + "\n")
    assert main(["--course", str(course_root), "collect", "demo", "--from", str(tmp_path / "one")]) == 0
    out = capsys.readouterr().out
    assert "collected lena: demo.ipynb (from lena/demo/demo.ipynb)" in out
    assert f"kept lena's submission time {when} (from lena/demo/timestamp.txt)" in out
    assert (course.submitted_dir / "lena" / "demo" / "timestamp.txt").read_text() == when + "\n"
    assert sorted(p.name for p in course.submitted_dir.iterdir()) == ["lena"]
    # a time nbgrader cannot read is reported, and the notebook is collected all the same
    (tmp_path / "two" / "max" / "demo").mkdir(parents=True)
    (tmp_path / "two" / "max" / "demo" / "demo.ipynb").write_bytes(nb)
    (tmp_path / "two" / "max" / "demo" / "timestamp.txt").write_text("yesterday-ish")
    # only nbgrader's exchange layout gives a time: a student's own folder does not
    (tmp_path / "two" / "sue").mkdir(parents=True)
    (tmp_path / "two" / "sue" / "demo.ipynb").write_bytes(nb)
    (tmp_path / "two" / "sue" / "timestamp.txt").write_text(when)
    report = collect(course, "demo", tmp_path / "two")
    assert report.students == ["max", "sue"] and report.timestamps == []
    reasons = dict(report.skipped)
    assert reasons["max/demo/timestamp.txt"].startswith("not a submission time nbgrader can read")
    assert reasons["sue/timestamp.txt"].startswith("not a notebook of the assignment")
    assert not (course.submitted_dir / "max" / "demo" / "timestamp.txt").exists()
    assert not (course.submitted_dir / "sue" / "demo" / "timestamp.txt").exists()


def test_collect_says_a_cut_short_zip_is_damaged(course_root, tmp_path, capsys):
    archive = _zip(tmp_path / "lms.zip", {"doejane_1234_5678_demo.ipynb": _nb_bytes(_released_nb(course_root))})
    archive.write_bytes(archive.read_bytes()[:-40])  # the end (the table of contents) is gone
    assert main(["--course", str(course_root), "collect", "demo", "--from", str(archive)]) == 1
    assert "starts as a zip file but is damaged or cut short" in capsys.readouterr().err


def test_collect_never_lets_one_folder_stand_in_for_other_students(course_root, tmp_path):
    """A student's own folder, collected alone, holding folders named like other students (with
    timestamps) is not taken for a folder around the students' folders: nothing of it is
    collected, and the reason says what to do if it really is such a folder."""
    from cnnlib.course.collect import valid_student_id

    course = load_course(course_root)
    nb = _nb_bytes(_released_nb(course_root))
    files = {"lena/456/demo/demo.ipynb": nb, "lena/456/demo/timestamp.txt": b"2000-01-01 00:00:00 UTC",
             "lena/789/demo.ipynb": nb}
    for rel, data in files.items():
        (tmp_path / "inbox" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "inbox" / rel).write_bytes(data)
    report = collect(course, "demo", tmp_path / "inbox")
    assert report.students == [] and report.timestamps == []
    assert "everything is inside the folder 'lena': if it holds the students' folders" in \
        dict(report.skipped)["lena/789/demo.ipynb"]
    # the same from a Moodle archive of one participant's submission
    eve = "Eve Il_123_assignsubmission_file_"
    archive = _zip(tmp_path / "eve.zip", {f"{eve}/456/demo/demo.ipynb": nb,
                                          f"{eve}/456/demo/timestamp.txt": b"2000-01-01 00:00:00 UTC"})
    report = collect(course, "demo", archive)
    assert report.students == [] and not (course.submitted_dir / "456").exists()
    assert dict(report.skipped)[f"{eve}/456/demo/demo.ipynb"] == "unexpected folder depth"
    # an id with a trailing newline (which nbgrader would strip to another student's) is no id
    assert not valid_student_id("bob\n") and valid_student_id("bob")


def test_collect_exits_1_and_says_why_when_a_student_folder_yields_no_notebook(course_root, tmp_path, capsys):
    nb = _nb_bytes(_released_nb(course_root))
    files = {"alice/Copy of demo.ipynb": nb, "bob/demo (1).ipynb": nb, "carol/demo-Copy1.ipynb": nb,
             "dave/homework.ipynb": nb, "erin/demo.py": b"print(1)", "frank/demo.ipynb": b"{}"}
    for rel, data in files.items():
        (tmp_path / "inbox" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "inbox" / rel).write_bytes(data)
    assert main(["--course", str(course_root), "collect", "demo", "--from", str(tmp_path / "inbox")]) == 1
    out = capsys.readouterr()
    assert "3 notebook(s) of 3 student(s) collected" in out.out
    assert "no notebook collected for 'dave': dave/homework.ipynb: not a notebook of the assignment: " \
           "expected demo.ipynb" in out.err
    assert "no notebook collected for 'erin': erin/demo.py: not a notebook of the assignment: not a .ipynb " \
           "file" in out.err
    assert "no notebook collected for 'frank': frank/demo.ipynb: not a valid notebook" in out.err
    assert "3 submitter(s) without a collected notebook" in out.err
    assert sorted(p.name for p in load_course(course_root).submitted_dir.iterdir()) == ["alice", "bob", "carol"]


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


# --------------------------------------------------------------------------- export
def _grade_directly(root: Path) -> None:
    """Students and scores written straight into the course's gradebook (no autograding):
    Ada 5/5; a student whose name a spreadsheet would run, 3/5 less a 0.5 late penalty, one cell
    awaiting a manual grade; Carol enrolled without a submission."""
    from nbgrader.api import Gradebook

    from cnnlib.course.autograde import quiet_nbgrader

    course = load_course(root)
    with quiet_nbgrader(), Gradebook(course.db_url, course.config.CourseDirectory.course_id) as gb:
        gb.add_student("1234", first_name="Ada", last_name="Lovelace", email="ada@example.org")
        gb.add_student("88", first_name='=HYPERLINK("x")', last_name="X")
        gb.add_student("carol", first_name="Carol", last_name="C")
        for student, scores in (("1234", {"test_square": 1, "test_conv_out": 2, "test_relu": 2}),
                                ("88", {"test_square": 1, "test_conv_out": 2, "test_relu": None})):
            gb.add_submission("demo", student)
            for cell, score in scores.items():
                grade = gb.find_grade(cell, "demo", "demo", student)
                grade.auto_score, grade.needs_manual_grade = score, score is None
        gb.find_submission_notebook("demo", "demo", "88").late_submission_penalty = 0.5
        gb.db.commit()


def test_export_names_ungraded_submissions_and_feedback_waits_for_grading(course_root, tmp_path, capsys):
    """An export never gives a silent 0 to a collected submission that was not graded; feedback is
    not written from half-graded notebooks while a grading command runs; outside a course folder
    export says so instead of making an empty gradebook."""
    import shutil

    from cnnlib.course.locking import grading_session

    course = load_course(course_root)
    nb = _nb_bytes(_released_nb(course_root))
    for student in ("ann", "ben"):
        (tmp_path / "inbox" / student).mkdir(parents=True)
        (tmp_path / "inbox" / student / "demo.ipynb").write_bytes(nb)
    assert main(["--course", str(course_root), "collect", "demo", "--from", str(tmp_path / "inbox")]) == 0
    (course.autograded_dir / "ann" / "demo").mkdir(parents=True)  # as if graded after collect
    shutil.copy(course.submitted_dir / "ann" / "demo" / "demo.ipynb", course.autograded_dir / "ann" / "demo")
    capsys.readouterr()
    assert main(["--course", str(course_root), "export", "--to", str(tmp_path / "grades.csv")]) == 1
    err = capsys.readouterr().err
    assert "1 collected submission(s) of 'demo' are not graded, so the export gives them 0: ben" in err
    assert (tmp_path / "grades.csv").is_file()  # written all the same, with the warning

    with grading_session(course, "autograde demo"):
        assert main(["--course", str(course_root), "feedback", "demo"]) == 1
    assert "another grading command holds the course: `cnnlib-course autograde demo`" in capsys.readouterr().err
    assert not course.feedback_dir.exists()

    elsewhere = tmp_path / "not-a-course"
    elsewhere.mkdir()
    assert main(["--course", str(elsewhere), "export"]) == 1
    assert f"no gradebook at {elsewhere / 'gradebook.db'}" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def test_export_formats_plain_canvas_moodle(course_root, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CNNLIB_GRADEBOOK_URL", raising=False)
    _grade_directly(course_root)
    for fmt in ("plain", "canvas", "moodle"):
        assert main(["--course", str(course_root), "export", "--format", fmt, str(tmp_path / f"{fmt}.csv")]) == 0
    assert "wrote 3 row(s) (moodle)" in capsys.readouterr().out
    plain = list(csv.reader(io.StringIO((tmp_path / "plain.csv").read_text())))
    assert plain == [
        ["student_id", "first_name", "last_name", "assignment", "score", "max_score", "submitted", "needs_manual_grade"],
        ["1234", "Ada", "Lovelace", "demo", "5.0", "5.0", "yes", "no"],
        ["88", "'=HYPERLINK(\"x\")", "X", "demo", "2.5", "5.0", "yes", "yes"],
        ["carol", "Carol", "C", "demo", "0.0", "5.0", "no", "no"]]
    canvas = list(csv.reader(io.StringIO((tmp_path / "canvas.csv").read_text())))
    assert canvas == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "demo"],
        ["Points Possible", "", "", "", "", "5.0"],
        ["Lovelace, Ada", "1234", "", "", "", "5.0"],
        ["X, =HYPERLINK(\"x\")", "88", "", "", "", "2.5"],
        ["C, Carol", "carol", "", "", "", "0.0"]]
    moodle = list(csv.reader(io.StringIO((tmp_path / "moodle.csv").read_text())))
    assert moodle == [
        ["First name", "Last name", "ID number", "Email address", "demo"],
        ["Ada", "Lovelace", "1234", "ada@example.org", "5.0"],
        ["'=HYPERLINK(\"x\")", "X", "88", "", "2.5"],
        ["Carol", "C", "carol", "", "0.0"]]
    # Default file names, --to as before, and the course's CourseExportPlugin settings.
    monkeypatch.chdir(tmp_path)
    assert main(["--course", str(course_root), "export", "--format", "canvas"]) == 0
    assert (tmp_path / "grades-canvas.csv").read_text() == (tmp_path / "canvas.csv").read_text()
    (course_root / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseExportPlugin.format = 'canvas'\nc.CourseExportPlugin.canvas_id_column = 'SIS Login ID'\n")
    assert main(["--course", str(course_root), "export", "--to", str(tmp_path / "sis.csv")]) == 0
    assert [row[:5] for row in csv.reader(io.StringIO((tmp_path / "sis.csv").read_text()))][2] == \
        ["Lovelace, Ada", "", "", "1234", ""]
    assert main(["--course", str(course_root), "export", "a.csv", "--to", "b.csv"]) == 1
    assert "two output files" in capsys.readouterr().err


def test_plain_nbgrader_export_writes_the_course_csv(course_root, tmp_path, monkeypatch):
    """The course's nbgrader_config.py makes CourseExportPlugin nbgrader's exporter."""
    import os
    import subprocess

    monkeypatch.delenv("CNNLIB_GRADEBOOK_URL", raising=False)
    _grade_directly(course_root)
    (course_root / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text())
    assert main(["--course", str(course_root), "export", str(tmp_path / "ours.csv")]) == 0
    env = {k: v for k, v in os.environ.items() if k != "CNNLIB_GRADEBOOK_URL"}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter")
    out = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=course_root, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "CourseExportPlugin" in out.stderr  # nbgrader logs the exporter it uses
    assert (course_root / "grades.csv").read_bytes() == (tmp_path / "ours.csv").read_bytes()


# --------------------------------------------------------------------------- full cycle
@pytest.mark.slow
def test_full_cycle(course_root, tmp_path, capsys):
    require_sandbox()
    course = load_course(course_root)
    released_nb = _released_nb(course_root)
    solution = democourse.solve(released_nb)
    # A folder with the instructor's solution, a zip with the unmodified student version.
    (tmp_path / "inbox" / "solver" / "demo").mkdir(parents=True)  # as nbgrader's exchange gives it
    nbformat.write(solution, tmp_path / "inbox" / "solver" / "demo" / "demo.ipynb")
    (tmp_path / "inbox" / "solver" / "demo" / "timestamp.txt").write_text("2026-12-01 09:30:00 UTC")
    archive = _zip(tmp_path / "canvas.zip", {"lazy_1_2_demo.ipynb": _nb_bytes(released_nb)})
    assert main(["--course", str(course_root), "collect", "demo", "--from", str(tmp_path / "inbox")]) == 0
    assert main(["--course", str(course_root), "collect", "demo", "--from", str(archive)]) == 0
    assert "collected 1: demo.ipynb (from lazy_1_2_demo.ipynb)" in capsys.readouterr().out

    # Instructor-only files beside the notebook (a notebook's source, slips.yml): never copied
    # to autograded/ or feedback/ (nbgrader copies every file of the source folder).
    secret = f"# {democourse.HIDDEN_MARKER}\n"
    (course.source_dir / "demo" / "slips.yml").write_text(secret)
    (course.source_dir / "demo" / "notes").mkdir()
    (course.source_dir / "demo" / "notes" / "key.md").write_text(secret)

    from cnnlib.course.autograde import autograde
    results = {r.student: r for r in autograde(course, "demo", jobs=2, limits=LIMITS)}
    assert (results["solver"].score, results["solver"].max_score, results["solver"].status) == (5.0, 5.0, "ok")
    assert (results["1"].score, results["1"].max_score) == (0.0, 5.0)
    assert not any(r.tooling_error for r in results.values())
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:  # the collected submission time, as nbgrader read it
        assert str(gb.find_submission("demo", "solver").timestamp) == "2026-12-01 09:30:00"

    # A folder autograded before that rule held the files: feedback leaves them out all the same.
    (course.autograded_dir / "1" / "demo" / "slips.yml").write_text(secret)
    assert main(["--course", str(course_root), "feedback", "demo"]) == 0
    for student in ("solver", "1"):
        html = (course.feedback_dir / student / "demo" / "demo.html").read_text()
        assert democourse.HIDDEN_MARKER not in html
        assert "conv_out" in html and "Score" in html
        given = sorted(p.relative_to(course.feedback_dir).as_posix()
                       for p in (course.feedback_dir / student).rglob("*") if p.is_file())
        # the page, and (as nbgrader gives it) the submission time the grade used, if any
        assert given == [f"{student}/demo/demo.html"] + ([f"{student}/demo/timestamp.txt"] if student == "solver" else [])
    assert sorted(p.name for p in (course.autograded_dir / "solver" / "demo").iterdir()) == ["demo.ipynb", "timestamp.txt"]

    assert main(["--course", str(course_root), "export", "--to", str(tmp_path / "grades.csv")]) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "grades.csv").read_text())))
    assert {(r["student_id"], r["assignment"], r["score"], r["max_score"]) for r in rows} == {
        ("solver", "demo", "5.0", "5.0"), ("1", "demo", "0.0", "5.0")}


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


def test_collect_identity_comes_from_lms_ids_and_collisions_are_refused(course_root, tmp_path, capsys):
    """Class 6 of the grading-integrity attacks: names students control never decide identity."""
    course = load_course(course_root)
    nb = _nb_bytes(_released_nb(course_root))
    archive = _zip(tmp_path / "lms.zip", {
        # Two Canvas students whose names are alike: two students, nothing merged or dropped.
        "doejane_1234_5678_demo.ipynb": nb,
        "doejane_5555_5679_demo.ipynb": nb,
        # A Moodle name crafted to carry another participant's id: refused as ambiguous.
        "Eve_12_assignsubmission_file_x_34_assignsubmission_file_/demo.ipynb": nb,
        "Bob Ross_34_assignsubmission_file_/demo.ipynb": nb,
        # Two names claiming one participant id: a collision, neither collected.
        "Alice A_77_assignsubmission_file_/demo.ipynb": nb,
        "Mallory M_77_assignsubmission_file_/demo.ipynb": nb,
        # A name that a spreadsheet would run as a formula.
        '=HYPERLINK("evil") X_88_assignsubmission_file_/demo.ipynb': nb,
        # Names Colab and Jupyter give copies.
        "Copy of Carol C_91_assignsubmission_file_/Copy of demo.ipynb": nb,
        "Dan D_92_assignsubmission_file_/demo-Copy1.ipynb": nb,
    })
    assert main(["--course", str(course_root), "collect", "demo", "--from", str(archive)]) == 1
    out = capsys.readouterr()
    assert "collision" in out.err and "'77'" in out.err
    students = sorted(p.name for p in course.submitted_dir.iterdir())
    assert students == ["1234", "34", "5555", "88", "91", "92"]
    assert "ambiguous Moodle name" in out.out and "identity collision" in out.out
    # (exit 1: none of them is graded, which the export says; the file is written all the same)
    assert main(["--course", str(course_root), "export", "--to", str(tmp_path / "grades.csv")]) == 1
    rows = list(csv.reader(io.StringIO((tmp_path / "grades.csv").read_text())))
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)


def test_oversized_and_deeply_nested_notebooks_are_refused_before_parsing(course_root, tmp_path):
    """Class 7: a notebook of 100,000 cells or nested 490 levels costs nothing and only itself."""
    from cnnlib.course.collect import notebook_problem

    course = load_course(course_root)
    released = _released_nb(course_root)
    many = json.loads(nbformat.writes(released))
    many["cells"] = [{"cell_type": "markdown", "metadata": {}, "source": "x"} for _ in range(100_000)]
    deep = json.loads(nbformat.writes(released))
    nested: dict = {}
    for _ in range(490):
        nested = {"a": nested}
    deep["cells"][0]["metadata"]["deep"] = nested
    inbox = tmp_path / "inbox"
    for student, nb in (("many", many), ("deep", deep), ("fine", json.loads(nbformat.writes(released)))):
        (inbox / student).mkdir(parents=True)
        (inbox / student / "demo.ipynb").write_text(json.dumps(nb))
    report = collect(course, "demo", inbox)
    assert report.students == ["fine"]
    reasons = dict(report.skipped)
    assert "cells" in reasons["many/demo.ipynb"] and "levels deep" in reasons["deep/demo.ipynb"]
    assert notebook_problem(b"[" * 100_000 + b"]" * 100_000, 10**9).startswith("nested")


@pytest.mark.slow
def test_grading_after_torch_work_in_the_parent_does_not_hang(tmp_path):
    """The parent plans (torch ops) and then forks workers whose judge uses torch: with an
    OpenMP pool inherited from the parent that hung (libgomp is not fork-safe)."""
    import multiprocessing

    from cnnlib.course.autograde import worker_prologue
    from cnnlib.course.judge import single_thread

    torch.set_num_threads(2)
    torch.ones(4_000_000).add_(1).sum()  # start the parent's OpenMP pool
    threads = single_thread()
    assert threads == 2 and torch.get_num_threads() == 1
    torch.set_num_threads(threads)

    def child(conn):
        worker_prologue()
        conn.send(float(torch.ones(4_000_000, dtype=torch.float64).to(torch.float32).sum()))

    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    proc = multiprocessing.get_context("fork").Process(target=child, args=(sender,))
    proc.start()
    assert receiver.poll(60), "the forked child hung in torch"
    assert receiver.recv() == 4_000_000.0
    proc.join(10)


def test_progress_lines_count_the_submissions_and_estimate_the_rest(monkeypatch):
    import io

    from cnnlib.course import autograde as grading

    clock = iter([100.0, 110.0, 130.0, 130.0])
    monkeypatch.setattr(grading.time, "monotonic", lambda: next(clock))
    out = io.StringIO()
    show = grading.ProgressLine(4, out)
    show(grading.SubmissionResult("ann", 5.0, 5.0, seconds=9.0))
    show(grading.SubmissionResult("bob", 3.0, 5.0, status="timed out in code cell 2"))
    show(grading.SubmissionResult("cy", 5.0, 5.0, earlier=True, status="ok (graded earlier)"))
    show(grading.SubmissionResult("dee", status="refused: demo.ipynb is not a notebook; not graded"))
    assert out.getvalue().splitlines() == [
        "[1/4] ann: 5/5 ok (about 30 s left)",  # 10 s for the first: 3 more to go
        "[2/4] bob: 3/5 timed out in code cell 2 (about 30 s left)",  # 15 s each, 2 more
        "[3/4] cy: 5/5 ok (graded earlier) (about 15 s left)",  # a kept one costs nothing
        "[4/4] dee: - refused: demo.ipynb is not a notebook; not graded",
    ]


def test_a_timeout_is_a_limit_hit_in_the_flags_column():
    from cnnlib.course.autograde import _incidents

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("while True: pass")])
    nb.metadata["cnnlib"] = {"incidents": [{"kind": "CellTimeoutError", "cell": 0, "grade_id": "q1"}]}
    assert _incidents(nb) == ("timed out in code cell 1 (q1)", ["time limit"])
    nb.metadata["cnnlib"] = {"incidents": [{"kind": "KernelDied", "cell": 0}], "limits_hit": ["memory limit"]}
    assert _incidents(nb) == ("kernel died in code cell 1", ["memory limit"])


@pytest.mark.parametrize("html, kept, gone", [
    # the course's own verdicts keep their look
    ('<div class="cnnlib-verdict" style="border-left:4px solid #b42318;padding-left:8px">a<br>b</div>',
     ['class="cnnlib-verdict"', "border-left:4px solid #b42318", "<br>"], []),
    # code highlighting of a markdown code block
    ('<div class="highlight"><pre><span class="k">def</span></pre></div>', ['class="highlight"', 'class="k"'], []),
    ("<script>alert(1)</script>", ["&lt;script&gt;"], ["<script"]),
    ('<img src=x onerror="alert(1)">', ["<img"], ["onerror"]),
    ('<a href="javascript:alert(1)">x</a><a href="https://example.org">y</a>',
     ['href="https://example.org"'], ["javascript:"]),
    ('<iframe src="https://example.org"></iframe><form action="/x"><input></form>', [], ["<iframe", "<form", "<input"]),
    # nothing loads from elsewhere when the page opens: no remote images, no url() in CSS
    ('<img src="http://127.0.0.1:8765/beacon"><span style="cursor:url(http://x/b),auto">x</span>',
     ["<span"], ["http://", "url("]),
    ('<p style="background-color:red;background-image:url(x)">x</p>', [], ["url("]),
    # it cannot dress itself as the page: no layout classes, no margins or positioning
    ('<div class="navbar-fixed-top">Score: 5.0 / 5.0</div>', ["Score"], ["navbar"]),
    ('<p style="margin-top:-500px;position:fixed">x</p>', [], ["margin", "position"]),
    ('<img src="data:image/png;base64,iVBORw0KGgo=" alt="plot">', ['src="data:image/png;base64'], []),
])
def test_feedback_sanitizer_keeps_ordinary_html_and_removes_the_rest(html, kept, gone):
    from cnnlib.course.sanitize import clean_html

    out = clean_html(html)
    for text in kept:
        assert text in out, out
    for text in gone:
        assert text not in out, out
