"""Grading on a Dask cluster: ``cnnlib-course autograde ASSIGNMENT --cluster tcp://HOST:8786``.

For the course that outgrows one machine. The engine is Dask distributed: a university's IT can
run it in an afternoon (``pip install 'cnnlib[course,cluster]'`` and bubblewrap on each machine,
then ``dask scheduler`` on one and ``dask worker tcp://HOST:8786`` on the others; it also runs on
Kubernetes, Slurm, PBS and SGE through dask-kubernetes and dask-jobqueue), it needs no shared
filesystem, and it reschedules the tasks of a worker that dies. It schedules; we don't.

The **coordinator** is the machine with the course folder and the gradebook, where the command
runs. It holds the course's grading locks (:func:`~cnnlib.course.locking.grading_session`),
sends each worker one bundle per assignment (:func:`course_bundle`: the instructor's source
notebooks, the released ones, the course settings and a gradebook of its own with just that
assignment) and one task per submission (the student's submitted files). It alone writes the
gradebook: for each graded notebook that comes back, it runs nbgrader's own ``Autograde``
pipeline with :class:`RemoteExecuted` in place of the sandboxed execution (sanitizing again,
then the judge's verdicts of the returned notebook become the grades, late penalties and all),
and writes the completion record, so a killed or repeated run behaves as a local one.

A **worker** (:func:`grade_submission`) grades each submission as ``cnnlib-course autograde``
would on that machine: in a process of its own (:func:`main`; forked from a fork server that
imported the grader once, or a fresh Python under a daemonic worker), in the bundle's scratch
course with its own SQLite gradebook, the student's code in bubblewrap; it sends back the
autograded notebooks, the log and the result. With ``--warm-kernels`` each worker forks the
kernels from a warm-kernel server (:mod:`cnnlib.course.zygote`) that it keeps between tasks. A
worker killed mid-submission takes its grading process and kernel with it; the scheduler gives
the task to another worker.

Start the workers with ``dask worker tcp://HOST:8786 --nthreads CORES --no-nanny`` (or keep the
nanny and set ``DASK_DISTRIBUTED__WORKER__DAEMON=False``): a daemonic worker may not have child
processes of its own, so each grading process is then a fresh Python (about 4 s more per submission).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from .config import GRADEBOOK_ENV, Course, CourseError
from .sandbox import Limits

__all__ = ["CONNECT_TIMEOUT_S", "WORKERS_TIMEOUT_S", "RemoteExecuted", "connect", "course_bundle",
           "grade_on_cluster", "grade_submission"]

#: Seconds to reach the scheduler, and to wait for a first worker to join it.
CONNECT_TIMEOUT_S = 20
WORKERS_TIMEOUT_S = 120
#: Seconds a worker's grading process may take beyond the submission's own limit.
PROCESS_GRACE_S = 240
#: The grading process's result, in its task folder.
RESULT_NAME = "result.json"
_PARENT_ENV = "CNNLIB_CLUSTER_PARENT"


# --------------------------------------------------------------------------- the coordinator
def connect(address: str):
    """A Dask client of the scheduler at ``address`` with at least one worker (CourseError if not)."""
    try:
        from distributed import Client
    except ImportError:
        raise CourseError("grading on a cluster needs Dask distributed: pip install 'cnnlib[course,cluster]' "
                          "(on this machine and on every worker)") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CourseError(f"cannot reach the Dask scheduler at {address!r}: {exc}. Start one with "
                          "`dask scheduler` on a machine the workers can reach, and workers with "
                          "`dask worker tcp://HOST:8786` on each grading machine; then pass that address "
                          "to --cluster") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except TimeoutError:
        client.close()
        raise CourseError(f"no worker joined the Dask scheduler at {address} within {WORKERS_TIMEOUT_S} s: "
                          f"start `dask worker {address}` on each grading machine") from None
    return client


def course_bundle(course: Course, assignment: str) -> bytes:
    """What a worker needs to grade ``assignment`` (a gzipped tar): ``nbgrader_config.py``,
    ``solutions/<assignment>`` (the judge plans from it), ``exercises/<assignment>`` (the notebooks the
    students got) and ``gradebook.db``, a gradebook with the assignment released from the same sources."""
    from .release import release
    from .verify import scratch_course

    released = course.release_dir / assignment
    if not released.is_dir():
        raise CourseError(f"{released} does not exist: run `cnnlib-course release {assignment}` first")
    with tempfile.TemporaryDirectory(prefix="cnnlib-bundle-") as tmp:
        scratch = scratch_course(course, [assignment], Path(tmp))
        release(scratch, [assignment])
        shutil.rmtree(scratch.release_dir / assignment)
        shutil.copytree(released, scratch.release_dir / assignment,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path in sorted(Path(tmp).rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=path.relative_to(tmp).as_posix())
        return buffer.getvalue()


def _submission_files(course: Course, assignment: str, student: str) -> dict[str, bytes]:
    folder = course.submitted_dir / student / assignment
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def recording_config(course: Course, assignment: str, limits: Limits, results_dir: Path):
    """The course's grading configuration with :class:`RemoteExecuted` in place of the execution."""
    from .autograde import grading_config

    config = grading_config(course, assignment, unsafe=False, bwrap="", limits=limits)
    steps = list(config.Autograde.autograde_preprocessors)
    config.Autograde.autograde_preprocessors = [
        f"{__name__}.RemoteExecuted" if p.endswith(".SandboxedExecute") else p for p in steps]
    config.RemoteExecuted.results_directory = str(results_dir)
    return config


