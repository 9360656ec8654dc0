"""nbgrader preprocessors of the course's grading pipeline.

* :class:`RestoreCells` (first step of autograde's sanitizing): rebuilds every
  cell's nbgrader metadata from the gradebook, so inflated points, changed
  ``grade_id``s, duplicated ids or hand-edited flags cannot survive, and puts back
  test cells the student deleted (nbgrader's own ``OverwriteCells`` then restores
  the source of every locked cell, hidden tests included, from the gradebook's
  copy by checksum).
* :class:`SandboxedExecute` (autograde's execute step): runs the notebook in a
  :class:`~cnnlib.course.sandbox.SandboxedKernelManager` kernel with a per-cell
  timeout and a per-submission wall-clock limit; a kernel that dies (crash,
  ``os._exit``, a resource limit) or does not respond after a timed-out cell is
  stopped and the remaining cells are marked as not executed, so the cells that
  ran before keep their points and the run always ends.
* :class:`HideHiddenTests` (feedback): removes hidden-test regions from the
  feedback, replaces the outputs of cells that had hidden tests (a traceback would
  show the hidden assertion) and redacts any other output that quotes a hidden
  test line (e.g. a student cell printing IPython's input history).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from time import monotonic

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbconvert.exporters.exporter import ResourcesDict
from nbconvert.preprocessors.execute import NotebookClient
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Enum, Integer, Unicode

from .sandbox import SandboxedKernelManager

__all__ = ["HideHiddenTests", "RestoreCells", "SandboxedExecute", "INCIDENT_NAMES"]

#: ``ename`` of the error outputs this pipeline writes (the autograder reads them back).
INCIDENT_NAMES = {
    "CellTimeoutError": "timed out",
    "KernelDied": "kernel died",
    "KernelUnresponsive": "kernel unresponsive",
    "NotExecuted": "not executed",
    "GradingGuardError": "refused by the grading guard",
}


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _normalize(text: str) -> str:
    """Text without terminal colour codes, whitespace collapsed (tracebacks re-indent source)."""
    return " ".join(_ANSI.sub("", text).split())


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


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


class RestoreCells(NbGraderPreprocessor):
    """Make the submission's nbgrader metadata exactly the gradebook's; re-add deleted test cells."""

    source_directory = Unicode(
        "", help="Folder of the instructor's source notebooks of this assignment (for cell order)."
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            source = {c.name: (c.cell_type, c.locked, c.checksum, c.source) for c in notebook.source_cells}
            points = {c.name: float(c.max_score) for c in notebook.grade_cells}
            solutions = {c.name for c in notebook.solution_cells}
            tasks = {c.name for c in notebook.task_cells}
        order = self._source_order(info["notebook"]) or sorted(source)
        present: dict[str, int] = {}
        for index, cell in enumerate(nb.cells):
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(grade_id, str) or grade_id not in source or grade_id in present:
                if grade_id is not None:
                    self.log.warning("Cell %r is not in the gradebook or is a duplicate; "
                                     "treating it as an ordinary cell", grade_id)
                del cell.metadata["nbgrader"]
                continue
            present[grade_id] = index
            cell.metadata["nbgrader"] = self._metadata(grade_id, source, points, solutions, tasks)
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
        return nb, resources

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
    """nbgrader's ``Execute`` in a sandboxed kernel, robust to kernels that die or hang."""

    submission_timeout = Integer(
        900, help="Wall-clock limit in seconds for executing one submission's notebook."
    ).tag(config=True)
    unresponsive_grace = Integer(
        5, help="Seconds to wait for the kernel to answer after a cell timed out and was interrupted."
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

    def preprocess(self, nb: NotebookNode, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._deadline = monotonic() + self.submission_timeout
        stop_reason = None
        km = self.km = self.create_kernel_manager() if self.km is None else self.km
        try:
            self.start_new_kernel()
            self.start_new_kernel_client()
        except Exception as exc:
            if self.km is not None:
                with contextlib.suppress(Exception):
                    self._cleanup_kernel()
            detail = _log_tail(km)
            raise RuntimeError(f"the grading kernel did not start: {exc}"
                               + (f"; kernel log: {detail}" if detail else "")) from exc
        with self.setup_kernel():
            info = self.wait_for_reply(self.kc.kernel_info())
            if info and "language_info" in info["content"]:
                self.nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if stop_reason is None and monotonic() >= self._deadline:
                    stop_reason = f"the submission's time limit of {self.submission_timeout} s was reached"
                if stop_reason is not None:
                    cell.outputs = [_error_output("NotExecuted", f"not executed: {stop_reason}")]
                    continue
                try:
                    self.preprocess_cell(cell, resources, index)
                except CellTimeoutError:
                    if not any(o.get("ename") == "CellTimeoutError" for o in cell.outputs):
                        cell.outputs.append(_error_output("CellTimeoutError", "no reply from the kernel in time"))
                except DeadKernelError:
                    detail = _log_tail(self.km)
                    cell.outputs.append(_error_output(
                        "KernelDied", "the kernel died while running this cell (a crash, os._exit, "
                        "sys.exit in a thread, or a memory/CPU limit)" + (f"; kernel log: {detail}" if detail else "")))
                    stop_reason = "the kernel died in an earlier cell"
                    continue
                if any(o.get("ename") == "CellTimeoutError" for o in cell.outputs) and \
                        not run_sync(self._async_responsive)(self.unresponsive_grace):
                    cell.outputs.append(_error_output(
                        "KernelUnresponsive", "the kernel did not respond after this cell timed out "
                        "and was interrupted; it was stopped"))
                    run_sync(self.km.shutdown_kernel)(now=True)
                    stop_reason = "the kernel was stopped after an earlier cell timed out"
        self.set_widgets_metadata()
        return self.nb, self.resources


class HideHiddenTests(NbGraderPreprocessor):
    """Keep hidden tests, and anything quoting them, out of the feedback."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS", help="Marks the start of hidden tests.").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS", help="Marks the end of hidden tests.").tag(config=True)
    min_secret_length = Integer(
        8, help="Hidden-test lines shorter than this (ignoring spaces) are not searched for in outputs."
    ).tag(config=True)

    def _split(self, source: str) -> tuple[str, list[str]]:
        kept, hidden, inside = [], [], False
        for line in source.split("\n"):
            if self.begin_test_delimeter in line:
                inside = True
            elif self.end_test_delimeter in line:
                inside = False
            elif inside:
                hidden.append(line)
            else:
                kept.append(line)
        return "\n".join(kept), hidden

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        hidden_lines: set[str] = set()
        visible_lines: set[str] = set()
        for cell in nb.cells:
            if self.begin_test_delimeter not in cell.source:
                visible_lines.update(line.strip() for line in cell.source.split("\n"))
                continue
            cell.source, hidden = self._split(cell.source)
            visible_lines.update(line.strip() for line in cell.source.split("\n"))
            hidden_lines.update(line.strip() for line in hidden)
            if cell.cell_type == "code":
                errors = [o.get("ename", "error") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                note = "This test cell contains hidden tests, so its output is not shown."
                if errors:
                    note += f" It raised {errors[-1]}."
                cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=note + "\n")]
        secrets = {_normalize(s) for s in hidden_lines - visible_lines}
        secrets = [s for s in secrets if len(s.replace(" ", "")) >= self.min_secret_length]
        if secrets:
            for cell in nb.cells:
                for i, output in enumerate(cell.get("outputs", [])):
                    text = _normalize(" ".join(_strings(output)))
                    if any(s in text for s in secrets):
                        cell.outputs[i] = NotebookNode(
                            output_type="stream", name="stdout",
                            text="[output hidden: it quoted the text of a hidden test]\n")
        if "celltoolbar" in nb.metadata:
            del nb.metadata["celltoolbar"]
        return nb, resources
