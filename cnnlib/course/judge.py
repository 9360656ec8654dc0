"""The judge: decides every test cell's points outside the student's process.

How a submission is graded (see also :mod:`cnnlib.course.probe`):

1. **Plan** (trusted, once per assignment): the instructor's locked code cells and
   test cells are executed here, never in a sandbox, with the checks of
   :mod:`cnnlib.course.checks` in planning mode. Each ``check.*`` call records a
   :class:`Check`: what to evaluate in the student's namespace (an expression such
   as ``"conv_output_size(227, 11, stride=4)"``, or a module to build and run on
   inputs and weights chosen here) and the expected value, computed here.
2. **Probe** (sandboxed): in the student's kernel each test cell is replaced by a
   probe cell carrying only the *requests* (expressions, inputs, weights); it
   reports the student's answers as plain data. Expected values and the test code
   never enter the sandbox.
3. **Judge** (trusted): each answer is compared with its expected value; the
   verdicts become the test cell's output and its score in the gradebook
   (:class:`~cnnlib.course.preprocessors.SaveJudgedGrades`), whatever the kernel
   printed, raised or displayed. A test cell earns its points when all its checks
   pass.

A check's *name* (by default its expression) is shown to students; for a hidden
check the feedback gives the name and what is wrong in words, never the expected
value or the test's code.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import hashlib
import html
import io
import json
import math
import os
import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from . import probe as wire

__all__ = ["Check", "CellPlan", "CellVerdict", "CheckVerdict", "NotebookPlan", "PlanError", "VERDICT_MIME",
           "judge_cell", "plan_notebook", "probe_source", "results_from_outputs", "verdict_output"]

#: Output type of the judge's verdict of a test cell (in the autograded notebook).
VERDICT_MIME = "application/vnd.cnnlib.verdict+json"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"


class PlanError(ValueError):
    """A test cell that cannot be planned (an error in the instructor's test code)."""


@dataclass
class Check:
    """One check of a test cell: what to ask the student's kernel, and what to expect."""

    kind: str
    expr: str
    expected: object = None
    name: str = ""
    hint: str = ""
    hidden: bool = False
    options: dict = field(default_factory=dict)
    given: dict | None = None
    request: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or self.expr


@dataclass
class CheckVerdict:
    """The judge's decision on one check. ``detail`` (with expected values) is for the instructor;
    ``message`` is what the student may see (equal to ``detail`` for visible checks)."""

    name: str
    passed: bool
    hidden: bool
    message: str = ""
    detail: str = ""


@dataclass
class CellVerdict:
    """All checks of one test cell; the cell earns its points only when every check passes."""

    grade_id: str
    points: float
    checks: list[CheckVerdict]
    problem: str = ""  # why no answer was collected (kernel died, timed out, ...), if so

    @property
    def passed(self) -> bool:
        return not self.problem and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def score(self) -> float:
        return float(self.points) if self.passed else 0.0

    def to_json(self) -> dict:
        return {"grade_id": self.grade_id, "points": self.points, "score": self.score, "problem": self.problem,
                "checks": [vars(c) for c in self.checks]}

    @classmethod
    def from_json(cls, data: dict) -> CellVerdict:
        return cls(data["grade_id"], data["points"], [CheckVerdict(**c) for c in data["checks"]],
                   data.get("problem", ""))


@dataclass
class CellPlan:
    grade_id: str
    points: float
    checks: list[Check]


@dataclass
class NotebookPlan:
    cells: dict[str, CellPlan]
    digest: str
    tests_digest: str = ""


# ----------------------------------------------------------------------------- planning
def split_hidden(source: str) -> list[tuple[bool, str]]:
    """``source`` as consecutive (hidden?, code) segments, markers removed."""
    segments: list[tuple[bool, list[str]]] = [(False, [])]
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            segments.append((True, []))
        elif END_HIDDEN in line:
            segments.append((False, []))
        else:
            segments[-1][1].append(line)
    return [(hidden, "\n".join(lines)) for hidden, lines in segments if "\n".join(lines).strip()]


def visible_source(source: str) -> str:
    """The test cell as students see it (hidden regions removed)."""
    return "\n".join(code for hidden, code in split_hidden(source) if not hidden).strip("\n")


def _python(source: str) -> str:
    """Cell source without IPython magics and shell escapes (they do not run in the judge)."""
    lines = []
    for line in source.split("\n"):
        stripped = line.lstrip()
        lines.append(line[: len(line) - len(stripped)] + "pass" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_test_cell(cell) -> bool:
    meta = _meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _instructor_cells(nb):
    """Code cells the instructor wrote and the student cannot change: locked cells and test cells
    (not the install cell: the judge runs where cnnlib is installed)."""
    from ..install_cell import is_install_cell

    for cell in nb.cells:
        meta = _meta(cell)
        if cell.get("cell_type") == "code" and (meta.get("locked") or is_test_cell(cell)) and \
                not meta.get("solution") and not is_install_cell(cell):
            yield cell


def notebook_digest(nb) -> str:
    digest = hashlib.sha256()
    for cell in _instructor_cells(nb):
        digest.update(json.dumps([_meta(cell).get("grade_id"), _meta(cell).get("points"), cell.source]).encode())
    return digest.hexdigest()


def tests_digest(nb) -> str:
    """Digest of the test cells (grade id, points, source), in any order: the submission's
    restored test cells must be the ones the plan was made from."""
    items = sorted(json.dumps([_meta(c).get("grade_id"), float(_meta(c).get("points") or 0), c.source])
                   for c in nb.cells if is_test_cell(c))
    return hashlib.sha256("\n".join(items).encode()).hexdigest()


def single_thread() -> int:
    """Run torch's CPU kernels on one thread in this process (see :func:`plan_notebook`);
    return the number of threads it used before."""
    import torch

    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    return before


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    import numpy as np
    import torch

    np.random.seed(seed)
    torch.manual_seed(seed)


def plan_notebook(nb, *, where: str = "notebook") -> NotebookPlan:
    """Execute the instructor's cells of ``nb`` with checks in planning mode.

    Solution cells and anything the student added are never run. Raises
    :class:`PlanError` naming the cell when a test cell fails or touches a
    student's answer outside a check (``check.integer("conv1_params", ...)``,
    not ``check.integer(conv1_params, ...)``).
    """
    # One thread while planning: the grader forks its workers afterwards, and a forked child
    # that enters an OpenMP pool its parent started hangs (libgomp is not fork-safe).
    threads = single_thread()
    try:
        return _plan(nb, where)
    finally:
        import torch

        torch.set_num_threads(threads)


def _plan(nb, where: str) -> NotebookPlan:
    from . import checks

    namespace: dict = {"__name__": "__judge__"}
    cells: dict[str, CellPlan] = {}
    for cell in _instructor_cells(nb):
        grade_id = _meta(cell).get("grade_id", "?")
        test = is_test_cell(cell)
        recorder = checks._Recorder() if test else None
        _seed_everything(0)
        for hidden, code in split_hidden(cell.source) if test else [(False, cell.source)]:
            try:
                tree = compile(_python(code), f"<{where}: cell {grade_id}>", "exec", ast.PyCF_ONLY_AST)
                code_obj = compile(tree, f"<{where}: cell {grade_id}>", "exec")
            except SyntaxError as exc:
                raise PlanError(f"{where}, cell {grade_id!r}: {exc.msg} (line {exc.lineno}); hidden-test "
                                "markers must enclose whole statements") from None
            context = checks._planning(recorder, hidden) if test else contextlib.nullcontext()
            try:  # what the instructor's cells print or display is not the judge's business
                with context, contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    exec(code_obj, namespace)  # noqa: S102 - the instructor's own code
            except NameError as exc:
                if not test:
                    raise PlanError(f"{where}, setup cell {grade_id!r} failed in the judge: {exc}") from None
                raise PlanError(
                    f"{where}, test cell {grade_id!r}: {exc}. Test code runs in the judge, where the "
                    "student's answers do not exist: name them inside a check, e.g. "
                    "check.integer(\"conv1_params\", 34944)") from None
            except PlanError:
                raise
            except Exception as exc:
                kind = "test" if test else "setup"
                raise PlanError(f"{where}, {kind} cell {grade_id!r} failed in the judge: "
                                f"{type(exc).__name__}: {exc}") from exc
        if test:
            if not recorder.checks:
                raise PlanError(f"{where}, test cell {grade_id!r} has no check: a test cell must call "
                                "cnnlib.course.checks.check.* at least once")
            for i, item in enumerate(recorder.checks):
                item.request["id"] = i
            cells[grade_id] = CellPlan(grade_id, float(_meta(cell).get("points") or 0), recorder.checks)
    return NotebookPlan(cells, notebook_digest(nb), tests_digest(nb))


# ----------------------------------------------------------------------------- probing
def new_token() -> str:
    return os.urandom(8).hex()


def probe_source(plan: CellPlan, token: str) -> str:
    """The code the sandboxed kernel runs in place of a test cell (requests only, no expected values)."""
    requests = json.dumps([c.request for c in plan.checks], separators=(",", ":"))
    return f"__import__('_cnnlib_probe').run({requests!r}, globals(), {token!r})"


def results_from_outputs(outputs: list, token: str) -> dict[int, dict] | None:
    """The probe's report among a probe cell's outputs (the last one with ``token``), by request id."""
    found = None
    for output in outputs:
        data = output.get("data", {}) if output.get("output_type") == "display_data" else {}
        report = data.get(wire.MIME)
        if isinstance(report, dict) and report.get("token") == token and isinstance(report.get("results"), list):
            found = report["results"]
    if found is not None:
        try:  # plain JSON types from here on (nbformat hands over dict subclasses)
            found = json.loads(json.dumps(found))
        except (TypeError, ValueError, RecursionError):
            return None
    if found is None:
        return None
    results = {}
    for item in found:
        if isinstance(item, dict) and type(item.get("id")) is int:
            results[item["id"]] = item
    return results


# ----------------------------------------------------------------------------- judging
def _type_word(value) -> str:
    """A student's value described by kind (no content): safe to show for hidden checks."""
    import numpy as np
    import torch

    kind = type(value)
    if value is None:
        return "None"
    if isinstance(value, wire.NumpyScalar):
        return f"a numpy.{value.dtype} (not a Python number)"
    if isinstance(value, wire.Opaque):
        return "an object of a type the grader does not read"
    if kind is torch.Tensor:
        return "a tensor"
    if kind is np.ndarray:
        return "a numpy array"
    return {bool: "a bool", int: "an int", float: "a float", str: "a str", tuple: "a tuple", list: "a list",
            dict: "a dict", complex: "a complex number", wire.CutString: "a str"}.get(kind, "an object")


def _show(value, limit: int = 160) -> str:
    import numpy as np
    import torch

    if isinstance(value, torch.Tensor):
        text = f"tensor of shape {tuple(value.shape)}, dtype {str(value.dtype).replace('torch.', '')}"
    elif isinstance(value, np.ndarray):
        text = f"numpy array of shape {value.shape}, dtype {value.dtype}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_text(error: dict, hidden: bool) -> str:
    chain = error.get("chain") or [["?", "?"]]
    module, name = (str(part)[:80] for part in chain[0][:2])
    builtin = module == "builtins"
    if hidden:
        return f"your code raised {name if builtin else 'an exception'}" + \
            ("" if builtin else " (of a class defined in your notebook)")
    message = str(error.get("message", ""))[:300]
    return f"your code raised {name}" + (f": {message}" if message else "")


def _numbers(actual, expected, path: str, *, rtol: float, atol: float, exact: bool) -> str | None:
    """First difference between two nested values (None when they agree)."""
    import numpy as np
    import torch

    if isinstance(expected, (torch.Tensor, np.ndarray)):
        kind = "a tensor" if isinstance(expected, torch.Tensor) else "a numpy array"
        if not isinstance(actual, (torch.Tensor, np.ndarray)):
            return f"{path}: expected {kind}, got {_type_word(actual)}"
        a = torch.as_tensor(actual).detach().cpu()
        e = torch.as_tensor(expected).detach().cpu()
        if tuple(a.shape) != tuple(e.shape):
            return f"{path}: expected shape {tuple(e.shape)}, got shape {tuple(a.shape)}"
        if a.is_complex() or e.is_complex() or a.dtype == torch.bool or e.dtype == torch.bool:
            same = bool(torch.equal(a.to(e.dtype), e)) if exact else bool(torch.allclose(a.to(e.dtype), e))
            return None if same else f"{path}: values differ"
        a64, e64 = a.to(torch.float64), e.to(torch.float64)
        if exact:
            ok = torch.equal(a64, e64)
        else:
            ok = bool(torch.allclose(a64, e64, rtol=rtol, atol=atol, equal_nan=False))
        if ok:
            return None
        diff = (a64 - e64).abs()
        diff = torch.where(torch.isnan(diff), torch.full_like(diff, float("inf")), diff)
        return f"{path}: values differ (largest difference {float(diff.max()):.3g} at index " \
               f"{tuple(int(i) for i in np.unravel_index(int(diff.argmax()), tuple(e.shape)))})" if e.numel() else \
            f"{path}: values differ"
    if isinstance(expected, (list, tuple)):
        if type(actual) is not type(expected):
            return f"{path}: expected {_type_word(expected)}, got {_type_word(actual)}"
        if len(actual) != len(expected):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            diff = _numbers(a, e, f"{path}[{i}]", rtol=rtol, atol=atol, exact=exact)
            if diff:
                return diff
        return None
    if isinstance(expected, dict):
        if type(actual) is not dict:
            return f"{path}: expected a dict, got {_type_word(actual)}"
        missing = [k for k in expected if k not in actual]
        if missing:
            return f"{path}: missing key(s) {', '.join(map(repr, missing[:5]))}"
        extra = [k for k in actual if k not in expected]
        if extra:
            return f"{path}: unexpected key(s) {', '.join(map(repr, extra[:5]))}"
        for key in expected:
            diff = _numbers(actual[key], expected[key], f"{path}[{key!r}]", rtol=rtol, atol=atol, exact=exact)
            if diff:
                return diff
        return None
    if type(expected) in (int, float) and type(expected) is not bool:
        if type(actual) not in (int, float) or type(actual) is bool:
            return f"{path}: expected a number, got {_type_word(actual)}"
        if exact:
            if type(actual) is not type(expected):
                return f"{path}: expected {_type_word(expected)}, got {_type_word(actual)}"
            return None if actual == expected else f"{path}: expected {expected!r}, got {actual!r}"
        if math.isclose(float(actual), float(expected), rel_tol=rtol, abs_tol=atol):
            return None
        return f"{path}: expected {expected!r}, got {actual!r}"
    if type(actual) is not type(expected) and not (type(actual) is wire.CutString and type(expected) is str):
        return f"{path}: expected {_type_word(expected)}, got {_type_word(actual)}"
    return None if actual == expected else f"{path}: expected {_show(expected)}, got {_show(actual)}"


def _verdict(check: Check, detail: str | None, hidden_message: str | None = None) -> CheckVerdict:
    if detail is None:
        return CheckVerdict(check.label, True, check.hidden)
    detail = f"{check.label}: {detail}"
    if check.hint:
        detail += f" ({check.hint})"
    if check.hidden:
        message = f"{check.label}: {hidden_message or 'wrong answer'}" + (f" ({check.hint})" if check.hint else "")
    else:
        message = detail
    return CheckVerdict(check.label, False, check.hidden, message, detail)


def _judge_value(check: Check, result: dict) -> CheckVerdict:
    """The verdict on one check from the sandbox's result for it (value or error)."""
    if "error" in result and check.kind != "raises":
        return _verdict(check, _error_text(result["error"], False), _error_text(result["error"], True))
    if check.kind == "raises":
        return _judge_raises(check, result)
    try:
        actual = wire.decode(result.get("value"))
    except (wire.ProbeError, ValueError, TypeError, RecursionError) as exc:
        return _verdict(check, f"the answer could not be read ({exc})", "the answer could not be read")
    judge = _JUDGES.get(check.kind, _judge_numbers)
    return judge(check, actual)


def _judge_raises(check: Check, result: dict) -> CheckVerdict:
    expected = check.expected
    if "error" not in result:
        why = f"expected {expected} to be raised, nothing was raised"
        return _verdict(check, why, why)
    chain = [tuple(x) for x in result["error"].get("chain", []) if isinstance(x, list) and len(x) == 2]
    wanted = tuple(expected.rsplit(".", 1)) if "." in expected else ("builtins", expected)
    if wanted in chain:
        return _verdict(check, None)
    return _verdict(check, f"expected {expected}, " + _error_text(result["error"], False).replace(
        "your code raised", "got"), f"expected {expected}, " +
        _error_text(result["error"], True).replace("your code raised", "got"))


def _judge_integer(check: Check, actual: Any) -> CheckVerdict:
    expected, kind, hidden = check.expected, check.kind, check.hidden
    if type(actual) is not int:
        if isinstance(actual, wire.NumpyScalar) and type(actual.value) is int:
            why = f"should be a Python int, got a numpy.{actual.dtype}: wrap it in int(...)"
        elif type(actual) is float and actual.is_integer():
            why = f"should be an int, got the float {actual!r}: use integer arithmetic (//) or int(...)"
        else:
            why = f"should be an int, got {_type_word(actual)}"
        return _verdict(check, why, why if not isinstance(actual, (str, wire.Opaque)) else
                        f"should be an int, got {_type_word(actual)}")
    if actual == expected:
        return _verdict(check, None)
    detail = f"expected {expected}, got {actual}"
    ratio = actual / expected if expected else None
    word = "wrong count" if kind == "parameters" else "wrong value"
    if ratio is not None and ratio > 0 and not hidden and re.search(r"mac|flop", check.label, re.I):
        if abs(ratio - 2) < 1e-9:
            detail += " (twice the answer: FLOPs instead of MACs?)"
        elif abs(ratio - 0.5) < 1e-9:
            detail += " (half the answer: MACs instead of FLOPs?)"
    return _verdict(check, detail, word)


def _judge_shape(check: Check, actual: Any) -> CheckVerdict:
    expected = check.expected
    if type(actual) is list and all(type(v) is int for v in actual):
        return _verdict(check, "should be a tuple such as (C, H, W), got a list", "should be a tuple, got a list")
    if type(actual) is not tuple or not all(type(v) is int for v in actual):
        return _verdict(check, f"should be a tuple of ints, got {_show(actual)}",
                        f"should be a tuple of ints, got {_type_word(actual)}")
    if actual == expected:
        return _verdict(check, None)
    why = "wrong number of dimensions" if len(actual) != len(expected) else "wrong shape"
    if len(actual) == len(expected) == 3 and (actual[2], actual[0], actual[1]) == tuple(expected):
        why = "the shape is in (H, W, C) order; the course writes (C, H, W)"
    elif sorted(actual) == sorted(expected):
        why = "the right sizes in the wrong order (the course writes (C, H, W))"
    return _verdict(check, f"expected {expected}, got {actual}" + ("" if why == "wrong shape" else f": {why}"), why)


def _judge_shapes(check: Check, actual: Any) -> CheckVerdict:
    expected, hidden = check.expected, check.hidden
    if type(actual) is not dict:
        return _verdict(check, f"should be a dict of shapes, got {_type_word(actual)}")
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    if missing or extra:
        parts = ([f"missing {', '.join(map(repr, missing))}"] if missing else []) + \
                ([f"unexpected {', '.join(repr(k)[:40] for k in extra[:5])}"] if extra else [])
        return _verdict(check, "; ".join(parts))
    for key, shape in expected.items():
        sub = Check("shape", f"{check.expr}[{key!r}]", shape, hidden=hidden, name=f"{check.label}[{key!r}]")
        verdict = _judge_value(sub, {"value": wire.encode(actual[key])})
        if not verdict.passed:
            detail = verdict.detail + (f" ({check.hint})" if check.hint else "")
            return CheckVerdict(check.label, False, hidden, verdict.message if hidden else detail, detail)
    return _verdict(check, None)


def _judge_choice(check: Check, actual: Any) -> CheckVerdict:
    if not isinstance(actual, str):
        return _verdict(check, f"should be a str, got {_type_word(actual)}")
    ok = actual.strip().lower() == check.expected
    return _verdict(check, None if ok else f"expected {check.expected!r}, got {_show(actual)}", "wrong choice")


def _judge_true(check: Check, actual: Any) -> CheckVerdict:
    import torch

    value, message = actual, check.options.get("message") or "is not True"
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dtype == torch.bool:
        value = bool(value.item())
    return _verdict(check, None if value is True else message, message)


def _judge_numbers(check: Check, actual: Any) -> CheckVerdict:
    options = check.options
    diff = _numbers(actual, check.expected, "value", rtol=options.get("rtol", 0.0),
                    atol=options.get("atol", 0.0), exact=check.kind == "equal")
    if diff is None:
        return _verdict(check, None)
    return _verdict(check, diff[len("value: "):] if diff.startswith("value: ") else diff, _hidden_words(diff))


#: How each kind of check judges the decoded answer (numbers, arrays and tensors otherwise).
_JUDGES: dict[str, Callable[[Check, Any], CheckVerdict]] = {
    "integer": _judge_integer, "parameters": _judge_integer, "shape": _judge_shape,
    "shapes": _judge_shapes, "choice": _judge_choice, "true": _judge_true,
}


def _hidden_words(diff: str) -> str:
    """What a difference found by :func:`_numbers` means, without any value of the hidden test."""
    if ", got a" in diff or ", got an" in diff or ", got None" in diff:
        return re.sub(r"^[^:]*: ", "", diff).split(" (")[0] if "expected a" in diff else "wrong type"
    if "shape" in diff:
        return "wrong shape"
    if "items" in diff:
        return "wrong number of items"
    if "key" in diff:
        return "missing or unexpected keys"
    return "wrong value"


def _kind_counts(keys) -> dict:
    counts: dict = {}
    for key in keys:
        counts[key[0]] = counts.get(key[0], 0) + 1
    return counts


def _count_diff(mine: dict, ref: dict) -> str:
    parts = []
    for kind in sorted(set(mine) | set(ref)):
        a, e = mine.get(kind, 0), ref.get(kind, 0)
        if a < e:
            parts.append(f"missing {e - a} {kind}")
        elif a > e:
            parts.append(f"{a - e} {kind} too many")
    return ", ".join(parts)


def _judge_module(check: Check, result: dict) -> CheckVerdict:
    opts = check.options
    stage = result.get("stage")
    if stage == "construct":
        if "error" in result:
            return _verdict(check, "could not build it: " + _error_text(result["error"], False),
                            "could not build it: " + _error_text(result["error"], True))
        return _verdict(check, "is not a torch.nn.Module")
    if "error" in result and stage in ("structure", "layers"):
        return _verdict(check, "running it failed: " + _error_text(result["error"], False),
                        "running it failed: " + _error_text(result["error"], True))
    table = result.get("table")
    if opts.get("table") is not None:
        if table != opts["table"]:
            missing = [r for r in opts["table"] if r not in (table or [])]
            extra = [r for r in (table or []) if r not in opts["table"]]
            detail = ("the layers with weights, as (kind, params, output shape), differ from the reference: "
                      f"missing {missing}, unexpected {extra}")
            counts = _count_diff(_kind_counts(table or []), _kind_counts(opts["table"]))
            return _verdict(check, detail, "its layers with weights differ from what the question asks" +
                            (f" ({counts})" if counts else " (parameter counts or output shapes)"))
    layers = result.get("layers")
    ref_keys = [key for key, _ in opts["weights"]]
    if stage == "layers" or layers is not None and sorted(map(repr, layers)) != sorted(map(repr, ref_keys)):
        counts = _count_diff(_kind_counts(layers or []), _kind_counts(ref_keys))
        detail = (f"its layers with weights do not match the reference ({counts or 'different tensor shapes'}); "
                  f"yours, in the order they run: {layers}; the reference: {ref_keys}")
        return _verdict(check, detail, f"its layers with weights do not match the reference "
                                       f"({counts or 'different tensor shapes'})")
    if "error" in result:
        return _verdict(check, f"running it with the reference's weights failed ({stage}): " +
                        _error_text(result["error"], False),
                        "running it with the reference's weights failed: " + _error_text(result["error"], True))
    outputs = result.get("outputs")
    expected = opts["outputs"]
    if not isinstance(outputs, list) or len(outputs) != len(expected):
        return _verdict(check, "no outputs were reported", "no outputs were reported")
    for (mode, exp_list), got in zip(expected, outputs):
        if not (isinstance(got, list) and len(got) == 2 and got[0] == mode and isinstance(got[1], list)
                and len(got[1]) == len(exp_list)):
            return _verdict(check, "malformed outputs", "malformed outputs")
        for i, (exp, enc) in enumerate(zip(exp_list, got[1])):
            try:
                actual = wire.decode(enc)
            except (wire.ProbeError, ValueError, TypeError, RecursionError) as exc:
                return _verdict(check, f"its output could not be read ({exc})", "its output could not be read")
            diff = _numbers(actual, exp, f"output in {mode} mode", rtol=opts["rtol"], atol=opts["atol"], exact=False)
            if diff:
                words = "wrong output shape" if "shape" in diff else \
                    f"with the reference's weights its output in {mode} mode differs (check the order of the " \
                    "layers, the activations and the shortcut)"
                return _verdict(check, diff + (f" (input {i})" if len(exp_list) > 1 else ""), words)
    return _verdict(check, None)


def judge_check(check: Check, result: dict | None) -> CheckVerdict:
    """The verdict on one check given the probe's ``result`` for it (None: nothing was reported)."""
    if result is None:
        return _verdict(check, "no answer was reported", "no answer was reported")
    try:
        if check.kind == "module":
            return _judge_module(check, result)
        return _judge_value(check, result)
    except Exception as exc:  # noqa: BLE001 - malformed data from the sandbox is a wrong answer, never a crash
        return _verdict(check, f"the answer could not be judged ({type(exc).__name__})", "the answer could not be read")


def judge_cell(plan: CellPlan, results: dict[int, dict] | None, problem: str = "") -> CellVerdict:
    """Verdicts on every check of a test cell from the probe's results (None: no report)."""
    if results is None and not problem:
        problem = "the test cell reported no answers (it did not run to the end)"
    checks = [judge_check(c, (results or {}).get(i)) for i, c in enumerate(plan.checks)]
    return CellVerdict(plan.grade_id, plan.points, checks, problem)


# ----------------------------------------------------------------------------- rendering
MAX_SHOWN_FAILURES = 8


def verdict_lines(verdict: CellVerdict, *, student: bool) -> list[str]:
    """The verdict as text lines; ``student`` hides the details of hidden checks."""
    total = len(verdict.checks)
    failed = [c for c in verdict.checks if not c.passed]
    lines = []
    if verdict.problem:
        lines.append(f"Not graded: {verdict.problem}.")
    elif not failed:
        lines.append(f"All {total} check(s) passed: {verdict.score:g} of {verdict.points:g} point(s).")
        return lines
    else:
        visible = sum(1 for c in verdict.checks if not c.hidden)
        lines.append(f"{len(failed)} of {total} check(s) failed ({visible} visible, {total - visible} hidden): "
                     f"0 of {verdict.points:g} point(s).")
    for check in failed[:MAX_SHOWN_FAILURES]:
        text = check.message if student else check.detail
        lines.append(("  [hidden] " if check.hidden else "  ") + text)
    if len(failed) > MAX_SHOWN_FAILURES:
        lines.append(f"  ... and {len(failed) - MAX_SHOWN_FAILURES} more failed check(s)")
    return lines


def verdict_output(verdict: CellVerdict, *, student: bool = False) -> dict:
    """The test cell's output: the verdict as text, HTML and JSON (``student``: feedback version)."""
    import nbformat

    lines = verdict_lines(verdict, student=student)
    colour = "#1a7f37" if verdict.passed else "#b42318"
    body = "<br>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;") for line in lines)
    data = {"text/plain": "\n".join(lines),
            "text/html": f'<div class="cnnlib-verdict" style="border-left:4px solid {colour};padding-left:8px">'
                         f"{body}</div>"}
    if not student:
        data[VERDICT_MIME] = verdict.to_json()
    return nbformat.v4.new_output("display_data", data=data)


def verdict_of_cell(cell) -> CellVerdict | None:
    """The judge's verdict stored in an autograded test cell's outputs (None if it has none)."""
    for output in cell.get("outputs", []):
        data = output.get("data", {}) if output.get("output_type") == "display_data" else {}
        if VERDICT_MIME in data:
            return CellVerdict.from_json(copy.deepcopy(data[VERDICT_MIME]))
    return None


_PLANS: dict[str, NotebookPlan] = {}


def plan_cached(nb, *, where: str = "notebook") -> NotebookPlan:
    """:func:`plan_notebook`, computed once per version of the instructor's cells (per process).

    ``nb`` is the instructor's source notebook, never a submission (whose cell order
    the student controls). The autograder plans each assignment in its parent
    process before forking one worker per submission, so every worker finds the
    plan here.
    """
    digest = notebook_digest(nb)
    if digest not in _PLANS:
        _PLANS[digest] = plan_notebook(nb, where=where)
    return _PLANS[digest]