def grade_on_cluster(course: Course, assignment: str, address: str, *, students: list[str] | None,
                     limits: Limits, regrade: bool, progress: Callable | None, run_dir: Path,
                     warm_kernels: bool | None = None) -> list:
    """:func:`~cnnlib.course.autograde.autograde` with ``cluster=address``, once the course is locked."""
    import cnnlib

    from .autograde import finished_earlier, refusal, students_to_grade, wants_warm_kernels

    students = students_to_grade(course, assignment, students)
    config = recording_config(course, assignment, limits, run_dir / "remote")
    warm = wants_warm_kernels(config, warm_kernels)
    results: dict[str, object] = {}

    def report(result) -> None:
        results[result.student] = result
        if progress is not None:
            progress(result)

    todo = []
    for student in students:
        earlier = None if regrade else finished_earlier(course, config, assignment, student)
        if earlier is not None:
            report(earlier)
        elif refusal(course, config, assignment, student) is not None:
            report(_record(course, config, assignment, student, None, run_dir))
        else:
            todo.append(student)
    if todo:
        from distributed import as_completed

        client = connect(address)  # first: an unreachable scheduler is reported at once
        try:
            batch, waiting, futures = uuid.uuid4().hex[:8], list(reversed(todo)), {}
            shipped = client.submit(_bundle, course_bundle(course, assignment), pure=False,
                                    key=f"cnnlib-bundle-{assignment}-{batch}")

            def submit() -> object:  # a submission's files travel with its task, when it is sent
                student = waiting.pop()
                future = client.submit(grade_submission, shipped, _submission_files(course, assignment, student),
                                       assignment, student, dataclasses.asdict(limits), cnnlib.__version__,
                                       warm, pure=False, key=f"cnnlib-grade-{assignment}-{student}-{batch}")
                futures[future] = student
                return future

            # A window of tasks in flight, a few per worker thread, not the whole class at once: the
            # scheduler holds every task's arguments.
            window = max(8, 4 * sum(client.nthreads().values()))
            pending = as_completed([submit() for _ in range(min(window, len(waiting)))], loop=client.loop)
            for future in pending:
                if waiting:
                    pending.add(submit())
                report(_record(course, config, assignment, futures.pop(future), _outcome(future), run_dir))
        finally:
            client.close()
    return [results[s] for s in students]


def _bundle(bundle: bytes) -> bytes:
    """The assignment's bundle as a task's result, not scattered data: the scheduler keeps the task,
    so a bundle lost with the worker that held it is made again on another (scattered data would
    be lost for good, and every submission waiting for it with it)."""
    return bundle


