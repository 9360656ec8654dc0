"""Check one assignment end to end, as an instructor would before releasing it.

    python tools/verify_exercise.py ch06_resnet [--no-grade]

1. regenerates ``solutions/<a>/<a>.ipynb`` from its jupytext source ``<a>.py``;
2. plans it with the judge (every test cell runs in the grader; errors name the cell);
3. runs the solution notebook in a plain kernel: every check passes;
4. runs the student version (solutions stubbed, hidden tests removed): every test cell fails;
5. (unless --no-grade) releases it in a scratch course, and grades the solution and the
   untouched student version through ``cnnlib-course``: full marks and 0.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def _execute(nb, cwd: Path) -> None:
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()


def _errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("assignment")
    parser.add_argument("--no-grade", action="store_true")
    args = parser.parse_args(argv)
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    from cnnlib.course import judge, sources

    folder = ROOT / "solutions" / args.assignment
    print("regenerated:", [p.name for p in sources.sync(folder)])
    path = folder / f"{args.assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    plan = judge.plan_notebook(nb, where=path.name)
    print("plan:", {k: len(v.checks) for k, v in plan.cells.items()})
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        solved = copy.deepcopy(nb)
        _execute(solved, Path(tmp))
        for cell in solved.cells:
            if cell.cell_type == "code" and _errors(cell):
                problems.append(f"solution: {cell.metadata['nbgrader']['grade_id']}: {_errors(cell)}")
        student = copy.deepcopy(nb)
        resources = {"language": "python"}
        student, resources = ClearSolutions().preprocess(student, resources)
        student, resources = ClearHiddenTests().preprocess(student, resources)
        _execute(student, Path(tmp))
        for cell in student.cells:
            if judge.is_test_cell(cell) and not _errors(cell):
                problems.append(f"student version: {cell.metadata['nbgrader']['grade_id']} passes without answers")
    if not args.no_grade:
        from cnnlib.course.autograde import autograde
        from cnnlib.course.config import load_course
        from cnnlib.course.release import release

        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            shutil.copytree(folder, root / "solutions" / args.assignment)
            course = load_course(root)
            release(course, [args.assignment])
            for student_id, source in (("solution", path),
                                       ("stub", course.release_dir / args.assignment / path.name)):
                target = course.submitted_dir / student_id / args.assignment
                target.mkdir(parents=True)
                shutil.copy(source, target / path.name)
            for result in autograde(course, args.assignment, jobs=2):
                print(f"graded {result.student}: {result.score}/{result.max_score} {result.status} {result.flags}")
                want = result.max_score if result.student == "solution" else 0.0
                if result.score != want:
                    problems.append(f"autograde {result.student}: {result.score}, expected {want} ({result.status})")
                graded = nbformat.read(course.autograded_dir / result.student / args.assignment / path.name, 4)
                for cell in graded.cells:
                    verdict = judge.verdict_of_cell(cell) if judge.is_test_cell(cell) else None
                    if verdict is not None and not verdict.passed and result.student == "solution":
                        problems.append("\n".join(judge.verdict_lines(verdict, student=False)))
    print("\n".join(problems) or "OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
