"""Generate the student versions of assignments (``exercises/``) and check they are in sync."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .config import Course, CourseError, ensure_gradebook, is_released

__all__ = ["ReleaseResult", "check_release", "normalized_notebook", "release"]


@dataclass
class ReleaseResult:
    """What ``release`` did for one assignment."""

    assignment: str
    notebooks: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # non-released files taken out of exercises/
    max_score: float = 0.0


def _log_of(result: dict) -> str:
    """The error lines of an nbgrader run captured with ``capture_log``."""
    lines = [line for line in (result.get("log") or "").splitlines()
             if line.startswith(("[ERROR]", "[CRITICAL]"))]
    if not lines and result.get("error"):
        lines = result["error"].strip().splitlines()[-1:]
    return "\n".join(lines)


def _generate(course: Course, assignment: str) -> None:
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    coursedir = CourseDirectory(config=course.config)
    coursedir.assignment_id = assignment
    converter = GenerateAssignment(coursedir=coursedir, config=course.config)
    converter.force = True
    converter.create_assignment = True
    result = capture_log(converter)
    if not result["success"]:
        raise CourseError(f"could not generate the student version of {assignment!r}:\n{_log_of(result)}")


def _first_line(source: str, width: int = 60) -> str:
    line = next((ln.strip() for ln in source.split("\n") if ln.strip()), "")
    return line if len(line) <= width else line[: width - 3] + "..."


def _source_lines(source_lines: list[str] | None, grade_id, cell_lines: list[str]) -> dict[int, int]:
    """Line numbers in the jupytext source of the lines of cell ``grade_id`` (1-based both),
    where they can be told for sure: a cell's lines follow its ``# %%`` line one for one."""
    if not source_lines or not isinstance(grade_id, str):
        return {}
    key = f'"grade_id": {json.dumps(grade_id)}'
    start = next((i for i, line in enumerate(source_lines) if line.startswith("# %%") and key in line), None)
    if start is None:
        return {}
    return {n: start + n + 1 for n, line in enumerate(cell_lines, 1)
            if start + n < len(source_lines) and line.strip() and line.strip() in source_lines[start + n]}


def _cell_marker_problems(cell, pairs, line_name) -> list[tuple[int, str]]:
    """(line of the cell, what is wrong and what to do) for each broken marker of ``cell``;
    ``line_name(n)`` names line ``n`` of the cell."""
    from nbgrader import utils as nbgrader_utils

    lines = cell.source.split("\n")
    prefix = "### " if cell.cell_type == "code" else ""
    found = []
    for begin, end, what in pairs:
        opened = None  # the line of the BEGIN whose region is being read
        first_begin = None
        for number, line in enumerate(lines, 1):
            if begin in line:  # tested first, as nbgrader does
                first_begin = first_begin or number
                if opened is not None:
                    found.append((number, f"a second {begin!r} before the {end!r} of the one on "
                                          f"{line_name(opened)}; add a line {prefix + end!r} where the "
                                          f"first {what} region ends, or delete one of the two"))
                opened = number
            elif end in line:
                if opened is None:
                    found.append((number, f"{end!r} without a {begin!r} before it; add a line "
                                          f"{prefix + begin!r} where the {what} region starts, or "
                                          f"delete this line"))
                opened = None
        if opened is not None:
            found.append((opened, f"{begin!r} without an {end!r} after it; add a line "
                                  f"{prefix + end!r} where the {what} region ends"))
        if first_begin is not None:
            if what == "solution" and not nbgrader_utils.is_solution(cell):
                found.append((first_begin, f"a solution region ({begin!r}) in a cell that is not a "
                                           "solution cell; set \"solution\": true in its nbgrader "
                                           "metadata, or move the region into an answer cell"))
            if what == "hidden-test" and not nbgrader_utils.is_grade(cell):
                found.append((first_begin, f"a hidden-test region ({begin!r}) in a cell that is not "
                                           "a test cell; set \"grade\": true (and its points) in its "
                                           "nbgrader metadata, or move the region into a test cell"))
    return found


