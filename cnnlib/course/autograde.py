"""Autograde every submission of an assignment, each in its own process and sandbox.

The parent imports nbgrader once and forks one worker per submission (at most
``jobs`` at a time). A worker runs nbgrader's ``Autograde`` converter for its
student against the course's gradebook; nbgrader and the gradebook stay in the
trusted worker, only the kernel runs in the sandbox (see :mod:`cnnlib.course.sandbox`).
The parent enforces a hard wall-clock limit per worker on top of the limits the
worker enforces itself, so the run always ends, and one submission's failure
never touches another's grades.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .config import Course, CourseError, ensure_gradebook
from .locking import grading_session
from .sandbox import Limits, check_sandbox, pycache_dir, warm_pycache

__all__ = ["ProgressLine", "SubmissionResult", "autograde", "course_limits", "find_students", "format_table",
           "preload_modules", "warm_up"]

#: Heavy libraries the kernel imports at start-up when the assignment uses them (bytecode
#: warmed once; the student's first cell does not pay for the import).
PRELOADABLE = ("numpy", "torch", "torchvision", "cnnlib")
#: Seconds a worker may take beyond the submission's own limit (kernel start, nbgrader).
WORKER_GRACE_S = 120
#: Whether kernels are forked from a warm-kernel server (:mod:`cnnlib.course.zygote`) when neither
#: ``--warm-kernels``/``--no-warm-kernels`` nor ``c.SandboxedKernelManager.warm_kernels`` says.
WARM_KERNELS_DEFAULT = False


@dataclass
class SubmissionResult:
    """Outcome of autograding one student's submission."""

    student: str
    score: float | None = None
    max_score: float | None = None
    status: str = "ok"
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0
    tooling_error: bool = False
    log_file: str = ""
    #: Graded by an earlier run and unchanged since: kept, not graded again.
    earlier: bool = False


@contextlib.contextmanager
def quiet_nbgrader() -> Iterator[None]:
    """Silence SQLAlchemy's warnings about nbgrader's session use (harmless, but on stderr)."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        yield


def find_students(course: Course, assignment: str) -> list[str]:
    """Students with a folder ``submitted/<student>/<assignment>/``, sorted."""
    if not course.submitted_dir.is_dir():
        return []
    return sorted(p.name for p in course.submitted_dir.iterdir()
                  if (p / assignment).is_dir() and not p.name.startswith("."))


def preload_modules(course: Course, assignment: str) -> list[str]:
    """Modules of the :data:`PRELOADABLE` libraries that the assignment's source notebooks import.

    Dotted names are kept (``numpy.testing``, ``torch.nn.functional``), and for
    ``from a.b import c`` both ``a.b`` and ``a.b.c`` are listed (``c`` may be a module).
    """
    found: set[str] = set()
    for name in course.notebooks(assignment):
        nb = nbformat.read(course.source_dir / assignment / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                             for line in cell.source.split("\n"))
            try:
                tree = ast.parse(code)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module)
                    found.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    # The checks kit never runs in the grading kernel (test cells become probes).
    found = {f for f in found if f != "cnnlib.course" and not f.startswith("cnnlib.course.")}
    roots = [m for m in PRELOADABLE if any(f == m or f.startswith(m + ".") for f in found)]
    return roots + sorted(f for f in found if "." in f and f.split(".")[0] in roots)


def plan_assignment(course: Course, assignment: str) -> dict:
    """The judge's plan of every notebook of ``assignment`` (raises CourseError on broken test code)."""
    from .judge import PlanError, plan_cached

    plans = {}
    for name in course.notebooks(assignment):
        nb = nbformat.read(course.source_dir / assignment / f"{name}.ipynb", as_version=4)
        try:
            plans[name] = plan_cached(nb, where=f"{assignment}/{name}.ipynb")
        except PlanError as exc:
            raise CourseError(str(exc)) from None
    return plans


def _warm_key(course: Course, assignment: str, preload: list[str]) -> str:
    digest = hashlib.sha256()
    for name in course.notebooks(assignment):
        digest.update((course.source_dir / assignment / f"{name}.ipynb").read_bytes())
    site = next((p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)), sys.prefix)
    digest.update(f"{sys.version}|{sorted(preload)}|{os.stat(site).st_mtime_ns}".encode())
    return digest.hexdigest()


