"""Check an assignment end to end before students see it: ``cnnlib-course verify``.

An assignment folder ``solutions/<a>/`` holds its jupytext source ``<a>.py`` and, next to
it, ``slips.yml``: the slips students make, each written down as a change to the solution
and what the grader must say about it::

    - slip: POOL3 computed with padding 1
      cell: ch02_alexnet_q1_answer          # the answer cell the slip changes
      replace: 'alexnet_shapes["pool3"] = (256, _side, _side)'
      with: 'alexnet_shapes["pool3"] = (256, 7, 7)'
      fails: [ch02_alexnet_q1_tests, ch02_alexnet_q2_tests]   # the test cells whose points are lost
      visible: true                         # a visible check catches it in the student's notebook
      message: "alexnet_shapes['pool3']"    # text the student's message must contain

(``source:`` instead of ``replace``/``with`` gives the answer cell's whole new text.)
``visible: false`` says the slip passes every visible check and only the hidden checks
catch it. :func:`verify` then, in a scratch course:

1. regenerates the notebook from its source and plans it with the judge;
2. runs, in a plain kernel as a student would: the solution (every check passes, nothing on
   stderr), the untouched student version (every test cell fails) and each visible slip (its
   test cells fail with a message containing ``message``);
3. releases the assignment and grades, through the same code as ``cnnlib-course autograde``,
   the solution (full points), the untouched student version (0) and one submission per slip
   (exactly the points of ``fails`` lost, the named message in the verdict);
4. writes the students' feedback and checks it shows each slip's message and no hidden
   check's expected value.

Nothing of ``slips.yml`` is released to students (``CourseDirectory.include`` releases
notebooks only).
"""

from __future__ import annotations

import copy
import html
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .config import Course, CourseError, load_course

__all__ = ["SLIPS_FILE", "Slip", "VerifyReport", "load_scratch", "load_slips", "scratch_course",
           "submission_from_source", "verify"]

