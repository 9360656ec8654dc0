"""A tiny course for the grading tests: one assignment ``demo`` with one notebook.

The notebook has three exercises (5 points): ``square`` (1 point, a visible and a hidden test),
``conv_out`` (2 points, a visible and a hidden test) and ``relu`` on numpy arrays
(2 points, a visible and a hidden test). Test cells use
:mod:`cnnlib.course.checks`.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ASSIGNMENT = "demo"
NOTEBOOK = "demo"
MAX_SCORE = 5.0
HIDDEN_MARKER = "hidden_check_7f3a"  # appears only in hidden tests


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: float | None = None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook() -> nbformat.NotebookNode:
    """The instructor's version, with solutions and hidden tests."""
    cells = [
        new_markdown_cell("# Demo assignment\nImplement the three functions below.",
                          metadata=_meta("intro", locked=True)),
        new_code_cell("import numpy as np", metadata=_meta("imports", locked=True)),
        new_code_cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
                      metadata=_meta("square", solution=True)),
        new_code_cell('from cnnlib.course.checks import check\n'
                      'check.close("square(3)", 9)\ncheck.close("square(-1.5)", 2.25)\n'
                      "### BEGIN HIDDEN TESTS\n"
                      'check.close("square(0.5)", 0.25)\n'
                      "### END HIDDEN TESTS",
                      metadata=_meta("test_square", grade=True, locked=True, points=1)),
        new_code_cell("def conv_out(size, kernel, stride=1, padding=0):\n"
                      "    ### BEGIN SOLUTION\n    return (size + 2 * padding - kernel) // stride + 1\n"
                      "    ### END SOLUTION",
                      metadata=_meta("conv_out", solution=True)),
        new_code_cell('from cnnlib.course.checks import check\n'
                      'check.integer("conv_out(32, 3, 1, 1)", 32)\n'
                      "### BEGIN HIDDEN TESTS\n"
                      f"{HIDDEN_MARKER} = 3\n"
                      f'check.integer("conv_out(7, 3, 2, 0)", {HIDDEN_MARKER})\n'
                      'check.integer("conv_out(224, 7, 2, 3)", 112)\n'
                      "### END HIDDEN TESTS",
                      metadata=_meta("test_conv_out", grade=True, locked=True, points=2)),
        new_code_cell("def relu(a):\n    ### BEGIN SOLUTION\n    return np.maximum(a, 0.0)\n    ### END SOLUTION",
                      metadata=_meta("relu", solution=True)),
        new_code_cell('from cnnlib.course.checks import check\n'
                      'check.close("relu(np.array([-1.0, 2.0]))", np.array([0.0, 2.0]))\n'
                      "### BEGIN HIDDEN TESTS\n"
                      f"{HIDDEN_MARKER}_relu = np.array([[0.0, 0.5], [3.0, 0.0]])\n"
                      f'check.close("relu(x)", {HIDDEN_MARKER}_relu, given={{"x": np.array([[-2.0, 0.5], [3.0, -0.1]])}})\n'
                      "### END HIDDEN TESTS",
                      metadata=_meta("test_relu", grade=True, locked=True, points=2)),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def make_course(root: Path) -> Path:
    """Write ``solutions/demo/demo.ipynb`` (and a data file that must not be released) under ``root``."""
    folder = root / "solutions" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(), folder / f"{NOTEBOOK}.ipynb")
    (folder / "answers.txt").write_text("instructor-only notes\n")
    return root


def cell_index(nb: nbformat.NotebookNode, grade_id: str) -> int:
    """Index of the cell with ``grade_id``."""
    for i, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def solve(released: nbformat.NotebookNode, answers: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """A student's copy of ``released`` with the given solution cells (default: the correct ones)."""
    nb = copy.deepcopy(released)
    correct = {
        "square": "def square(x):\n    return x * x",
        "conv_out": "def conv_out(size, kernel, stride=1, padding=0):\n"
                    "    return (size + 2 * padding - kernel) // stride + 1",
        "relu": "def relu(a):\n    return np.maximum(a, 0.0)",
    }
    correct.update(answers or {})
    for grade_id, source in correct.items():
        nb.cells[cell_index(nb, grade_id)].source = source
    return nb