def _run_source_notebooks(course: Course, assignment: str, config, limits: Limits) -> None:
    """Execute the instructor's notebooks (trusted code, no sandbox) in a grading kernel."""
    import shutil
    import tempfile

    from nbclient import NotebookClient

    from .sandbox import SandboxedKernelManager

    os.setpgid(0, 0)
    tie_to_parent()
    with tempfile.TemporaryDirectory(prefix="cnnlib-warm-up-") as tmp:
        work = Path(tmp) / assignment
        shutil.copytree(course.source_dir / assignment, work)
        for name in course.notebooks(assignment):
            nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
            client = NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, config=config,
                                    timeout=limits.cell_timeout_s, allow_errors=True,
                                    resources={"metadata": {"path": str(work)}})
            with contextlib.suppress(Exception):
                client.execute()


def warm_up(course: Course, assignment: str, config, limits: Limits) -> None:
    """Fill the bytecode cache the sandboxed kernels read (see :func:`~cnnlib.course.sandbox.warm_pycache`).

    Imports the kernel's start-up modules, and once per version of the
    assignment's source notebooks also executes them (trusted, unsandboxed, in a
    forked process) so the modules they import lazily (``torch._dynamo``,
    ``sympy``...) are compiled too. Best effort: grading works without it, slower.
    """
    km = config.SandboxedKernelManager
    folder = pycache_dir()
    marker = folder / "warmed-notebooks.txt"
    key = _warm_key(course, assignment, list(km.preload))
    done = marker.read_text().split() if marker.exists() else []
    if key in done:  # same notebooks, same installation: the cache is complete
        km.pycache = str(folder)
        return
    if warm_pycache(list(km.preload)) is None:
        return
    km.pycache = str(folder)
    warm = copy.deepcopy(config)
    warm.SandboxedKernelManager.sandbox = False
    context = multiprocessing.get_context("fork")
    proc = context.Process(target=_run_source_notebooks, args=(course, assignment, warm, limits),
                           name="autograde-warm-up")
    proc.start()
    proc.join(limits.submission_timeout_s + WORKER_GRACE_S)
    if proc.is_alive():
        _kill_group(proc.pid)
        proc.kill()
        proc.join()
        return
    if proc.exitcode == 0:
        marker.write_text("\n".join([*done[-200:], key]) + "\n")


def course_limits(course: Course, **overrides: int | None) -> Limits:
    """Limits from the course config (``Execute.timeout``, ``SandboxedExecute.submission_timeout``,
    ``SandboxedKernelManager.memory_mb``/``cpu_seconds``/...), with non-None ``overrides`` on top."""
    c, default = course.config, Limits()
    values = {
        "cell_timeout_s": c.Execute.get("timeout", default.cell_timeout_s),
        "submission_timeout_s": c.SandboxedExecute.get("submission_timeout", default.submission_timeout_s),
    }
    for field_name in ("memory_mb", "cpu_seconds", "file_size_mb", "tmpfs_mb", "nproc"):
        values[field_name] = c.SandboxedKernelManager.get(field_name, getattr(default, field_name))
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Limits(**values)


def _dotted(item) -> str:
    """A preprocessor given as a class or as its dotted name, as a dotted name."""
    return item if isinstance(item, str) else f"{item.__module__}.{item.__qualname__}"


