"""nbgrader preprocessors of the course's grading pipeline.

Sanitizing (trusted, before anything runs):

* :class:`RestoreCells`: rebuilds every cell's metadata. Cells the instructor wrote
  (locked cells, test cells) get their metadata and tags back from the released
  notebook and their nbgrader metadata from the gradebook; answer cells keep only
  their nbgrader metadata and cells the student added keep none, so inflated
  points, changed ``grade_id``s, duplicated ids, ``skip-execution`` or
  ``raises-exception`` tags cannot survive. Test cells the student deleted are put
  back. Every locked cell's source comes from the gradebook; one that differs from the
  released notebook is recorded (the submission is flagged ``edited locked cells``,
  one log line), so nbgrader's ``OverwriteCells`` has nothing left to warn about for
  honest submissions (its checksum warnings fired for every test cell with hidden
  tests). The outputs the student submitted are kept aside, cut to a small size, for
  the feedback.

Autograding:

* :class:`SandboxedExecute`: runs the notebook in a sandboxed kernel
  (:class:`~cnnlib.course.sandbox.SandboxedKernelManager`) with a per-cell timeout,
  a per-submission wall-clock limit and a cap on the output kept. Each test cell is
  replaced by a probe cell (:mod:`cnnlib.course.probe`) and its answers are judged
  outside the kernel (:mod:`cnnlib.course.judge`); the verdict becomes the test
  cell's only output. A kernel that dies or hangs ends the run for that submission
  only: the remaining cells are marked as not executed.
* :class:`SaveJudgedGrades`: writes each test cell's score from the judge's
  verdict, never from what the kernel printed, raised or displayed.

Feedback:

* :class:`FeedbackFromVerdicts`: test cells show their visible code and the
  judge's verdict in words (hidden checks: their name and what is wrong, never the
  hidden code or expected values); other cells show what the student submitted,
  cut to a small size. Nothing the kernel printed while grading reaches the
  feedback.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from time import monotonic

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbconvert.exporters.exporter import ResourcesDict
from nbconvert.preprocessors.execute import NotebookClient
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, SaveAutoGrades
from traitlets import Bool, Enum, Integer, Unicode

from . import judge, zygote
from .sandbox import SandboxedKernelManager

__all__ = ["FeedbackFromVerdicts", "INCIDENT_NAMES", "RestoreCells", "SandboxedExecute", "SaveJudgedGrades"]

#: ``ename`` of the error outputs this pipeline writes (the autograder reads them back).
INCIDENT_NAMES = {
    "CellTimeoutError": "timed out",
    "KernelDied": "kernel died",
    "KernelUnresponsive": "kernel unresponsive",
    "NotExecuted": "not executed",
    "OutputLimit": "output limit",
}
#: Where the grader keeps its own records in an autograded notebook's metadata.
META_KEY = "cnnlib"
#: Per cell and per notebook, the most bytes of a student's own submitted output shown in feedback.
FEEDBACK_CELL_BYTES = 4000
FEEDBACK_TOTAL_BYTES = 200_000
FEEDBACK_IMAGE_BYTES = 300_000


def _log_tail(km) -> str:
    """The last lines the kernel process wrote (e.g. why it could not start), on one line."""
    getter = getattr(km, "kernel_log", None)
    text = getter(3000) if getter else ""
    # ipykernel's start-up banner about Ctrl-C is not news.
    lines = [line for line in text.splitlines() if line.strip() and not any(
        banner in line for banner in ("Ctrl-C will not work", "To exit, you will have to", '"quit" from a client',
                                      "To read more about this, see"))]
    return " ".join(" ".join(lines).split())[-600:]


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


def _course_folder(config, setting: str, assignment: str) -> str:
    """``<CourseDirectory.root>/<CourseDirectory.<setting>>/<assignment>`` (for plain ``nbgrader`` runs)."""
    course = config.CourseDirectory
    return os.path.join(course.get("root", "."), course.get(setting, ""), assignment)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value if isinstance(value, str) else ""


def kept_outputs(outputs, budget: list[int]) -> list[dict]:
    """A student's submitted outputs cut for feedback: text and PNG/JPEG images only, within ``budget``
    (a one-item list of bytes left for the whole notebook, decreased here)."""
    kept, used = [], 0
    for output in outputs if isinstance(outputs, list) else []:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            text = _text(output.get("text"))
        elif kind == "error":
            text = f"{str(output.get('ename', ''))[:100]}: {str(output.get('evalue', ''))[:500]}"
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            image = next((m for m in ("image/png", "image/jpeg") if isinstance(data.get(m), str)), None)
            if image and len(data[image]) <= FEEDBACK_IMAGE_BYTES and len(data[image]) <= budget[0]:
                budget[0] -= len(data[image])
                kept.append({"output_type": "display_data", "metadata": {}, "data": {image: data[image]}})
                continue
            text = _text(data.get("text/plain"))
        else:
            continue
        room = min(FEEDBACK_CELL_BYTES - used, budget[0])
        if room <= 0:
            break
        if len(text) > room:
            text = text[:room] + "\n[output cut]\n"
        used += len(text)
        budget[0] -= len(text)
        kept.append({"output_type": "stream", "name": "stdout", "text": text})
    return kept


def _normalized(text) -> str:
    """Cell text compared for edits: line endings, trailing spaces and blank edge lines ignored."""
    text = "".join(text) if isinstance(text, list) else str(text or "")
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").splitlines()).strip("\n")


def _retyped(cell: NotebookNode, cell_type: str, nb: NotebookNode) -> NotebookNode:
    """``cell`` made a fresh cell of the instructor's ``cell_type``: its source only, no
    outputs or attachments of the other type (nbgrader refuses a code cell with attachments)."""
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell}[cell_type]
    fresh = make(cell.get("source", ""))
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        fresh.pop("id", None)
    elif isinstance(cell.get("id"), str):
        fresh["id"] = cell["id"]
    return fresh


class RestoreCells(NbGraderPreprocessor):
    """Make every cell's metadata the instructor's; re-add deleted test cells; keep submitted outputs aside."""

    source_directory = Unicode(
        "", help="Folder of the instructor's source notebooks of this assignment (for cell order)."
    ).tag(config=True)
    release_directory = Unicode(
        "", help="Folder of the released notebooks of this assignment (metadata and tags of locked cells)."
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            source = {c.name: (c.cell_type, c.locked, c.checksum, c.source) for c in notebook.source_cells}
            points = {c.name: float(c.max_score) for c in notebook.grade_cells}
            solutions = {c.name for c in notebook.solution_cells}
            tasks = {c.name for c in notebook.task_cells}
        released = self._released(info["notebook"], info["assignment"])
        released_cells = {c["metadata"]["nbgrader"]["grade_id"]: c for c in released.get("cells", [])
                          if isinstance(c.get("metadata", {}).get("nbgrader", {}).get("grade_id"), str)}
        released_meta = {grade_id: c["metadata"] for grade_id, c in released_cells.items()}
        edited = []
        order = self._source_order(info["notebook"]) or sorted(source)
        present: dict[str, int] = {}
        budget = [FEEDBACK_TOTAL_BYTES]
        for index, cell in enumerate(nb.cells):
            raw = cell.get("metadata", {})
            meta = raw.get("nbgrader") if isinstance(raw, dict) else None
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            submitted = kept_outputs(cell.get("outputs"), budget) if cell.cell_type == "code" else []
            if not isinstance(grade_id, str) or grade_id not in source or grade_id in present:
                if grade_id is not None:
                    self.log.warning("Cell %r is not in the gradebook or is a duplicate; "
                                     "treating it as an ordinary cell", grade_id)
                cell.metadata = NotebookNode()
            else:
                present[grade_id] = index
                if cell.cell_type != source[grade_id][0]:  # e.g. a test cell turned into markdown
                    cell = nb.cells[index] = _retyped(cell, source[grade_id][0], nb)
                    edited.append(grade_id)
                rebuilt = self._metadata(grade_id, source, points, solutions, tasks)
                if grade_id in solutions:
                    cell.metadata = NotebookNode(nbgrader=rebuilt)
                else:  # the instructor's cell: everything as released, the source from the gradebook
                    cell.metadata = nbformat.from_dict(copy.deepcopy(released_meta.get(grade_id, {})))
                    cell.metadata["nbgrader"] = rebuilt
                    given = {_normalized(released_cells[grade_id].get("source", ""))} if grade_id in released_cells \
                        else set()
                    if given and _normalized(cell.source) not in given | {_normalized(source[grade_id][3])}:
                        edited.append(grade_id)  # neither the student's version nor the instructor's
                    cell.source = source[grade_id][3]
            if submitted and cell.cell_type == "code":
                cell.metadata[META_KEY] = NotebookNode(submitted_outputs=submitted)
        for grade_id in order:
            if grade_id in present or grade_id not in points or grade_id in solutions:
                continue
            # A test cell the student deleted: insert it after the nearest earlier cell that is present.
            position = 0
            for earlier in reversed(order[: order.index(grade_id)]):
                if earlier in present:
                    position = present[earlier] + 1
                    break
            cell_type, _, _, text = source[grade_id]
            make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
            cell = make(text, metadata={"nbgrader": self._metadata(grade_id, source, points, solutions, tasks)})
            if (nb.nbformat, nb.nbformat_minor) < (4, 5):
                del cell["id"]  # cell ids exist from nbformat 4.5 on
            nb.cells.insert(position, cell)
            self.log.warning("Test cell %r was missing from the submission; it was put back", grade_id)
            present = {k: (v + 1 if v >= position else v) for k, v in present.items()}
            present[grade_id] = position
        # Notebook metadata: the released notebook's (kernelspec, language), nothing of the student's.
        nb.metadata = nbformat.from_dict(copy.deepcopy(released.get("metadata", {}))) if released else \
            NotebookNode(kernelspec=nb.metadata.get("kernelspec", {}))
        if edited:  # one line for the instructor; the cells graded are the instructor's anyway
            self.log.warning("Locked cell(s) %s differ from the released notebook (edited in the submission); "
                             "the instructor's version was restored", ", ".join(edited))
        nb.metadata[META_KEY] = NotebookNode(edited_cells=edited)
        return nb, resources

    def _released(self, notebook_id: str, assignment: str) -> dict:
        folder = self.release_directory or _course_folder(self.config, "release_directory", assignment)
        path = os.path.join(folder, notebook_id + ".ipynb")
        if not os.path.exists(path):
            return {}
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)

    def _source_order(self, notebook_id: str) -> list[str]:
        path = os.path.join(self.source_directory, notebook_id + ".ipynb") if self.source_directory else ""
        if not path or not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as fh:
            cells = json.load(fh).get("cells", [])
        return [c["metadata"]["nbgrader"]["grade_id"] for c in cells
                if isinstance(c.get("metadata", {}).get("nbgrader", {}).get("grade_id"), str)]

    @staticmethod
    def _metadata(grade_id, source, points, solutions, tasks) -> NotebookNode:
        _, locked, checksum, _ = source[grade_id]
        meta = NotebookNode(grade=grade_id in points, solution=grade_id in solutions, task=grade_id in tasks,
                            locked=bool(locked), grade_id=grade_id, schema_version=3)
        if grade_id in points:
            meta["points"] = points[grade_id]
        if checksum:
            meta["checksum"] = checksum
        return meta




class SandboxedExecute(Execute):
    """Run the notebook in a sandboxed kernel; test cells become probes and are judged outside it."""

    submission_timeout = Integer(
        900, help="Wall-clock limit in seconds for executing one submission's notebook."
    ).tag(config=True)
    unresponsive_grace = Integer(
        5, help="Seconds to wait for the kernel to answer after a cell timed out and was interrupted."
    ).tag(config=True)
    max_output_mb = Integer(
        64, help="Most MiB of output kept from one submission's kernel (probe reports included); "
                 "more is dropped and the submission flagged."
    ).tag(config=True)
    source_directory = Unicode(
        "", help="Folder of the instructor's source notebooks of the assignment (what the judge plans from)."
    ).tag(config=True)
    max_message_mb = Integer(
        48, help="Largest single message (MiB) accepted from the kernel; a larger one disconnects it."
    ).tag(config=True)

    # After a timed-out cell the kernel may never report "idle"; that is handled below
    # (responsiveness check), not by aborting the whole submission.
    raise_on_iopub_timeout = Bool(False, help=Execute.raise_on_iopub_timeout.help).tag(config=True)
    # The sandbox is thrown away: no need to wait for a polite shutdown (saves about a second).
    shutdown_kernel = Enum(["graceful", "immediate"], default_value="immediate").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def _get_timeout(self, cell):  # per-cell timeout, capped by what is left of the submission's time
        timeout = super()._get_timeout(cell)
        left = getattr(self, "_deadline", None)
        if left is None:
            return timeout
        left = max(1, int(left - monotonic()) + 1)
        return left if timeout is None else min(timeout, left)

    # ---- output cap: nothing the kernel sends grows the grader past max_output_mb
    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(content.get("text", "") or "") + len(content.get("evalue", "") or "") + \
            sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in (content.get("data") or {}).values())
        size += sum(len(line) for line in content.get("traceback", []) or [])
        self._output_bytes = getattr(self, "_output_bytes", 0) + size
        if self._output_bytes > self.max_output_mb * 2**20:
            if not getattr(self, "_output_capped", False):
                self._output_capped = True
                outs.append(_error_output("OutputLimit", f"output past {self.max_output_mb} MiB was dropped"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    async def _async_responsive(self, grace: float) -> bool:
        msg_id = self.kc.kernel_info()
        deadline = monotonic() + grace
        while (left := deadline - monotonic()) > 0:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=left)
            except Exception:  # noqa: BLE001 - queue.Empty: no answer in time
                return False
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    def _start(self, km) -> None:
        try:
            self.start_new_kernel()
            self.start_new_kernel_client()
        except Exception as exc:
            if self.km is not None:
                with contextlib.suppress(Exception):
                    self._cleanup_kernel()
            if zygote.lost_reason():  # not the submission's fault: the worker grades it again
                raise zygote.ZygoteLost(zygote.lost_reason()) from exc
            detail = _log_tail(km)
            raise RuntimeError(f"the grading kernel did not start: {exc}"
                               + (f"; kernel log: {detail}" if detail else "")) from exc
        import zmq

        for channel in (self.kc.iopub_channel, self.kc.shell_channel):
            with contextlib.suppress(Exception):
                channel.socket.setsockopt(zmq.MAXMSGSIZE, self.max_message_mb * 2**20)

    def preprocess(self, nb: NotebookNode, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._deadline = monotonic() + self.submission_timeout
        self._output_bytes, self._output_capped = 0, False
        info = (resources or {}).get("nbgrader", {})
        plan = self._plan(info.get("notebook", ""), info.get("assignment", ""))
        token = judge.new_token()
        verdicts = self.resources.setdefault("cnnlib_verdicts", {})
        record = {"incidents": [], "cell_errors": {}, "output_capped": False}
        stop_reason = None
        km = self.km = self.create_kernel_manager() if self.km is None else self.km
        self._start(km)
        with self.setup_kernel():
            info = self.wait_for_reply(self.kc.kernel_info())
            if info and "language_info" in info["content"]:
                self.nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                cell_plan = plan.cells.get(grade_id) if judge.is_test_cell(cell) else None
                if stop_reason is None and monotonic() >= self._deadline:
                    stop_reason = f"the submission's time limit of {self.submission_timeout} s was reached"
                if stop_reason is not None:
                    cell.outputs = [_error_output("NotExecuted", f"not executed: {stop_reason}")]
                    problem = f"not executed: {stop_reason}"
                else:
                    problem, stop_reason = self._run_cell(cell, index, resources, cell_plan, token)
                if cell_plan is not None:
                    incidents = [o for o in cell.outputs if o.get("output_type") == "error"
                                 and o.get("ename") in INCIDENT_NAMES]
                    results = judge.results_from_outputs(cell.outputs, token)
                    verdict = judge.judge_cell(cell_plan, results, problem if results is None else "")
                    verdicts[grade_id] = verdict
                    cell.outputs = [judge.verdict_output(verdict), *incidents]
                else:
                    self._note_errors(cell, index, record)
                for output in cell.outputs:
                    if output.get("output_type") == "error" and output.get("ename") in INCIDENT_NAMES:
                        record["incidents"].append({"cell": index, "grade_id": grade_id, "kind": output["ename"]})
        if zygote.lost_reason():  # the kernel died with the warm-kernel server: save no grade
            raise zygote.ZygoteLost(f"the warm-kernel server was lost: {zygote.lost_reason()}")
        record["output_capped"] = self._output_capped
        record["limits_hit"] = list(getattr(km, "limits_hit", []))
        previous = self.nb.metadata.get(META_KEY)
        if isinstance(previous, dict) and isinstance(previous.get("edited_cells"), list):
            record["edited_cells"] = list(previous["edited_cells"])  # written by RestoreCells
        self.nb.metadata[META_KEY] = record
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _plan(self, notebook: str, assignment: str) -> judge.NotebookPlan:
        """The judge's plan, from the instructor's source notebook (never from the submission)."""
        folder = self.source_directory or _course_folder(self.config, "source_directory", assignment)
        path = os.path.join(folder, f"{notebook}.ipynb")
        if not os.path.exists(path):
            raise RuntimeError(f"the source notebook {path!r} is missing: the judge plans from it "
                               "(set SandboxedExecute.source_directory)")
        try:
            plan = judge.plan_cached(nbformat.read(path, as_version=4), where=f"{notebook}.ipynb")
        except judge.PlanError as exc:
            raise RuntimeError(f"the assignment's test code cannot be judged: {exc}") from exc
        if judge.tests_digest(self.nb) != plan.tests_digest:
            raise RuntimeError(f"the test cells of {path} differ from the released ones in the gradebook: "
                               "release the assignment again (cnnlib-course release) before grading")
        return plan

    def _run_cell(self, cell, index, resources, cell_plan, token) -> tuple[str, str | None]:
        """Run one cell (a test cell as its probe); return (problem, stop reason for later cells)."""
        original = cell.source
        if cell_plan is not None:
            cell.source = judge.probe_source(cell_plan, token)
        problem, stop_reason = "", None
        try:
            self.preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            problem = "the cell timed out"
            if not any(o.get("ename") == "CellTimeoutError" for o in cell.outputs):
                cell.outputs.append(_error_output("CellTimeoutError", "no reply from the kernel in time"))
        except DeadKernelError:
            detail = _log_tail(self.km)
            cell.outputs.append(_error_output(
                "KernelDied", "the kernel died while running this cell (a crash, os._exit, "
                "sys.exit in a thread, or a memory/CPU/process limit)" + (f"; kernel log: {detail}" if detail else "")))
            problem, stop_reason = "the kernel died while running it", "the kernel died in an earlier cell"
        finally:
            cell.source = original
        if any(o.get("ename") == "CellTimeoutError" for o in cell.outputs):
            problem = problem or "the cell timed out"
            if not run_sync(self._async_responsive)(self.unresponsive_grace):
                cell.outputs.append(_error_output(
                    "KernelUnresponsive", "the kernel did not respond after this cell timed out "
                    "and was interrupted; it was stopped"))
                run_sync(self.km.shutdown_kernel)(now=True)
                stop_reason = "the kernel was stopped after an earlier cell timed out"
        return problem, stop_reason

    @staticmethod
    def _note_errors(cell, index: int, record: dict) -> None:
        """Remember, in words a student may see, which exception a student cell raised while graded."""
        import builtins

        for output in cell.outputs:
            if output.get("output_type") != "error" or output.get("ename") in INCIDENT_NAMES:
                continue
            name = str(output.get("ename", ""))
            known = isinstance(getattr(builtins, name, None), type) and \
                issubclass(getattr(builtins, name), BaseException)
            record["cell_errors"][str(index)] = name if known else "an exception of a class defined in your notebook"


class SaveJudgedGrades(SaveAutoGrades):
    """nbgrader's ``SaveAutoGrades``, with each test cell's score taken from the judge's verdict.

    The score never depends on the cell's outputs (their type, an ``execute_result``
    holding a number, an error or a stream on stderr): a test cell the judge did not
    see scores 0.
    """

    def _add_score(self, cell: NotebookNode, resources: ResourcesDict) -> None:
        if not judge.is_test_cell(cell):
            return super()._add_score(cell, resources)
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        verdict = resources.get("cnnlib_verdicts", {}).get(grade_id)
        grade.auto_score = verdict.score if verdict is not None else 0.0
        grade.needs_manual_grade = grade.manual_score is not None
        self.gradebook.db.commit()
        return None


class FeedbackFromVerdicts(NbGraderPreprocessor):
    """Feedback built from the judge's verdicts and the student's own submitted outputs only."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        record = nb.metadata.get(META_KEY, {}) if isinstance(nb.metadata.get(META_KEY), dict) else {}
        errors = record.get("cell_errors", {})
        incidents = {item.get("cell"): item.get("kind") for item in record.get("incidents", [])}
        for index, cell in enumerate(nb.cells):
            meta = cell.metadata
            if cell.cell_type == "code" and judge.is_test_cell(cell):
                verdict = judge.verdict_of_cell(cell)
                cell.source = judge.visible_source(cell.source)
                cell.outputs = [judge.verdict_output(verdict, student=True)] if verdict is not None else [
                    NotebookNode(output_type="stream", name="stdout", text="Not graded.\n")]
            elif cell.cell_type == "code":
                kept = meta.get(META_KEY, {}).get("submitted_outputs", []) if isinstance(meta.get(META_KEY), dict) \
                    else []
                outputs = [nbformat.from_dict(o) for o in kept]
                note = self._note(errors.get(str(index)), incidents.get(index))
                if note:
                    outputs.append(NotebookNode(output_type="stream", name="stderr", text=note + "\n"))
                cell.outputs = outputs
                cell.execution_count = None
            cell.metadata = NotebookNode(nbgrader=meta["nbgrader"]) if "nbgrader" in meta else NotebookNode()
        nb.metadata = NotebookNode({k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")})
        return nb, resources

    @staticmethod
    def _note(error: str | None, incident: str | None) -> str:
        if incident:
            return f"[grader] {INCIDENT_NAMES.get(incident, incident)} in this cell while grading."
        if error:
            return f"[grader] while grading, this cell raised {error}; run the notebook from the top " \
                   "(Restart & Run All) to see the message."
        return ""