SLIPS_FILE = "slips.yml"
_SOLUTION_MARK = re.compile(r"^[ \t]*### (?:BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
_KEYS = {"slip", "cell", "replace", "with", "source", "fails", "visible", "message"}
KERNEL_TIMEOUT_S = 300


@dataclass(frozen=True)
class Slip:
    """One wrong answer a student might give, and what grading it must show."""

    slip: str
    cell: str
    fails: tuple[str, ...]
    visible: bool
    message: str
    replace: str | None = None
    with_: str | None = None
    source: str | None = None

    def apply(self, nb: nbformat.NotebookNode, where: str) -> nbformat.NotebookNode:
        """A copy of ``nb`` with this slip made in its answer cell."""
        nb = copy.deepcopy(nb)
        cell = _cell(nb, self.cell, where)
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            raise CourseError(f"{where}: slip {self.slip!r}: cell {self.cell!r} is not an answer cell")
        if self.source is not None:
            cell.source = self.source.strip("\n")
            return nb
        count = cell.source.count(self.replace)
        if count != 1:
            raise CourseError(f"{where}: slip {self.slip!r}: the text to replace occurs {count} times in "
                              f"cell {self.cell!r} (it must occur once): {self.replace!r}")
        cell.source = cell.source.replace(self.replace, self.with_)
        return nb


def _has_cell(nb, grade_id: str) -> bool:
    return any(c.metadata.get("nbgrader", {}).get("grade_id") == grade_id for c in nb.cells)


def _cell(nb, grade_id: str, where: str):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise CourseError(f"{where}: no cell with grade_id {grade_id!r}")


def load_slips(folder: Path) -> list[Slip]:
    """The slips of ``folder/slips.yml`` (an empty list without the file); CourseError if malformed."""
    import yaml

    path = Path(folder) / SLIPS_FILE
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CourseError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise CourseError(f"{path}: expected a list of slips (lines starting with '- slip:')")
    slips = []
    for index, entry in enumerate(data, 1):
        where = f"{path}: slip {index}"
        if not isinstance(entry, dict):
            raise CourseError(f"{where}: expected a mapping with keys slip, cell, fails, visible, message")
        unknown = set(entry) - _KEYS
        missing = {"slip", "cell", "fails", "visible", "message"} - set(entry)
        if unknown or missing:
            raise CourseError(f"{where}: " + "; ".join(
                ([f"unknown key(s) {sorted(unknown)}"] if unknown else []) +
                ([f"missing key(s) {sorted(missing)}"] if missing else [])))
        has_replace = "replace" in entry or "with" in entry
        if has_replace == ("source" in entry) or (has_replace and not {"replace", "with"} <= set(entry)):
            raise CourseError(f"{where}: give either 'replace' and 'with', or 'source' (the whole answer cell)")
        fails = entry["fails"]
        if isinstance(fails, str):
            fails = [fails]
        if not isinstance(fails, list) or not fails or not all(isinstance(f, str) for f in fails):
            raise CourseError(f"{where}: 'fails' must name the test cell(s) whose points the slip loses")
        if not isinstance(entry["visible"], bool):
            raise CourseError(f"{where}: 'visible' must be true or false")
        for key in ("slip", "cell", "message", "replace", "with", "source"):
            if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
                raise CourseError(f"{where}: {key!r} must be non-empty text")
        slips.append(Slip(entry["slip"], entry["cell"], tuple(fails), entry["visible"], entry["message"],
                          entry.get("replace"), entry.get("with"), entry.get("source")))
    names = [s.slip for s in slips]
    if len(set(names)) != len(names):
        raise CourseError(f"{path}: two slips have the same name")
    return slips


@dataclass
class VerifyReport:
    """What :func:`verify` checked (``lines``) and what is wrong (``problems``; empty: all good)."""

    assignment: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def scratch_course(course: Course, assignments: list[str], root: Path) -> Course:
    """A copy of ``course``'s settings at ``root`` holding only ``assignments``' sources."""
    for assignment in assignments:
        shutil.copytree(course.source_dir / assignment, root / "solutions" / assignment,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    config_file = course.root / "nbgrader_config.py"
    if config_file.is_file():
        shutil.copy(config_file, root / "nbgrader_config.py")
    return load_scratch(root)


def load_scratch(root: Path) -> Course:
    """The scratch course at ``root``: its ``nbgrader_config.py`` (the instructor's settings), with
    the standard folder names and a gradebook of its own (``root/gradebook.db``), whatever the
    settings or ``CNNLIB_GRADEBOOK_URL`` say."""
    scratch = load_course(root)
    directory = scratch.config.CourseDirectory
    directory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    directory.source_directory, directory.release_directory = "solutions", "exercises"
    directory.submitted_directory, directory.autograded_directory = "submitted", "autograded"
    directory.feedback_directory = "feedback"
    return scratch


def submission_from_source(source_nb, released_nb) -> nbformat.NotebookNode:
    """What a student who answers like the source notebook submits: the released notebook
    with each answer cell's text taken from the source, the solution markers removed."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source_nb.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(released_nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = _SOLUTION_MARK.sub("", answers[grade_id])
    return nb


# ----------------------------------------------------------------------------- plain kernel
def _errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


def _stderr(cell) -> str:
    return "".join(o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stderr")


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def run_in_one_kernel(notebooks: dict[str, nbformat.NotebookNode], cwd: Path) -> dict[str, nbformat.NotebookNode]:
    """Run notebooks one after the other in one kernel, the namespace cleared (``%reset -f``)
    before each, so torch is imported once. Returns the executed copies by name."""
    from nbclient import NotebookClient

    combined = nbformat.v4.new_notebook(metadata=copy.deepcopy(next(iter(notebooks.values())).metadata))
    spans = {}
    for name, nb in notebooks.items():
        combined.cells.append(nbformat.v4.new_code_cell("%reset -f"))
        start = len(combined.cells)
        combined.cells.extend(copy.deepcopy(nb.cells))
        spans[name] = (start, len(combined.cells))
    NotebookClient(combined, timeout=KERNEL_TIMEOUT_S, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    out = {}
    for name, (start, stop) in spans.items():
        out[name] = copy.deepcopy(notebooks[name])
        out[name].cells = combined.cells[start:stop]
    return out


def _student_view(nb, *, solutions: bool):
    """The notebook as a student has it: hidden tests removed (and the answers, unless ``solutions``)."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    from .config import default_config

    config = default_config(".")
    nb, resources = copy.deepcopy(nb), {"language": "python"}
    if not solutions:
        nb, resources = ClearSolutions(config=config).preprocess(nb, resources)
    nb, resources = ClearHiddenTests(config=config).preprocess(nb, resources)
    return nb


def _check_interactive(nb, slips: list[Slip], where: str, cwd: Path, report: VerifyReport) -> None:
    from . import judge

    runs = {"solution": nb, "student version": _student_view(nb, solutions=False)}
    for slip in slips:
        if slip.visible:
            runs[f"slip {slip.slip!r}"] = _student_view(slip.apply(nb, where), solutions=True)
    done = run_in_one_kernel(runs, cwd)
    for cell in done["solution"].cells:
        if cell.cell_type == "code" and (_errors(cell) or _stderr(cell)):
            report.problems.append(f"solution, cell {_grade_id(cell)}: "
                                   f"{_errors(cell) or 'wrote to stderr: ' + _stderr(cell)[:300]}")
    passing = [_grade_id(c) for c in done["student version"].cells if judge.is_test_cell(c) and not _errors(c)]
    if passing:
        report.problems.append(f"the untouched student version passes test cell(s) {passing}")
    for slip in slips:
        if not slip.visible:
            continue
        cells = {_grade_id(c): c for c in done[f"slip {slip.slip!r}"].cells}
        errors = _errors(cells[slip.fails[0]])
        if not any(e.startswith("CheckFailed") and slip.message in e for e in errors):
            report.problems.append(f"slip {slip.slip!r} (visible): the student's own run of {slip.fails[0]} "
                                   f"should fail with a message containing {slip.message!r}; it "
                                   f"{'raised ' + '; '.join(errors) if errors else 'passed'}")
    report.lines.append(f"plain kernel: solution clean, student version fails every test cell, "
                        f"{sum(s.visible for s in slips)} visible slip(s) caught in the student's notebook")


# ----------------------------------------------------------------------------- grading
def _verdicts(course: Course, assignment: str, student: str) -> dict:
    from . import judge

    verdicts = {}
    for path in sorted((course.autograded_dir / student / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            verdict = judge.verdict_of_cell(cell) if judge.is_test_cell(cell) else None
            if verdict is not None:
                verdicts[verdict.grade_id] = verdict
    return verdicts


def _check_slip_verdicts(slip: Slip, verdicts: dict, report: VerifyReport) -> str:
    """Problems of one graded slip go to ``report``; returns the student's message for it."""
    from . import judge

    unknown = [f for f in slip.fails if f not in verdicts]
    if unknown:
        report.problems.append(f"slip {slip.slip!r}: 'fails' names unknown test cell(s) {unknown}")
        return ""
    wrong = sorted(g for g, v in verdicts.items() if v.passed == (g in slip.fails))
    if wrong:
        report.problems.append(f"slip {slip.slip!r}: expected exactly {list(slip.fails)} to fail; "
                               f"wrong about {wrong}")
    failed = [c for c in verdicts[slip.fails[0]].checks if not c.passed]
    if verdicts[slip.fails[0]].problem:
        report.problems.append(f"slip {slip.slip!r}: {slip.fails[0]} not graded: {verdicts[slip.fails[0]].problem}")
    if not slip.visible and any(not c.hidden for c in failed):
        report.problems.append(f"slip {slip.slip!r} is marked visible: false but a visible check catches it "
                               f"({[c.name for c in failed if not c.hidden]}); mark it visible: true")
    if slip.visible and not any(not c.hidden for c in failed):
        report.problems.append(f"slip {slip.slip!r} is marked visible: true but no visible check of "
                               f"{slip.fails[0]} catches it")
    matching = [c.message for c in failed if c.hidden != slip.visible and slip.message in c.message]
    late = [c for c in failed[judge.MAX_SHOWN_FAILURES:] if slip.message in c.message]
    if matching and late and not [c for c in failed[:judge.MAX_SHOWN_FAILURES] if slip.message in c.message]:
        report.problems.append(f"slip {slip.slip!r}: {slip.message!r} is in failed check "
                               f"{failed.index(late[0]) + 1} of {slip.fails[0]}, but the student's feedback shows "
                               f"only the first {judge.MAX_SHOWN_FAILURES} failed checks of a cell")
        return ""
    if not matching:
        report.problems.append(f"slip {slip.slip!r}: no failed {'visible' if slip.visible else 'hidden'} check of "
                               f"{slip.fails[0]} tells the student {slip.message!r}; they are told: "
                               f"{[c.message for c in failed]}")
        return ""
    return matching[0]


def _check_feedback(course: Course, assignment: str, student: str, slip: Slip, verdicts: dict,
                    report: VerifyReport) -> None:
    pages = sorted((course.feedback_dir / student / assignment).glob("*.html"))
    text = html.unescape("".join(p.read_text(encoding="utf-8") for p in pages))
    if slip.message not in text:
        report.problems.append(f"slip {slip.slip!r}: the feedback does not show {slip.message!r}")
    failed = [c for v in verdicts.values() for c in v.checks if not c.passed]
    shown = {c.message for c in failed if not c.hidden}  # visible checks show their whole message
    for check in failed:
        if check.hidden and check.detail != check.message and check.detail not in shown and check.detail in text:
            report.problems.append(f"slip {slip.slip!r}: the feedback shows a hidden check's detail: {check.detail!r}")


def _check_grading(course: Course, assignment: str, slips: list[Slip], jobs: int, report: VerifyReport) -> None:
    from .autograde import autograde
    from .release import release
    from .reports import generate_feedback

    (released,) = release(course, [assignment])
    notebooks = course.notebooks(assignment)
    submissions = {"solution": None, "blank": None}
    submissions.update({f"slip{i:02d}": slip for i, slip in enumerate(slips, 1)})
    for student, slip in submissions.items():
        for name in notebooks:
            source = nbformat.read(course.source_dir / assignment / f"{name}.ipynb", as_version=4)
            given = nbformat.read(course.release_dir / assignment / f"{name}.ipynb", as_version=4)
            if student != "blank":
                applied = slip.apply(source, f"{name}.ipynb") if slip and _has_cell(source, slip.cell) else source
                given = submission_from_source(applied, given)
            target = course.submitted_dir / student / assignment / f"{name}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(given, target)
    results = {r.student: r for r in autograde(course, assignment, jobs=jobs)}
    full = released.max_score
    for student, want in (("solution", full), ("blank", 0.0)):
        result = results[student]
        if result.score != want or result.tooling_error:
            report.problems.append(f"{student}: {result.score} of {full} points (expected {want:g}); {result.status}")
    report.lines.append(f"graded: solution {results['solution'].score:g}/{full:g}, "
                        f"untouched student version {results['blank'].score:g}/{full:g}")
    generate_feedback(course, assignment)
    for student, slip in submissions.items():
        if slip is None:
            continue
        verdicts = _verdicts(course, assignment, student)
        message = _check_slip_verdicts(slip, verdicts, report)
        lost = sum(verdicts[g].points for g in slip.fails if g in verdicts)
        result = results[student]
        if result.score != full - lost:
            report.problems.append(f"slip {slip.slip!r}: {result.score} points, expected {full - lost:g} "
                                   f"({full:g} minus {lost:g} for {list(slip.fails)})")
        _check_feedback(course, assignment, student, slip, verdicts, report)
        report.lines.append(f"slip {slip.slip!r}: {result.score:g}/{full:g} "
                            f"({'visible' if slip.visible else 'hidden'}) -> {message}")


def verify(course: Course, assignment: str, *, jobs: int = 2) -> VerifyReport:
    """Check ``assignment`` of ``course`` end to end (see the module docstring); nothing in the
    course folder changes except the generated ``solutions/<a>/*.ipynb``."""
    from . import judge, sources

    course.require_assignment(assignment)
    start = time.monotonic()
    report = VerifyReport(assignment)
    folder = course.source_dir / assignment
    try:
        rewritten = sources.sync(folder)
    except ValueError as exc:
        raise CourseError(str(exc)) from None
    if rewritten:
        report.lines.append(f"regenerated {', '.join(p.name for p in rewritten)} from its source")
    slips = load_slips(folder)
    with tempfile.TemporaryDirectory(prefix="cnnlib-verify-") as tmp:
        root = Path(tmp)
        scratch = scratch_course(course, [assignment], root / "course")
        notebooks = {name: nbformat.read(scratch.source_dir / assignment / f"{name}.ipynb", as_version=4)
                     for name in scratch.notebooks(assignment)}
        for slip in slips:
            if not any(_has_cell(nb, slip.cell) for nb in notebooks.values()):
                raise CourseError(f"{folder / SLIPS_FILE}: slip {slip.slip!r}: no answer cell {slip.cell!r} "
                                  f"in {assignment}")
        work = root / "run"
        work.mkdir()
        for name, nb in notebooks.items():
            here = [s for s in slips if _has_cell(nb, s.cell)]
            for slip in here:
                slip.apply(nb, f"{name}.ipynb")  # CourseError names a slip that does not apply
            plan = judge.plan_notebook(nb, where=f"{name}.ipynb")
            report.lines.append(f"{name}: {len(plan.cells)} test cell(s), "
                                f"{sum(len(p.checks) for p in plan.cells.values())} check(s) planned; "
                                f"{len(here)} slip(s)")
            _check_interactive(nb, here, f"{name}.ipynb", work, report)
        _check_grading(scratch, assignment, slips, jobs, report)
    report.seconds = time.monotonic() - start
    return report