def grading_config(course: Course, assignment: str, *, unsafe: bool, bwrap: str, limits: Limits):
    from .config import AUTOGRADE_PREPROCESSORS, SANITIZE_PREPROCESSORS

    c = copy.deepcopy(course.config)
    # Whatever the course config says, metadata is rebuilt from the gradebook first, and
    # code is executed by the sandboxed preprocessor.
    # and scores come from the judge (never from nbgrader's reading of cell outputs).
    restore, execute = "cnnlib.course.preprocessors.RestoreCells", "cnnlib.course.preprocessors.SandboxedExecute"
    save = "cnnlib.course.preprocessors.SaveJudgedGrades"
    sanitize = [_dotted(p) for p in c.Autograde.get("sanitize_preprocessors", SANITIZE_PREPROCESSORS)]
    c.Autograde.sanitize_preprocessors = [restore, *(p for p in sanitize if p != restore)]
    steps = [p for p in map(_dotted, c.Autograde.get("autograde_preprocessors", AUTOGRADE_PREPROCESSORS))
             if not p.endswith(("Execute", "SaveAutoGrades", "SaveJudgedGrades"))]
    c.Autograde.autograde_preprocessors = [execute, save, *steps]
    c.Execute.timeout = limits.cell_timeout_s
    c.SandboxedExecute.submission_timeout = limits.submission_timeout_s
    c.SandboxedExecute.kernel_manager_class = "cnnlib.course.sandbox.SandboxedKernelManager"
    km = c.SandboxedKernelManager
    km.sandbox = not unsafe
    km.bwrap = bwrap
    km.memory_mb = limits.memory_mb
    km.cpu_seconds = limits.cpu_seconds
    km.file_size_mb = limits.file_size_mb
    km.tmpfs_mb = limits.tmpfs_mb
    km.nproc = limits.nproc
    km.preload = preload_modules(course, assignment)
    km.source_directory = str(course.source_dir / assignment)
    km.include = list(c.CourseDirectory.include)
    c.RestoreCells.source_directory = str(course.source_dir / assignment)
    c.RestoreCells.release_directory = str(course.release_dir / assignment)
    c.SandboxedExecute.source_directory = str(course.source_dir / assignment)
    # nbgrader copies every file of the source folder into autograded/ (and feedback copies them
    # on): never the notebook sources with their solutions and hidden tests, nor slips.yml.
    c.Autograde.exclude_overwriting = {assignment: course.instructor_only_files(assignment)}
    return c


def _incidents(nb: nbformat.NotebookNode) -> tuple[str | None, list[str]]:
    """First incident (timeout, dead kernel, ...) of an autograded notebook, and flags.

    Read from the record the grader itself wrote in the notebook's metadata, never from
    cell outputs (a student's exception can be named ``KernelDied``).
    """
    from .preprocessors import INCIDENT_NAMES, META_KEY

    record = nb.metadata.get(META_KEY, {})
    flags = (["output limit"] if record.get("output_capped") else []) + list(record.get("limits_hit", [])) + \
        (["edited locked cells"] if record.get("edited_cells") else [])
    incidents = record.get("incidents", [])
    if any(i.get("kind") == "CellTimeoutError" for i in incidents):
        flags.append("time limit")
    if not incidents:
        return None, flags
    first = incidents[0]
    code_index = sum(1 for cell in nb.cells[: first["cell"] + 1] if cell.cell_type == "code")
    where = f"code cell {code_index}" + (f" ({first['grade_id']})" if first.get("grade_id") else "")
    return f"{INCIDENT_NAMES.get(first['kind'], first['kind'])} in {where}", flags


def refusal(course: Course, config, assignment: str, student: str) -> dict | None:
    """The result of a submission refused before grading (a notebook too large or not a notebook),
    or None when it can be graded."""
    from .collect import notebook_problem

    max_bytes = int(config.CourseDirectory.get("max_file_size", 100000)) * 1000
    for name in course.notebooks(assignment):
        submitted = course.submitted_dir / student / assignment / f"{name}.ipynb"
        problem = notebook_problem(submitted.read_bytes(), max_bytes) if submitted.exists() else None
        if problem:
            return {"student": student, "seconds": 0.0, "log_file": "", "flags": ["refused"],
                    "tooling_error": False, "score": None, "max_score": None,
                    "status": f"refused: {name}.ipynb is {problem}; not graded"}
    return None