def _outcome(future) -> dict:
    """What a worker sent back; a tooling error when the cluster could not grade it."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost scheduler, ...: this submission only
        name = type(exc).__name__
        why = ("every worker that took it died (Dask allows distributed.scheduler.allowed-failures deaths)"
               if name == "KilledWorker" else f"{name}: {exc}")
        return {"tooling_error": True, "status": f"error: the cluster could not grade it: {why}", "seconds": 0.0}


def _record(course: Course, config, assignment: str, student: str, remote: dict | None, run_dir: Path):
    """Record one submission in the gradebook: nbgrader's pipeline with the notebooks graded on the
    cluster (:class:`RemoteExecuted`); ``remote`` None grades a refused submission (nothing runs)."""
    from .autograde import SubmissionResult, grade_one, forget_record, grading_key, record_path, record_result

    key = grading_key(course, config, assignment, student)
    forget_record(record_path(course, assignment, student))
    remote = remote or {}
    log_file = course.autograded_dir / student / f"{assignment}.autograde.log"
    kernel = f", {remote['kernel']} kernel" if remote.get("kernel") else ""
    worker = f"graded on {remote.get('worker', 'the cluster')} in {remote.get('seconds', 0.0):.1f} s{kernel}"
    if remote.get("tooling_error"):
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(f"{worker}: {remote.get('status')}\n{remote.get('log', '')}", encoding="utf-8")
        return SubmissionResult(student, status=remote.get("status", "error"), tooling_error=True,
                                seconds=remote.get("seconds", 0.0), log_file=str(log_file))
    folder = run_dir / "remote" / student
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in remote.get("notebooks", {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    try:
        data = grade_one(course, config, assignment, student)
    except Exception as exc:  # noqa: BLE001 - this submission only
        data = {"tooling_error": True, "status": f"error: recording the cluster's result failed: "
                                                 f"{type(exc).__name__}: {exc}"}
    if remote and log_file.exists():
        log_file.write_text(f"--- {worker}:\n{remote.get('log', '')}\n--- recorded on the coordinator:\n"
                            f"{log_file.read_text(encoding='utf-8')}", encoding="utf-8")
    return record_result(course, assignment, student, data, key, remote.get("seconds", data.get("seconds", 0.0)))


def _cells(nb: nbformat.NotebookNode) -> list[tuple]:
    return [(c.cell_type, c.source, c.get("metadata", {}).get("nbgrader", {}).get("grade_id")) for c in nb.cells]


class RemoteExecuted(NbGraderPreprocessor):
    """In place of the sandboxed execution: the notebook as a cluster worker executed and judged it.

    The cells must be those of the submission as sanitized here (same types, sources and grade
    ids): a worker with another version of the assignment or of cnnlib cannot slip in other
    grades. The judge's verdicts are read back from the test cells' outputs, where the worker's
    grader (never the student's kernel) wrote them.
    """

    results_directory = Unicode("", help="Folder of the notebooks graded on the cluster: "
                                          "<student>/<notebook>.ipynb").tag(config=True)

    def preprocess(self, nb, resources):
        from . import judge

        info = resources["nbgrader"]
        path = Path(self.results_directory) / info["student"] / f"{info['notebook']}.ipynb"
        if not path.is_file():
            raise RuntimeError(f"the cluster sent back no graded {info['notebook']}.ipynb for {info['student']}")
        graded = nbformat.read(path, as_version=4)
        if _cells(graded) != _cells(nb):
            raise RuntimeError("the notebook graded on the cluster does not match the submission as released "
                               "here: make sure every worker runs the same cnnlib version, and release the "
                               "assignment again (cnnlib-course release) if its sources changed")
        verdicts = resources.setdefault("cnnlib_verdicts", {})
        for cell in graded.cells:
            verdict = judge.verdict_of_cell(cell) if judge.is_test_cell(cell) else None
            if verdict is not None:
                verdicts[cell.metadata["nbgrader"]["grade_id"]] = verdict
        return graded, resources


# --------------------------------------------------------------------------- a worker
_BUNDLES: dict[str, Path] = {}
_BUNDLES_LOCK = threading.Lock()


def _unpacked(bundle: bytes) -> Path:
    """The bundle unpacked once per worker process (a folder under the temporary folder)."""
    digest = hashlib.sha256(bundle).hexdigest()[:16]
    with _BUNDLES_LOCK:
        if digest in _BUNDLES and _BUNDLES[digest].is_dir():
            return _BUNDLES[digest]
        folder = Path(tempfile.mkdtemp(prefix=f"cnnlib-bundle-{digest}-"))
        with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(folder, filter="data")
            else:  # Python < 3.10.12: the bundle comes from the coordinator, never from a student
                tar.extractall(folder)  # noqa: S202
        _BUNDLES[digest] = folder
        return folder


def _worker_name() -> str:
    """This Dask worker, as the grading log names it."""
    try:
        from distributed import get_worker

        worker = get_worker()
        return f"Dask worker {worker.name} ({worker.address}) on {socket.gethostname()}"
    except (ImportError, ValueError):  # not inside a Dask task
        return socket.gethostname()


def _failed(status: str, start: float, log: str = "") -> dict:
    return {"tooling_error": True, "status": f"error: {status}", "log": log, "worker": _worker_name(),
            "seconds": time.monotonic() - start}


class _WarmKernels:
    """The warm-kernel servers of this worker process (:mod:`cnnlib.course.zygote`), kept from one
    task to the next: one per set of preloaded modules and limits, at most :attr:`KEEP` (the
    oldest is stopped). They are started and stopped by a thread of their own that lives as long
    as the worker: bubblewrap's ``--die-with-parent`` ties a server to the thread that started
    it, so a server dies with its worker, never with a task's thread."""

    KEEP = 2

    def __init__(self) -> None:
        import queue

        self.servers: dict[tuple, object] = {}
        self.requests: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def runtime_dir(self, preload: list[str], limits: Limits) -> str:
        """The runtime folder of a live server for ``preload`` and ``limits`` ("" if none can start)."""
        import queue

        key = (tuple(preload), dataclasses.astuple(limits))
        with self.lock:
            server = self.servers.get(key)
            if server is not None and server.alive():
                return server.runtime_dir
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._serve, name="cnnlib-warm-kernels", daemon=True)
                self.thread.start()
            answer: queue.Queue = queue.Queue(maxsize=1)
            self.requests.put((key, preload, limits, answer))
            return answer.get()

    def _serve(self) -> None:
        while True:
            key, preload, limits, answer = self.requests.get()
            try:
                answer.put(self._start(key, preload, limits))
            except Exception as exc:  # noqa: BLE001 - the task grades with cold kernels instead
                print(f"cnnlib: no warm-kernel server on this worker ({exc}); grading with cold kernels",
                      file=sys.stderr, flush=True)
                answer.put("")

    def _start(self, key: tuple, preload: list[str], limits: Limits) -> str:
        from .sandbox import check_sandbox, warm_pycache
        from .zygote import ZygoteServer

        stale = self.servers.pop(key, None)
        if stale is not None:
            stale.stop()
        while len(self.servers) >= self.KEEP:
            self.servers.pop(next(iter(self.servers))).stop()
        pycache = warm_pycache(preload)
        server = ZygoteServer(check_sandbox(), limits, preload, str(pycache) if pycache else "")
        server.start()
        self.servers[key] = server
        return server.runtime_dir