def _marker_problems(course: Course, assignment: str) -> list[str]:
    """Solution and hidden-test markers nbgrader would fail on (or, for an END without a BEGIN,
    silently drop), one line each: the source file (relative to the course), the line, the cell,
    what is wrong and what to do."""
    from . import sources

    cfg = course.config
    pairs = [(cfg.ClearSolutions.begin_solution_delimeter, cfg.ClearSolutions.end_solution_delimeter,
              "solution"),
             (cfg.ClearHiddenTests.begin_test_delimeter, cfg.ClearHiddenTests.end_test_delimeter,
              "hidden-test")]
    problems = []
    for name in course.notebooks(assignment):
        notebook = course.source_dir / assignment / f"{name}.ipynb"
        try:
            nb = nbformat.read(notebook, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable notebook is reported where it is read
            continue
        source = sources.source_of(notebook)
        shown = source or notebook
        try:
            shown = shown.relative_to(course.root)
        except ValueError:
            pass
        source_lines = source.read_text(encoding="utf-8").split("\n") if source else None
        for index, cell in enumerate(nb.cells, 1):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            at = _source_lines(source_lines, grade_id, cell.source.split("\n"))

            def line_name(number: int, at=at) -> str:
                return f"line {at[number]}" if number in at else f"line {number} of the cell"

            found = _cell_marker_problems(cell, pairs, line_name)
            if not found:
                continue
            head = _first_line(cell.source)
            about = [f"cell {index}"] if isinstance(grade_id, str) else []
            about += [f"starting {head!r}"] if head else []
            label = f"cell {grade_id!r}" if isinstance(grade_id, str) else f"cell {index}"
            label += f" ({', '.join(about)})" if about else ""
            for number, message in found:
                problems.append(f"{shown.as_posix()}, {line_name(number)}, {label}: {message}")
    return problems


def _check_markers(course: Course, assignment: str) -> None:
    """Raise :class:`CourseError` naming every broken solution or hidden-test marker."""
    problems = _marker_problems(course, assignment)
    if problems:
        raise CourseError(f"cannot release {assignment!r}: solution or hidden-test markers do not "
                          "match:\n" + "\n".join(f"  {p}" for p in problems))


def _prune(course: Course, assignment: str) -> list[str]:
    """Remove released files that ``CourseDirectory.include`` does not allow."""
    include = list(course.config.CourseDirectory.include)
    folder = course.release_dir / assignment
    removed = []
    for dirpath, dirnames, filenames in os.walk(folder, topdown=False):
        for name in filenames:
            path = Path(dirpath, name)
            rel = path.relative_to(folder).as_posix()
            if not is_released(rel, include):
                path.unlink()
                removed.append(rel)
        for name in dirnames:
            sub = Path(dirpath, name)
            if sub.is_dir() and not any(sub.iterdir()):
                sub.rmdir()
    return sorted(removed)


def release(course: Course, assignments: list[str]) -> list[ReleaseResult]:
    """Generate ``exercises/<a>/`` for each assignment and register it in the gradebook."""
    from nbgrader.api import Gradebook

    for assignment in assignments:
        course.require_assignment(assignment)
    ensure_gradebook(course.db_url)
    from . import sources
    from .autograde import plan_assignment

    results = []
    for assignment in assignments:
        try:
            sources.sync(course.source_dir / assignment)  # <notebook>.py -> <notebook>.ipynb
        except ValueError as exc:
            raise CourseError(str(exc)) from None
        _check_markers(course, assignment)  # before nbgrader, which names neither file nor cell
        plan_assignment(course, assignment)  # the judge can run every test cell (CourseError if not)
        _generate(course, assignment)
        folder = course.source_dir / assignment
        result = ReleaseResult(assignment, notebooks=course.notebooks(assignment),
                               removed=[name for name in _prune(course, assignment)  # not the sources
                                        if sources.source_of((folder / name).with_suffix(".ipynb")) is None])
        with Gradebook(course.db_url, course.config.CourseDirectory.course_id) as gb:
            result.max_score = float(gb.find_assignment(assignment).max_score)
        results.append(result)
    return results


def normalized_notebook(path: Path) -> list:
    """The parts of a notebook that matter for students (no ids, outputs or volatile metadata)."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        meta = dict(cell.get("metadata", {}).get("nbgrader", {}))
        cells.append([cell.cell_type, cell.source, sorted(meta.items()),
                      sorted(cell.get("metadata", {}).get("tags", []))])
    return [nb.nbformat, cells]


def _files(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def check_release(course: Course, assignments: list[str] | None = None) -> list[str]:
    """Differences between ``exercises/`` and a fresh release of ``solutions/`` (empty: in sync).

    With ``assignments=None`` every assignment is checked and a folder of
    ``exercises/`` without a source folder is reported too.
    """
    names = course.assignments() if assignments is None else assignments
    for assignment in names:
        course.require_assignment(assignment)
    from . import sources

    problems: list[str] = []
    for assignment in names:
        try:
            problems += [f"{assignment}: {p} (run `cnnlib-course release {assignment}`)"
                         for p in sources.stale(course.source_dir / assignment)]
        except ValueError as exc:
            problems.append(f"{assignment}: {exc}")
    with tempfile.TemporaryDirectory(prefix="cnnlib-release-check-") as tmp:
        from .verify import scratch_course

        scratch = Path(tmp)
        release(scratch_course(course, names, scratch), names)
        for assignment in names:
            fresh, current = scratch / "exercises" / assignment, course.release_dir / assignment
            if not current.is_dir():
                problems.append(f"{assignment}: {current} is missing (run `cnnlib-course release {assignment}`)")
                continue
            expected, actual = _files(fresh), _files(current)
            problems += [f"{assignment}: {name} is missing from {current}" for name in sorted(expected - actual)]
            problems += [f"{assignment}: {name} in {current} is not produced by the release"
                         for name in sorted(actual - expected)]
            for name in sorted(expected & actual):
                if name.endswith(".ipynb"):
                    try:
                        same = normalized_notebook(fresh / name) == normalized_notebook(current / name)
                    except Exception as exc:  # noqa: BLE001 - unreadable notebook
                        problems.append(f"{assignment}: {name} cannot be read: {exc}")
                        continue
                else:
                    same = (fresh / name).read_bytes() == (current / name).read_bytes()
                if not same:
                    problems.append(f"{assignment}: {name} differs from its source in {course.source_dir / assignment}")
    if assignments is None and course.release_dir.is_dir():
        for folder in sorted(p for p in course.release_dir.iterdir() if p.is_dir()):
            if folder.name not in names and not folder.name.startswith("."):
                problems.append(f"{folder.name}: {folder} has no source folder in {course.source_dir}")
    return problems