def grade_one(course: Course, config, assignment: str, student: str) -> dict:
    """Autograde one submission (runs in the forked worker)."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    from .scan import flag_submission, student_lines

    start = time.monotonic()
    refused = refusal(course, config, assignment, student)
    if refused is not None:
        return refused
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    coursedir.student_id = student
    converter = Autograde(coursedir=coursedir, config=config)
    converter.force = True
    converter.create_student = True
    with quiet_nbgrader():
        outcome = capture_log(converter)
    log_file = course.autograded_dir / student / f"{assignment}.autograde.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text((outcome.get("log") or "") + (outcome.get("error") or ""), encoding="utf-8")

    statuses, flags = [], set()
    for name in course.notebooks(assignment):
        submitted = course.submitted_dir / student / assignment / f"{name}.ipynb"
        graded = course.autograded_dir / student / assignment / f"{name}.ipynb"
        released = course.release_dir / assignment / f"{name}.ipynb"
        source = course.source_dir / assignment / f"{name}.ipynb"
        if not submitted.exists():
            statuses.append(f"{name}.ipynb not submitted")
            continue
        try:
            sub_nb = nbformat.read(submitted, as_version=4)
            known = [nbformat.read(p, as_version=4) for p in (released, source) if p.exists()]
            flags.update(flag_submission(student_lines(sub_nb, *known)))
        except Exception as exc:  # noqa: BLE001 - an unreadable submission is reported, not fatal
            statuses.append(f"{name}.ipynb unreadable: {exc}")
            continue
        if graded.exists():
            incident, graded_flags = _incidents(nbformat.read(graded, as_version=4))
            if incident:
                statuses.append(incident if len(course.notebooks(assignment)) == 1 else f"{name}: {incident}")
            flags.update(graded_flags)
    result = {"student": student, "seconds": time.monotonic() - start, "log_file": str(log_file),
              "flags": sorted(flags), "tooling_error": False}
    if not outcome["success"]:
        errors = [line for line in (outcome.get("log") or "").splitlines() if line.startswith("[ERROR]")]
        result["tooling_error"] = True
        statuses.insert(0, "error: " + (errors[0][8:] if errors else "autograding failed") + f" (see {log_file})")
    # After a tooling error the gradebook still holds the previous run's scores: do not show them.
    result["score"], result["max_score"] = (None, None) if result["tooling_error"] else \
        _score_of(course, assignment, student)
    result["status"] = "; ".join(statuses) or "ok"
    return result


def _prctl(option: int, arg) -> None:
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(option, arg, 0, 0, 0)


def die_with_parent() -> None:
    """Linux: have this process killed (SIGKILL) when the thread that started it ends."""
    _prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG


def tie_to_parent() -> None:
    """Linux: name this forked process as its ``multiprocessing`` process (``autograde-<student>``,
    cut to 15 characters: what ``ps`` and ``pgrep`` show) and have it killed when the grading
    command dies, so a killed command leaves no worker grading on behind it."""
    _prctl(15, multiprocessing.current_process().name.encode()[:15])  # PR_SET_NAME
    die_with_parent()
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before the line above
        os._exit(1)


def worker_prologue() -> None:
    """First thing a forked grading worker does: its own process group, tied to the grading
    command (:func:`tie_to_parent`), and torch on one thread, so it never enters an OpenMP
    pool inherited from the parent (that hangs)."""
    os.setpgid(0, 0)
    tie_to_parent()
    if "torch" in sys.modules:
        from .judge import single_thread

        single_thread()


def _worker(course: Course, config, assignment: str, student: str, conn) -> None:
    from .zygote import lost_reason

    worker_prologue()
    try:
        result = grade_one(course, config, assignment, student)
    except BaseException as exc:  # noqa: BLE001 - report anything to the parent
        result = {"student": student, "tooling_error": True,
                  "status": f"error: {type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    if lost_reason():  # the warm-kernel server died under this submission: not the student's doing
        result = {"student": student, "zygote_lost": lost_reason()}
    conn.send(result)
    conn.close()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def autograde(course: Course, assignment: str, *, students: list[str] | None = None, unsafe: bool = False,
              jobs: int = 1, limits: Limits = Limits(), regrade: bool = False,
              progress: Callable[[SubmissionResult], None] | None = None,
              warm_kernels: bool | None = None, cluster: str | None = None,
              zygote_dir: str = "") -> list[SubmissionResult]:
    """Autograde the submissions of ``assignment`` (all students by default).

    ``cluster``: the address of a Dask scheduler (``tcp://host:8786``): each submission is graded
    on one of its workers, in a sandbox there, and the results are recorded here
    (:mod:`cnnlib.course.cluster`); ``jobs`` is then the workers' business, and ``warm_kernels``
    applies on the workers. ``zygote_dir``: with warm kernels, the runtime folder of a warm-kernel
    server that outlives this call (a cluster worker's), used instead of starting one.

    ``warm_kernels``: fork every kernel, each in its own sandbox, from one warm-kernel server
    (:mod:`cnnlib.course.zygote`); None = ``c.SandboxedKernelManager.warm_kernels`` of the
    course config, else :data:`WARM_KERNELS_DEFAULT`. Ignored with ``unsafe``.

    One grading command per course at a time: the run holds the course's grading lock
    (:func:`~cnnlib.course.locking.grading_session`). A submission an earlier run finished
    grading, unchanged since (:func:`grading_key`), is not graded again unless ``regrade``:
    its result comes back with ``earlier`` set. A worker that dies is replaced once.

    Raises :class:`~cnnlib.course.sandbox.SandboxUnavailable` when bubblewrap is
    missing and ``unsafe`` is false, :class:`~cnnlib.course.locking.CourseBusy` when
    another command grades the course, and :class:`CourseError` for an unknown
    assignment or student.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    course.require_assignment(assignment)
    if cluster is not None:
        if unsafe:
            raise CourseError("--unsafe and --cluster do not go together: the cluster's workers always "
                              "grade in the sandbox")
        from .cluster import grade_on_cluster

        ensure_gradebook(course.db_url)
        with grading_session(course, f"autograde {assignment} --cluster {cluster}") as run_dir:
            return grade_on_cluster(course, assignment, cluster, students=students, limits=limits,
                                    regrade=regrade, progress=progress, run_dir=run_dir,
                                    warm_kernels=warm_kernels)
    bwrap = "" if unsafe else check_sandbox()
    ensure_gradebook(course.db_url)
    with grading_session(course, f"autograde {assignment}"):
        return _grade_locked(course, assignment, students=students, unsafe=unsafe, bwrap=bwrap, jobs=jobs,
                             limits=limits, regrade=regrade, progress=progress, warm_kernels=warm_kernels,
                             zygote_dir=zygote_dir)


def _grade_locked(course: Course, assignment: str, *, students: list[str] | None, unsafe: bool, bwrap: str,
                  jobs: int, limits: Limits, regrade: bool,
                  progress: Callable[[SubmissionResult], None] | None,
                  warm_kernels: bool | None = None, zygote_dir: str = "") -> list[SubmissionResult]:
    """:func:`autograde` once the course is locked."""
    # Import everything the workers need before forking, so each one starts warm.
    from nbgrader.converters import Autograde  # noqa: F401
    from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: F401

    from . import preprocessors, scan  # noqa: F401

    students = students_to_grade(course, assignment, students)
    config = grading_config(course, assignment, unsafe=unsafe, bwrap=bwrap, limits=limits)
    plan_assignment(course, assignment)  # once here; the forked workers find the plans in memory
    warm_up(course, assignment, config, limits)
    pool = _WorkerPool(course, config, assignment, jobs=jobs,
                       hard_limit_s=limits.submission_timeout_s + WORKER_GRACE_S, progress=progress,
                       resume=not regrade)
    km = config.SandboxedKernelManager
    km.warm_kernels = not unsafe and wants_warm_kernels(config, warm_kernels)
    try:
        if km.warm_kernels and zygote_dir:
            km.zygote_dir = zygote_dir  # a server this call neither starts nor stops
        elif km.warm_kernels:
            pool.start_zygote(bwrap, limits)
        return pool.run(students)
    finally:
        pool.stop_zygote()


def wants_warm_kernels(config, warm_kernels: bool | None) -> bool:
    """``warm_kernels`` (``--warm-kernels``/``--no-warm-kernels``) if given, else
    ``SandboxedKernelManager.warm_kernels`` of ``config``, else :data:`WARM_KERNELS_DEFAULT`."""
    if warm_kernels is not None:
        return bool(warm_kernels)
    return bool(config.SandboxedKernelManager.get("warm_kernels", WARM_KERNELS_DEFAULT))


def students_to_grade(course: Course, assignment: str, students: list[str] | None) -> list[str]:
    """``students`` (all who submitted, by default), after checking the assignment is released
    and each named student has a submission."""
    from nbgrader.api import Gradebook, MissingEntry

    with quiet_nbgrader(), Gradebook(course.db_url, course.config.CourseDirectory.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"assignment {assignment!r} is not in the gradebook; "
                              f"run `cnnlib-course release {assignment}` first") from None
    available = find_students(course, assignment)
    for student in students or ():
        if student not in available:
            raise CourseError(f"no submission of {assignment!r} for student {student!r} in "
                              f"{course.submitted_dir / student / assignment}")
    return available if students is None else list(students)


def grading_key(course: Course, config, assignment: str, student: str) -> str:
    """What a grade depends on, hashed: the student's submitted files, the assignment's source
    and released notebooks, and the grading limits and sandbox setting of ``config``."""
    digest = hashlib.sha256()
    folder = course.submitted_dir / student / assignment
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder)}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    for name in course.notebooks(assignment):
        for path in (course.source_dir / assignment / f"{name}.ipynb", course.release_dir / assignment / f"{name}.ipynb"):
            digest.update(path.read_bytes() if path.is_file() else b"(none)")
    km = config.SandboxedKernelManager
    settings = [config.Execute.get("timeout"), config.SandboxedExecute.get("submission_timeout"),
                *(km.get(name) for name in ("sandbox", "memory_mb", "cpu_seconds", "file_size_mb", "tmpfs_mb", "nproc"))]
    digest.update(json.dumps(settings, default=str).encode())
    return digest.hexdigest()