_WARM = _WarmKernels()


@atexit.register
def _clean_up_worker() -> None:
    """When the worker exits normally: stop its warm-kernel servers and remove the bundles it
    unpacked (a killed worker's servers die with it; its folders stay in its temporary folder)."""
    for server in list(_WARM.servers.values()):
        server.stop()
    _WARM.servers.clear()
    for folder in _BUNDLES.values():
        shutil.rmtree(folder, ignore_errors=True)
    _BUNDLES.clear()


def grade_submission(bundle: bytes, files: dict[str, bytes], assignment: str, student: str, limits: dict,
                     version: str, warm: bool = False) -> dict:
    """Grade one submission on this worker (a Dask task); see the module's docstring.

    ``warm``: fork its kernel from this worker's warm-kernel server for the assignment (started
    at the first such task, kept for the next ones), else start it cold.
    Returns the result (:class:`~cnnlib.course.autograde.SubmissionResult`'s fields), the
    autograded notebooks (``notebooks``: name -> bytes), the grading log, the worker's name and
    the kind of kernel (``kernel``: warm or cold).
    """
    import cnnlib

    start = time.monotonic()
    if cnnlib.__version__ != version:
        return _failed(f"{_worker_name()} runs cnnlib {cnnlib.__version__} and the coordinator "
                       f"{version}: install the same version on every machine", start)
    task = Path(tempfile.mkdtemp(prefix="cnnlib-task-"))
    try:
        course_dir = task / "course"
        shutil.copytree(_unpacked(bundle), course_dir)
        folder = course_dir / "submitted" / student / assignment
        for name, data in files.items():
            target = (folder / name).resolve()
            if not target.is_relative_to(folder.resolve()):
                return _failed(f"submitted file name {name!r} points outside the submission", start)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        zygote_dir = _WARM.runtime_dir(_preload(course_dir, assignment), Limits(**limits)) if warm else ""
        outcome = _run_grader(course_dir, assignment, student, limits, start, zygote_dir)
        graded = course_dir / "autograded" / student / assignment
        outcome["notebooks"] = {p.name: p.read_bytes() for p in sorted(graded.glob("*.ipynb"))}
        log = course_dir / "autograded" / student / f"{assignment}.autograde.log"
        outcome["log"] = outcome.get("log", "") + (log.read_text(encoding="utf-8", errors="replace")
                                                  if log.is_file() else "")
        outcome.update(worker=_worker_name(), seconds=time.monotonic() - start,
                       kernel="warm" if zygote_dir else "cold")
        return outcome
    finally:
        shutil.rmtree(task, ignore_errors=True)


#: What the grading processes' fork server imports once (a grading process then starts in
#: milliseconds instead of the seconds these imports take).
PRELOAD = ["cnnlib.course.cluster", "cnnlib.course.autograde", "cnnlib.course.preprocessors",
           "cnnlib.course.release", "nbgrader.converters", "nbgrader.api"]
