"""The nbgrader source notebooks in ``solutions/``: format, and that they grade correctly.

* Static checks (fast): each notebook is what its jupytext source ``<chapter>.py`` generates,
  valid nbformat without outputs, one notebook per chapter directory, nbgrader metadata that
  nbgrader itself accepts, unique ``grade_id``s, points on every test cell, one hidden block
  in every test cell, the checks kit imported on each test cell's first line, and the judge
  can plan every test cell (test code never names a student's answer outside a check).
* End to end (``cnnlib-course verify``, :mod:`cnnlib.course.verify`): the solution runs clean,
  the student version fails every test cell, and the slips students make (``slips.yml``: at
  least four per assignment, one for every question; among them answers that try to fool the
  comparison, an ``int`` subclass equal to everything and a shadowed builtin) are graded as
  submissions through the grader, each losing exactly its points with a message that names
  the answer.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXPECTED_CHAPTERS = [
    "ch00_arithmetic", "ch01_lenet", "ch02_alexnet", "ch03_zfnet", "ch04_vgg", "ch05_googlenet",
    "ch06_resnet", "ch07_normalization", "ch08_activations", "ch09_resnet_improvements",
    "ch10_efficient", "ch11_nas", "ch12_comparing",
]


CHECKS_IMPORT = "from cnnlib.course.checks import check"


def _notebook(slug: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / slug / f"{slug}.ipynb", as_version=4)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _graded(nb) -> list:
    return [c for c in nb.cells if _nbgrader(c).get("grade")]


# --------------------------------------------------------------------------- static checks
def test_one_notebook_per_chapter_directory():
    dirs = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and p.name[:2] == "ch")
    assert dirs == EXPECTED_CHAPTERS
    for slug in EXPECTED_CHAPTERS:
        files = sorted(p.name for p in (SOLUTIONS / slug).iterdir() if p.name != "__pycache__")
        assert files == [f"{slug}.ipynb", f"{slug}.py", "slips.yml"], \
            f"{slug}/ should hold its source, its notebook and its slips: {files}"


def test_notebooks_are_generated_from_their_sources():
    from cnnlib.course import sources

    stale = [problem for slug in EXPECTED_CHAPTERS for problem in sources.stale(SOLUTIONS / slug)]
    assert not stale, f"regenerate with `make exercises`: {stale}"


@pytest.mark.parametrize("slug", EXPECTED_CHAPTERS)
def test_the_judge_plans_every_test_cell(slug):
    from cnnlib.course import judge

    nb = _notebook(slug)
    plan = judge.plan_notebook(nb, where=slug)
    graded = {_nbgrader(c)["grade_id"] for c in _graded(nb)}
    assert set(plan.cells) == graded
    for grade_id, cell_plan in plan.cells.items():
        assert any(c.hidden for c in cell_plan.checks) and any(not c.hidden for c in cell_plan.checks), grade_id
        for item in cell_plan.checks:  # nothing the judge compares with travels to the sandbox
            assert "expected" not in item.request


@pytest.mark.parametrize("slug", EXPECTED_CHAPTERS)
def test_notebook_format(slug):
    from nbgrader.preprocessors import CheckCellMetadata

    nb = _notebook(slug)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [_nbgrader(c).get("grade_id") for c in nb.cells]
    assert all(ids) and len(ids) == len(set(ids)), "every cell has a unique grade_id"
    for cell in nb.cells:
        meta = _nbgrader(cell)
        assert meta["schema_version"] == 3
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{meta['grade_id']} has outputs"
        if meta["solution"]:
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            assert not meta["locked"] and not meta["grade"]
        else:
            assert meta["locked"], f"{meta['grade_id']}: instructions and tests are read-only"
            assert "### BEGIN SOLUTION" not in cell.source
    graded = _graded(nb)
    assert 3 <= len(graded) <= 6, f"{slug}: 3-6 questions"
    for cell in graded:
        meta = _nbgrader(cell)
        assert meta["points"] > 0 and meta["locked"] and not meta["solution"]
        assert cell.source.splitlines()[0] == CHECKS_IMPORT
        assert cell.source.count("### BEGIN HIDDEN TESTS") == 1
        assert cell.source.count("### END HIDDEN TESTS") == 1
    # every question: a solution cell right before its test cell
    for i, cell in enumerate(nb.cells):
        if _nbgrader(cell).get("grade"):
            assert _nbgrader(nb.cells[i - 1]).get("solution"), f"{_nbgrader(cell)['grade_id']} follows its answer"
    CheckCellMetadata().preprocess(copy.deepcopy(nb), {})  # nbgrader's own validation


# --------------------------------------------------------------------------- end to end
@pytest.mark.slow
@pytest.mark.parametrize("slug", EXPECTED_CHAPTERS)
def test_assignment_verifies(slug):
    """``cnnlib-course verify``: in a plain kernel the solution runs clean, the student version
    fails every test cell and each visible slip fails visibly; graded through the grader the
    solution gets every point, the untouched student version none, and each slip of
    ``slips.yml`` loses exactly its points with its message, shown in the feedback without
    any hidden expected value."""
    from cnnlib.course.config import load_course
    from cnnlib.course.verify import load_slips, verify

    slips = load_slips(SOLUTIONS / slug)
    assert len(slips) >= 4, f"{slug}: write down the common slips in slips.yml"
    questions = {_nbgrader(c)["grade_id"] for c in _graded(_notebook(slug))}
    assert questions <= {f for s in slips for f in s.fails}, f"{slug}: a slip for every question"
    report = verify(load_course(ROOT), slug, jobs=1)
    assert report.ok, "\n".join(report.problems + ["", *report.lines])