def record_path(course: Course, assignment: str, student: str) -> Path:
    """The completion record of a student's grading, next to its nbgrader log."""
    return course.autograded_dir / student / f"{assignment}.graded.json"


def _save_record(path: Path, key: str, result: SubmissionResult) -> None:
    """Write the completion record atomically: a killed run leaves the old file or the new one."""
    import datetime

    record = {"key": key, "score": result.score, "max_score": result.max_score, "status": result.status,
              "flags": result.flags, "log_file": result.log_file,
              "finished": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(partial, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, path)


def forget_record(path: Path) -> None:
    """Remove a completion record (and what a killed write of one left) before grading again."""
    for stale in [path, *path.parent.glob(f".{path.name}.*.tmp")]:
        stale.unlink(missing_ok=True)


def finished_earlier(course: Course, config, assignment: str, student: str) -> SubmissionResult | None:
    """The result of an earlier run that finished grading this submission, if the submission, the
    assignment and the limits are unchanged since (:func:`grading_key`) and the gradebook and
    ``autograded/`` still hold it; else None."""
    try:
        record = json.loads(record_path(course, assignment, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != grading_key(course, config, assignment, student):
        return None
    score, max_score = _score_of(course, assignment, student)
    if record.get("score") is not None:  # graded (not refused): its outputs must still be there
        graded = course.autograded_dir / student / assignment
        submitted = course.submitted_dir / student / assignment
        if score is None or any((submitted / f"{n}.ipynb").exists() and not (graded / f"{n}.ipynb").exists()
                                for n in course.notebooks(assignment)):
            return None
    return SubmissionResult(student, score=score, max_score=max_score, earlier=True,
                            status=f"{record.get('status', 'ok')} (graded earlier)",
                            flags=list(record.get("flags", [])), log_file=record.get("log_file", ""))


class _WorkerPool:
    """At most ``jobs`` forked workers, one per submission. A worker that dies is replaced by a
    fresh one for its submission, once; a second death or a worker that outlives
    ``hard_limit_s`` costs its submission only (recorded as a tooling error / a kill). A
    submission graded to the end gets a completion record; with ``resume``, one that an earlier
    run finished (:func:`finished_earlier`) is not graded again."""

    def __init__(self, course: Course, config, assignment: str, *, jobs: int, hard_limit_s: float,
                 progress: Callable[[SubmissionResult], None] | None, resume: bool = True) -> None:
        self.course, self.config, self.assignment = course, config, assignment
        self.jobs, self.hard_limit_s, self.progress, self.resume = jobs, hard_limit_s, progress, resume
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.running: dict = {}
        self.results: dict[str, SubmissionResult] = {}
        self.died: dict[str, int | None] = {}  # student -> exit code of the worker that died
        self.zygote, self.zygote_args, self.zygote_retries = None, None, {}

    def start_zygote(self, bwrap: str, limits: Limits) -> bool:
        """Start the warm-kernel server the workers' kernels are forked from (True); if it cannot
        start, say so on stderr and let the workers start their kernels cold (False)."""
        from .zygote import ZygoteServer, ZygoteUnavailable

        km = self.config.SandboxedKernelManager
        self.zygote_args = (bwrap, limits)
        server = ZygoteServer(bwrap, limits, list(km.get("preload", [])), km.get("pycache", ""))
        try:
            server.start()
        except ZygoteUnavailable as exc:
            print(f"cnnlib-course: {exc}; grading with cold sandboxed kernels", file=sys.stderr, flush=True)
            km.zygote_dir = ""
            return False
        self.zygote = server
        km.zygote_dir = server.runtime_dir  # the workers forked from now on use it
        return True

    def stop_zygote(self) -> None:
        if self.zygote is not None:
            self.zygote.stop()
            self.zygote = None
        self.config.SandboxedKernelManager.zygote_dir = ""

    def _zygote_lost(self, student: str, reason: str) -> bool:
        """The warm-kernel server died under ``student``'s kernel: restart it if it is down and grade
        the submission again in a fresh worker (False once that happened MAX_RETRIES times)."""
        from .zygote import MAX_RETRIES

        tries = self.zygote_retries[student] = self.zygote_retries.get(student, 0) + 1
        if tries > MAX_RETRIES:
            return False
        print(f"cnnlib-course: the warm-kernel server was lost while grading {student} ({reason}); "
              f"grading {student} again (retry {tries} of {MAX_RETRIES})", file=sys.stderr, flush=True)
        if self.zygote is not None and not self.zygote.alive():
            self.stop_zygote()
            self.start_zygote(*self.zygote_args)
        del self.running[student]
        self._start(student)
        return True

    def run(self, students: list[str]) -> list[SubmissionResult]:
        pending = deque(students)
        while pending or self.running:
            while pending and len(self.running) < self.jobs:
                student = pending.popleft()
                earlier = finished_earlier(self.course, self.config, self.assignment, student) \
                    if self.resume else None
                if earlier is not None:
                    self._report(earlier)
                else:
                    self._start(student)
            if not self.running:
                continue
            waitables = [e["conn"] for e in self.running.values() if e["data"] is None] + \
                        [e["proc"].sentinel for e in self.running.values()]
            multiprocessing.connection.wait(waitables, timeout=1.0)
            for student, entry in list(self.running.items()):
                self._poll(student, entry)
        return [self.results[s] for s in students]

    def _start(self, student: str) -> None:
        key = grading_key(self.course, self.config, self.assignment, student)
        forget_record(record_path(self.course, self.assignment, student))  # not finished until it is
        receiver, sender = self.context.Pipe(duplex=False)
        proc = self.context.Process(target=_worker, name=f"autograde-{student}", daemon=False,
                                    args=(self.course, self.config, self.assignment, student, sender))
        proc.start()
        sender.close()
        self.running[student] = {"proc": proc, "conn": receiver, "start": time.monotonic(), "data": None,
                                 "key": key}

    def _poll(self, student: str, entry: dict) -> None:
        proc, conn = entry["proc"], entry["conn"]
        if entry["data"] is None and conn.poll():
            try:
                entry["data"] = conn.recv()
            except (EOFError, OSError):
                entry["data"] = None
        if not proc.is_alive():
            proc.join()
            conn.close()
            if entry["data"] is None and student not in self.died:
                self._retry(student, proc.exitcode)
                return
            again = " (also on its retry)" if student in self.died else ""
            self._finish(student, entry["data"], f"error: worker died with exit code {proc.exitcode}{again}",
                         tooling_error=True)
        elif time.monotonic() - entry["start"] > self.hard_limit_s:
            _kill_group(proc.pid)
            proc.join()
            conn.close()
            self._finish(student, None, f"killed after {self.hard_limit_s} s (hard limit); regrade it")

    def _retry(self, student: str, exitcode: int | None) -> None:
        """Grade again, in a fresh worker, a submission whose worker died without a result."""
        self.died[student] = exitcode
        del self.running[student]
        self._start(student)

    def _finish(self, student: str, data: dict | None, status: str = "", tooling_error: bool = False) -> None:
        if data is not None and data.get("zygote_lost"):
            if self._zygote_lost(student, data["zygote_lost"]):
                return
            data = {"tooling_error": True, "status": "error: the warm-kernel server was lost each time this "
                    f"submission was graded ({data['zygote_lost']}); grade it again"}
        entry = self.running.pop(student)
        elapsed = time.monotonic() - entry["start"]
        if data is None:
            result = SubmissionResult(student, status=status, seconds=elapsed, tooling_error=tooling_error)
            result.score, result.max_score = _score_of(self.course, self.assignment, student)
        else:
            result = record_result(self.course, self.assignment, student, data, entry["key"], elapsed)
        if student in self.died:
            result.flags = [*result.flags, f"graded again: its first worker died (exit code {self.died[student]})"]
        self._report(result)

    def _report(self, result: SubmissionResult) -> None:
        self.results[result.student] = result
        if self.progress is not None:
            self.progress(result)


def record_result(course: Course, assignment: str, student: str, data: dict, key: str,
                  seconds: float) -> SubmissionResult:
    """The result a grading worker reported (:func:`grade_one`'s dict), with its completion record
    written when it was graded to the end (keyed by :func:`grading_key`)."""
    result = SubmissionResult(student, score=data.get("score"), max_score=data.get("max_score"),
                              status=data.get("status", "ok"), flags=data.get("flags", []),
                              seconds=seconds, tooling_error=data.get("tooling_error", False),
                              log_file=data.get("log_file", ""))
    if not result.tooling_error:
        _save_record(record_path(course, assignment, student), key, result)
    return result


def _score_of(course: Course, assignment: str, student: str) -> tuple[float | None, float | None]:
    from nbgrader.api import Gradebook

    with quiet_nbgrader(), Gradebook(course.db_url, course.config.CourseDirectory.course_id) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except Exception:  # noqa: BLE001 - MissingEntry
            return None, None
        return float(submission.score), float(submission.max_score)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}"


class ProgressLine:
    """A ``progress`` callback for :func:`autograde` that prints one line per submission as it is
    graded (to stderr by default): how many of ``total``, the student, the score and status, and,
    from the pace of the submissions graded so far in this run, about how long the rest will take."""

    def __init__(self, total: int, stream=None) -> None:
        self.total, self.stream, self.start = total, stream, time.monotonic()
        self.done = self.graded = 0

    def __call__(self, result: SubmissionResult) -> None:
        self.done += 1
        self.graded += not result.earlier
        score = f"{_fmt(result.score)}/{_fmt(result.max_score)}" if result.max_score is not None else "-"
        line = f"[{self.done}/{self.total}] {result.student}: {score} {result.status}"
        left = self.total - self.done
        if left and self.graded:
            per_submission = (time.monotonic() - self.start) / self.graded
            line += f" (about {_duration(per_submission * left)} left)"
        print(line, file=self.stream or sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min" if seconds < 5400 else \
        f"{seconds / 3600:.1f} h"


def format_table(results: list[SubmissionResult]) -> str:
    """The summary table ``student | score | max | status | flags | seconds``."""
    rows = [("student", "score", "max", "status", "flags", "seconds")]
    rows += [(r.student, _fmt(r.score), _fmt(r.max_score), r.status, ", ".join(r.flags) or "-", f"{r.seconds:.1f}")
             for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