_CONTEXT_LOCK = threading.Lock()


def _fork_server():
    """The multiprocessing context whose fork server (one per worker process, started at the
    first submission, single-threaded) has imported :data:`PRELOAD`."""
    import multiprocessing

    with _CONTEXT_LOCK:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context


def _preload(course_dir: Path, assignment: str) -> list[str]:
    from .autograde import preload_modules
    from .verify import load_scratch

    return preload_modules(load_scratch(course_dir), assignment)


def _run_grader(course_dir: Path, assignment: str, student: str, limits: dict, start: float,
                zygote_dir: str = "") -> dict:
    """Run :func:`main` in a process of its own: forked from the fork server (never from the
    worker, which runs threads), or, in a daemonic worker (``dask worker`` under its nanny, which
    may not have child processes of its own), started afresh."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return _run_grader_process(course_dir, assignment, student, limits, start, zygote_dir)
    limit_s = limits["submission_timeout_s"] + PROCESS_GRACE_S
    proc = _fork_server().Process(target=_grade_in_child, name=f"grade-{student}",
                                  args=(str(course_dir), assignment, student, json.dumps(limits), zygote_dir))
    try:
        proc.start()
    except OSError as exc:  # e.g. a temporary folder whose path is too long for the server's socket
        print(f"cnnlib: no grading fork server on this worker ({exc}); starting each grading process afresh",
              file=sys.stderr, flush=True)
        return _run_grader_process(course_dir, assignment, student, limits, start, zygote_dir)
    proc.join(limit_s)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return _failed(f"killed after {limit_s} s (hard limit on the worker); regrade it", start)
    return _result(course_dir, proc.exitcode, "", start)


def _grade_in_child(folder: str, assignment: str, student: str, limits: str, zygote_dir: str) -> None:
    from .autograde import die_with_parent

    die_with_parent()  # the fork server, which ends with the worker
    os.environ.pop(GRADEBOOK_ENV, None)
    main([folder, assignment, student, limits, zygote_dir])


def _result(course_dir: Path, exitcode: int | None, output: str, start: float) -> dict:
    try:
        return json.loads((course_dir / RESULT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _failed(f"the grading process on the worker ended with exit code {exitcode} and no result",
                       start, output[-4000:])


def _run_grader_process(course_dir: Path, assignment: str, student: str, limits: dict, start: float,
                        zygote_dir: str = "") -> dict:
    """:func:`main` in a new Python process (``python -m cnnlib.course.cluster``)."""
    env = {k: v for k, v in os.environ.items() if k != GRADEBOOK_ENV}
    env[_PARENT_ENV] = str(os.getpid())
    argv = [sys.executable, "-m", __name__, str(course_dir), assignment, student, json.dumps(limits), zygote_dir]
    proc = subprocess.Popen(argv, env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    limit_s = limits["submission_timeout_s"] + PROCESS_GRACE_S
    try:
        output, _ = proc.communicate(timeout=limit_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        return _failed(f"killed after {limit_s} s (hard limit on the worker); regrade it", start, output[-4000:])
    return _result(course_dir, proc.returncode, output, start)


def main(argv: list[str] | None = None) -> int:
    """``python -m cnnlib.course.cluster COURSE_DIR ASSIGNMENT STUDENT LIMITS_JSON [ZYGOTE_DIR]``: grade
    one submission in a bundle's scratch course, sandboxed (its kernel forked from the warm-kernel
    server at ZYGOTE_DIR, else cold), and write ``COURSE_DIR/result.json``."""
    from .autograde import autograde, die_with_parent
    from .verify import load_scratch

    folder, assignment, student, limits, *rest = argv if argv is not None else sys.argv[1:]
    zygote_dir = rest[0] if rest else ""
    die_with_parent()  # a killed worker takes its grading process with it
    if os.environ.get(_PARENT_ENV) and os.getppid() != int(os.environ[_PARENT_ENV]):
        return 1  # the worker died before the line above
    try:
        results = autograde(load_scratch(Path(folder)), assignment, students=[student], jobs=1,
                            limits=Limits(**json.loads(limits)), regrade=True, warm_kernels=bool(zygote_dir),
                            zygote_dir=zygote_dir)
        data = dataclasses.asdict(results[0])
    except Exception as exc:  # noqa: BLE001 - reported to the coordinator as this submission's error
        data = {"student": student, "tooling_error": True,
                "status": f"error on the worker: {type(exc).__name__}: {exc}"}
    partial = Path(folder) / f".{RESULT_NAME}.tmp"
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, Path(folder) / RESULT_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
