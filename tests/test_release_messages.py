"""``cnnlib-course release`` names the file, line and cell of a broken solution or hidden-test marker.

nbgrader alone says ``No end solution statement found. Cell contents are:`` with nothing after
it; the release checks the markers of every cell itself, before nbgrader runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

import democourse  # noqa: E402

from cnnlib.course.cli import main  # noqa: E402

SOURCE = '''\
# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "hw2_intro", "locked": true, "schema_version": 3, "solution": false}
# # HW2
#
# `double(x)`: twice `x`.

# %% nbgrader={"grade": false, "grade_id": "hw2_answer", "locked": false, "schema_version": 3, "solution": true}
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "hw2_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer("double(2)", 4)
### BEGIN HIDDEN TESTS
check.integer("double(5)", 10)
### END HIDDEN TESTS
'''
ANSWER = "solutions/hw2/hw2.py, line {}, cell 'hw2_answer' (cell 2, starting 'def double(x):'): "
TESTS = "solutions/hw2/hw2.py, line {}, cell 'hw2_tests' (cell 3, starting 'from cnnlib.course.checks import check'): "


def _line(text: str, marker: str) -> int:
    """The 1-based line of ``text`` holding ``marker`` (in the unbroken source)."""
    return next(i for i, line in enumerate(text.split("\n"), 1) if marker in line)


def _course(root: Path, source: str) -> Path:
    folder = root / "solutions" / "hw2"
    folder.mkdir(parents=True)
    (folder / "hw2.py").write_text(source, encoding="utf-8")
    return root


def _drop(marker: str) -> str:
    return "\n".join(line for line in SOURCE.split("\n") if marker not in line)


@pytest.fixture(autouse=True)
def _own_gradebook(monkeypatch):
    monkeypatch.delenv("CNNLIB_GRADEBOOK_URL", raising=False)


def test_good_source_still_releases(tmp_path, capsys):
    course = _course(tmp_path, SOURCE)
    assert main(["--course", str(course), "release", "hw2"]) == 0, capsys.readouterr().err
    released = (course / "exercises" / "hw2" / "hw2.ipynb").read_text()
    assert "2 * x" not in released and "double(5)" not in released and "double(2)" in released


@pytest.mark.parametrize("source, expected", [
    (_drop("### END SOLUTION"),
     ANSWER.format(_line(SOURCE, "### BEGIN SOLUTION"))
     + "'BEGIN SOLUTION' without an 'END SOLUTION' after it; add a line '### END SOLUTION' where the "
       "solution region ends"),
    (_drop("### BEGIN SOLUTION"),
     ANSWER.format(_line(SOURCE, "### END SOLUTION") - 1)
     + "'END SOLUTION' without a 'BEGIN SOLUTION' before it; add a line '### BEGIN SOLUTION' where "
       "the solution region starts, or delete this line"),
    (_drop("### END HIDDEN TESTS"),
     TESTS.format(_line(SOURCE, "### BEGIN HIDDEN TESTS"))
     + "'BEGIN HIDDEN TESTS' without an 'END HIDDEN TESTS' after it; add a line '### END HIDDEN TESTS' "
       "where the hidden-test region ends"),
    (_drop("### BEGIN HIDDEN TESTS"),
     TESTS.format(_line(SOURCE, "### END HIDDEN TESTS") - 1)
     + "'END HIDDEN TESTS' without a 'BEGIN HIDDEN TESTS' before it"),
    (SOURCE.replace("    return 2 * x\n", "    return 2 * x\n    ### BEGIN SOLUTION\n"),
     ANSWER.format(_line(SOURCE, "### BEGIN SOLUTION") + 2)
     + f"a second 'BEGIN SOLUTION' before the 'END SOLUTION' of the one on line "
       f"{_line(SOURCE, '### BEGIN SOLUTION')}"),
], ids=["no-end-solution", "no-begin-solution", "no-end-hidden", "no-begin-hidden", "nested-begin"])
def test_broken_marker_names_file_line_cell_and_fix(tmp_path, capsys, source, expected):
    course = _course(tmp_path, source)
    assert main(["--course", str(course), "release", "hw2"]) == 1
    err = capsys.readouterr().err
    assert "cnnlib-course: error: cannot release 'hw2': solution or hidden-test markers do not match:" in err
    assert expected in err, err
    assert "Cell contents are" not in err and "Traceback" not in err, err
    assert not (course / "exercises" / "hw2").exists()  # failed before nbgrader wrote anything


def test_release_check_reports_the_same(tmp_path, capsys):
    course = _course(tmp_path, SOURCE)
    assert main(["--course", str(course), "release", "hw2"]) == 0
    (course / "solutions" / "hw2" / "hw2.py").write_text(_drop("### END SOLUTION"), encoding="utf-8")
    capsys.readouterr()
    assert main(["--course", str(course), "release", "--all", "--check"]) == 1
    err = capsys.readouterr().err
    assert ANSWER.format(_line(SOURCE, "### BEGIN SOLUTION")) in err, err


def test_the_executable_names_the_cell(tmp_path):
    """The instructor's case, end to end: a deleted ``### END SOLUTION`` line."""
    course = _course(tmp_path, _drop("### END SOLUTION"))
    exe = Path(sys.executable).with_name("cnnlib-course")
    done = subprocess.run([str(exe), "release", "hw2"], cwd=course, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1
    assert ANSWER.format(_line(SOURCE, "### BEGIN SOLUTION")) in done.stderr, done.stderr
    assert "add a line '### END SOLUTION'" in done.stderr, done.stderr
    assert "No end solution statement found" not in done.stderr, done.stderr


def test_notebook_without_source_names_the_cell(tmp_path, capsys):
    """A plain .ipynb (no jupytext source): the notebook, the cell's number and its line in the cell."""
    root = democourse.make_course(tmp_path)
    path = root / "solutions" / "demo" / "demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    i = democourse.cell_index(nb, "test_conv_out")
    nb.cells[i].source = nb.cells[i].source.replace("### END HIDDEN TESTS", "")
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("Notes\n### BEGIN SOLUTION\nnot for students"))
    nbformat.write(nb, path)
    assert main(["--course", str(root), "release", "demo"]) == 1
    err = capsys.readouterr().err
    assert ("solutions/demo/demo.ipynb, line 2 of the cell, cell 2 (starting 'Notes'): 'BEGIN SOLUTION' "
            "without an 'END SOLUTION' after it; add a line 'END SOLUTION'") in err, err
    assert ("solutions/demo/demo.ipynb, line 2 of the cell, cell 2 (starting 'Notes'): a solution region "
            "('BEGIN SOLUTION') in a cell that is not a solution cell") in err, err
    assert ("solutions/demo/demo.ipynb, line 3 of the cell, cell 'test_conv_out' (cell 7, starting "
            "'from cnnlib.course.checks import check'): 'BEGIN HIDDEN TESTS' without an "
            "'END HIDDEN TESTS' after it") in err, err
